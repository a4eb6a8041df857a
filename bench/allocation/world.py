"""A seeded world of scarce supply: what upstream systems send over half a year, as plain dicts.

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
from datetime import datetime, timedelta
from typing import Any

from bench.allocation import noise
from bench.allocation.sending import T0, Msg, Sender, poisson, still
from bench.workload import order_placed, purchase_order_placed, supplier_registered

__all__ = ["T0", "Shape", "World", "as_v3", "build"]
TIERS = ("platinum", "gold", "standard")
SUPPLIER = "SUP-ALLOC"
CHANNELS = ("web", "web", "marketplace", "phone")


@dataclass(frozen=True)
class Shape:
    """What a world looks like; the defaults are the bench's, tests make tiny ones."""

    skus: int = 20
    # Half a year, not a quarter. A run ends with every reserve's units on the shelf: a one-off
    # of about a level per SKU, which a 90-day world charges to fill at twice the weight (a tier
    # reserve's whole fill gap there). A shop runs for years, and the early weeks promise from a
    # supplier history that is still short.
    days: int = 180
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


def build(seed: int, shape: Shape = Shape()) -> World:
    rng = random.Random(seed)
    skus = [f"SKU-{i:03d}" for i in range(shape.skus)]
    sender = Sender(rng, shape.noise)
    setup = [
        supplier_registered(
            still(T0 - timedelta(days=1), "setup"),
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
        noise.cancellations(rng, orders, sender)
        noise.refusals(rng, shape.days, skus, sender, 0.1 * len(orders) / shape.days)
    stream = sender.ordered()
    if shape.noise:
        stream = noise.resend(rng, stream, sender)
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
    sender: Sender,
) -> list[tuple[str, datetime, list[str]]]:
    """Orders placed through the horizon: 1-2 lines of 1-4 units (mean 2.5), max waits on a third."""
    placed: list[tuple[str, datetime, list[str]]] = []
    per_day = sum(base.values()) / 2.5 / 1.3  # orders a day (a third have two lines)
    n = 0
    for d in range(shape.days):
        for _ in range(poisson(rng, per_day)):
            at = T0 + timedelta(days=d, seconds=rng.uniform(0, 86_400))
            customer_id, tier = rng.choices(customers[0], weights=customers[1])[0]
            picked = rng.choices(skus, weights=[base[s] for s in skus], k=2 if rng.random() < 0.3 else 1)
            lines = [(sku, rng.randint(1, 4)) for sku in dict.fromkeys(picked)]
            order_id = f"SO-{n:06d}"
            n += 1
            message = order_placed(
                still(at, "o"),
                order_id,
                lines,
                tier=tier,
                max_wait_days=rng.choice([14, 21, 30]) if rng.random() < 0.3 else None,
                customer_id=customer_id,
            )
            message["message_id"] = sender.ident()
            channel = rng.choice(CHANNELS)  # drawn either way: a seed is one world on every engine
            if shape.order_v3:
                message = as_v3(message, channel)
            sender.send(message, at)
            placed.append((order_id, at, [str(i + 1) for i in range(len(lines))]))
    return placed


def as_v3(message: Msg, channel: str) -> Msg:
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


def _supply(rng: random.Random, shape: Shape, sku: str, rate: float, sender: Sender) -> None:
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
        message = purchase_order_placed(still(placed_at, "p"), po, SUPPLIER, {sku: units}, due.date())
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


def _receipt(sender: Sender, sku: str, units: int, po: str | None, at: datetime) -> Msg:
    message: Msg = {"type": "StockReceived", "message_id": sender.ident(), "sku": sku, "quantity": units}
    if po is not None:
        message |= {"purchase_order_id": po, "supplier_id": SUPPLIER}
    return message


def _po(type_: str, sender: Sender, po: str, **fields: Any) -> Msg:
    return {
        "type": type_,
        "message_id": sender.ident(),
        "purchase_order_id": po,
        "supplier_id": SUPPLIER,
        **fields,
    }
