"""A seeded world of scarce supply: what upstream systems send over ~90 days, as plain dicts.

Per SKU a daily demand rate; customers of three tiers (a fixed pool, each customer one
tier) order 1-2 lines; purchase orders arrive every cycle with 10-30% fewer units than the
cycle's expected demand, some confirmed, some delayed (and then received late, in one or
two parts). On top, the real traffic every upstream sends: re-sends byte for byte,
refused messages (absurd quantities, a year 9999, unknown SKUs and orders), clocks that
run late and early, messages that arrive out of order across topics, and customers who
cancel. The world says nothing about outcomes: those are read from the store afterwards
(bench/allocation/outcomes.py). `rates` (per SKU and tier, units a day) and `lead_days`
are the forecast a planner would have; the policy settings use them (policies.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.workload import Clock, order_placed, purchase_order_placed, supplier_registered

Msg = dict[str, Any]
T0 = datetime(2026, 2, 2, 0, 0, tzinfo=UTC)
TIERS = ("platinum", "gold", "standard")
SUPPLIER = "SUP-ALLOC"
CHANNELS = ("web", "web", "marketplace", "phone")


@dataclass(frozen=True)
class Shape:
    """What a world looks like; the defaults are the bench's, tests make tiny ones."""

    skus: int = 20
    days: int = 90
    customers: int = 400
    tier_mix: tuple[float, float, float] = (0.10, 0.25, 0.65)  # share of customers per tier
    lead_days: int = 14  # supplier's lead time; also the PO cycle
    noise: bool = True  # duplicates, refusals, skewed clocks, reordering, cancellations
    order_v3: bool = False  # OrderPlaced version 3 (channel, customer.group) where the engine knows it


@dataclass
class World:
    seed: int
    shape: Shape
    skus: list[str]
    setup: list[Msg]  # the supplier: before any SKU is configured
    stream: list[Msg]  # everything else, in arrival order
    rates: dict[str, dict[str, float]]  # sku -> tier -> expected units a day
    end: datetime  # the horizon: no message occurs after it
    sent: dict[str, int] = field(default_factory=dict)  # what went in, by kind (for the report)


@dataclass(order=True)
class _Timed:
    arrives: datetime
    seq: int
    message: Msg = field(compare=False)


class _Sender:
    """Collects messages with their true time and the time they arrive (late, early, reordered)."""

    def __init__(self, rng: random.Random, noise: bool) -> None:
        self.rng, self.noise = rng, noise
        self.out: list[_Timed] = []
        self.count = 0
        self.sent: dict[str, int] = {}

    def ident(self) -> str:
        self.count += 1
        return f"a-{self.count:07d}"

    def send(self, message: Msg, at: datetime, kind: str = "", skew: bool = True) -> None:
        """`at`: when it happened. Its clock may be off, and it may arrive later than it happened."""
        occurred, arrives = at, at
        if self.noise and skew:
            roll = self.rng.random()
            if roll < 0.06:  # a clock hours late / a message held up in a queue
                delay = timedelta(hours=self.rng.uniform(1, 30))
                arrives = at + delay
            elif roll < 0.09:  # a clock running a few minutes ahead
                occurred = at + timedelta(minutes=self.rng.uniform(1, 10))
        message["occurred_at"] = _iso(occurred)
        if "placed_at" in message:
            message["placed_at"] = _iso(min(at, occurred))
        self.out.append(_Timed(arrives, len(self.out), message))
        self.sent[kind or message["type"]] = self.sent.get(kind or message["type"], 0) + 1

    def ordered(self) -> list[Msg]:
        return [t.message for t in sorted(self.out)]


def build(seed: int, shape: Shape = Shape()) -> World:
    rng = random.Random(seed)
    skus = [f"SKU-{i:03d}" for i in range(shape.skus)]
    sender = _Sender(rng, shape.noise)
    setup = [
        supplier_registered(
            _still(T0 - timedelta(days=1), "setup"),
            SUPPLIER,
            [{"sku": s, "lead_time_days": shape.lead_days, "unit_cost": "3.20"} for s in skus],
        )
    ]
    customers = _customers(rng, shape)
    base = {sku: rng.uniform(2.0, 8.0) for sku in skus}  # mean units a day
    orders = _orders(rng, shape, skus, base, customers, sender)
    rates = _rates(skus, base, customers)
    for sku in skus:
        _supply(rng, shape, sku, base[sku], sender)
    if shape.noise:
        _cancellations(rng, orders, sender)
        _refusals(rng, shape, skus, sender, 0.1 * len(orders) / shape.days)
    stream = sender.ordered()
    if shape.noise:
        stream = _resend(rng, stream, sender)
    end = T0 + timedelta(days=shape.days)
    return World(seed, shape, skus, setup, stream, rates, end, sender.sent)


def _customers(rng: random.Random, shape: Shape) -> tuple[list[tuple[str, str]], list[float]]:
    """A fixed pool, each customer one tier, and how often each orders: a few much more often than
    the rest (Zipf-like weights, not tied to the tier), the customers a quota is for."""
    tiers = rng.choices(TIERS, weights=shape.tier_mix, k=shape.customers)
    weights = [1.0 / (1 + i) ** 0.9 for i in range(shape.customers)]
    rng.shuffle(weights)
    return [(f"CU-{i:04d}", tier) for i, tier in enumerate(tiers)], weights


def _rates(
    skus: list[str], base: dict[str, float], customers: tuple[list[tuple[str, str]], list[float]]
) -> dict[str, dict[str, float]]:
    """Expected units a day per SKU and tier: the SKU's rate times the tier's share of orders (its
    customers' weights): the forecast a planner who knows its customers has, not the draw."""
    total = sum(customers[1])
    share = {t: sum(w for (_, tier), w in zip(*customers, strict=True) if tier == t) / total for t in TIERS}
    return {sku: {t: base[sku] * share[t] for t in TIERS} for sku in skus}


def _orders(
    rng: random.Random,
    shape: Shape,
    skus: list[str],
    base: dict[str, float],
    customers: tuple[list[tuple[str, str]], list[float]],
    sender: _Sender,
) -> list[tuple[str, datetime, list[str]]]:
    """Orders placed through the horizon: 1-2 lines of 1-4 units (mean 2.5), max waits on a third."""
    placed: list[tuple[str, datetime, list[str]]] = []
    per_day = sum(base.values()) / 2.5 / 1.3  # orders a day (a third have two lines)
    n = 0
    for d in range(shape.days):
        for _ in range(_poisson(rng, per_day)):
            at = T0 + timedelta(days=d, seconds=rng.uniform(0, 86_400))
            customer_id, tier = rng.choices(customers[0], weights=customers[1])[0]
            picked = rng.choices(skus, weights=[base[s] for s in skus], k=2 if rng.random() < 0.3 else 1)
            lines = [(sku, rng.randint(1, 4)) for sku in dict.fromkeys(picked)]
            order_id = f"SO-{n:06d}"
            n += 1
            message = order_placed(
                _still(at, "o"),
                order_id,
                lines,
                tier=tier,
                max_wait_days=rng.choice([14, 21, 30]) if rng.random() < 0.3 else None,
                customer_id=customer_id,
            )
            message["message_id"] = sender.ident()
            channel = rng.choice(CHANNELS)  # drawn either way: a seed is one world on every engine
            if shape.order_v3:
                message = _as_v3(message, channel)
            sender.send(message, at)
            placed.append((order_id, at, [str(i + 1) for i in range(len(lines))]))
    return placed


def _as_v3(message: Msg, channel: str) -> Msg:
    """OrderPlaced version 3 (issue 17): the customer as one object with its group, and the channel."""
    v3 = {k: v for k, v in message.items() if k not in ("customer_id", "customer_tier", "contact")}
    v3["schema_version"] = 3
    v3["channel"] = channel
    v3["customer"] = {
        "customer_id": message["customer_id"],
        "tier": message["customer_tier"],
        "contact": message["contact"],
        "group": f"G-{int(message['customer_id'][3:]) % 12:02d}",
    }
    return v3


def _supply(rng: random.Random, shape: Shape, sku: str, rate: float, sender: _Sender) -> None:
    """Opening stock of a few days' demand, then a PO every lead time with 10-30% too few units.

    Over the horizon that is about (days - lead time / 2) / (1.1 to 1.3) days of demand: demand
    exceeds supply by 10-30% and more. A PO is placed `lead_days` ahead, due at a cycle's end; two in five are confirmed; one in three slips (a
    PurchaseOrderDelayed, 2-10 days) and arrives on its new date; a quarter arrive in two parts.
    """
    short = rng.uniform(1.1, 1.3)  # demand / supply over the horizon
    opening = max(1, round(rate * rng.uniform(2, 5) / short))
    sender.send(
        _receipt(sender, sku, opening, None, T0 - timedelta(hours=1)), T0 - timedelta(hours=1), skew=False
    )
    cycle = shape.lead_days
    k = 0
    for placed_day in range(0, shape.days, cycle):
        due = T0 + timedelta(days=placed_day + cycle, hours=10)
        units = max(1, round(rate * cycle / short))
        po = f"PO-{sku}-{k:02d}"
        k += 1
        placed_at = max(T0 - timedelta(hours=2), T0 + timedelta(days=placed_day, hours=9))
        message = purchase_order_placed(_still(placed_at, "p"), po, SUPPLIER, {sku: units}, due.date())
        message["message_id"] = sender.ident()
        sender.send(message, placed_at, skew=False)
        if rng.random() < 0.4:
            sender.send(
                _po("PurchaseOrderConfirmed", sender, po, expected_date=due.date().isoformat()),
                placed_at + timedelta(days=1),
            )
        if rng.random() < 0.33:
            slip = rng.randint(2, 10)
            due += timedelta(days=slip)
            sender.send(
                _po(
                    "PurchaseOrderDelayed",
                    sender,
                    po,
                    new_expected_date=due.date().isoformat(),
                    reason="carrier",
                ),
                due - timedelta(days=slip + 1),
            )
        if due >= T0 + timedelta(days=shape.days):
            continue
        parts = [units] if units < 2 or rng.random() < 0.75 else [units // 2, units - units // 2]
        for i, part in enumerate(parts):
            at = due + timedelta(days=2 * i)
            if at < T0 + timedelta(days=shape.days):
                sender.send(_receipt(sender, sku, part, po, at), at)


def _cancellations(
    rng: random.Random, orders: list[tuple[str, datetime, list[str]]], sender: _Sender
) -> None:
    """One order in twenty cancelled by its customer 1-10 days later (whole, or one line)."""
    for order_id, at, line_ids in orders:
        if rng.random() < 0.05:
            when = at + timedelta(days=rng.uniform(1, 10))
            cancel: Msg = {"type": "OrderCancelled", "message_id": sender.ident(), "order_id": order_id}
            if len(line_ids) > 1 and rng.random() < 0.5:
                cancel["line_ids"] = [rng.choice(line_ids)]
            sender.send(cancel, when, kind="OrderCancelled")


def _refusals(rng: random.Random, shape: Shape, skus: list[str], sender: _Sender, per_day: float) -> None:
    """`per_day` messages to be refused: absurd values, unknown SKUs and orders, the far future.

    A cancel or a shipment of an order nobody placed is parked first (it may be early) and
    refused once it has waited its time: the engine's answer to a message out of order.
    """
    for d in range(shape.days):
        for _ in range(_poisson(rng, per_day)):
            at = T0 + timedelta(days=d, seconds=rng.uniform(0, 86_400))
            kind = rng.randrange(5)
            sku = rng.choice(skus)
            msg: Msg
            if kind == 0:
                quantity = rng.choice([0, -2, "3", 18_446_744_073_709_551_615])
                msg = order_placed(_still(at, "x"), f"BAD-{sender.count}", [(sku, 1)])
                msg["lines"][0]["quantity"] = quantity
            elif kind == 1:
                msg = order_placed(_still(at, "x"), f"BAD-{sender.count}", [("NO-SUCH-SKU", 1)])
            elif kind == 2:
                msg = {"type": "OrderCancelled", "order_id": f"SO-NOBODY-{sender.count}"}
            elif kind == 3:
                msg = {"type": "StockReceived", "sku": sku, "quantity": 1_000_000_000_000}
            else:
                msg = {
                    "type": "OrderShipped",
                    "order_id": f"SO-NOBODY-{sender.count}",
                    "lines": [{"line_id": "1"}],
                }
            msg["message_id"] = sender.ident()
            sender.send(msg, at, kind="refused")
            if kind == 3 and rng.random() < 0.5:
                msg["occurred_at"] = "9999-12-31T23:59:59Z"


def _resend(rng: random.Random, stream: list[Msg], sender: _Sender) -> list[Msg]:
    """3% of messages sent again, a few to a few hundred messages later (the same dict: same bytes)."""
    out: list[Msg] = []
    pending: list[tuple[int, Msg]] = []
    for i, message in enumerate(stream):
        out.append(message)
        if rng.random() < 0.03:
            pending.append((i + rng.randint(1, 300), message))
        due = [m for at, m in pending if at <= i]
        pending = [(at, m) for at, m in pending if at > i]
        out.extend(due)
    out.extend(m for _, m in pending)
    sender.sent["re-sent"] = len(out) - len(stream)
    return out


def _receipt(sender: _Sender, sku: str, units: int, po: str | None, at: datetime) -> Msg:
    message: Msg = {"type": "StockReceived", "message_id": sender.ident(), "sku": sku, "quantity": units}
    if po is not None:
        message |= {"purchase_order_id": po, "supplier_id": SUPPLIER}
    return message


def _po(type_: str, sender: _Sender, po: str, **fields: Any) -> Msg:
    return {
        "type": type_,
        "message_id": sender.ident(),
        "purchase_order_id": po,
        "supplier_id": SUPPLIER,
        **fields,
    }


def _poisson(rng: random.Random, mean: float) -> int:
    """Events in a day at `mean` a day (Knuth's method, small means; normal approximation above 30)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _still(at: datetime, prefix: str) -> Clock:
    """bench.workload's builders take a Clock; this one stands still at `at` (ids are set after)."""
    return Clock(prefix=prefix, step=timedelta(0), now=at)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
