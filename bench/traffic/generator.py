"""Realistic upstream traffic, seeded: what order systems, warehouses and purchasing really send.

Not the well-formed, in-order, mostly-successful stream the other benches
use: queues grow long (a few hundred waiting lines per SKU) while purchase
orders are confirmed, delayed, cancelled and received in parts; timestamps
run late and early; about one message in eight is refused (not JSON, a bad
field, an unknown SKU, a cancel of an order nobody placed, a shipment of
what is not allocated, a PO for a supplier nobody registered); and a few
percent are sent again, byte for byte, some many messages later.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
Msg = dict[str, Any]


@dataclass
class Traffic:
    """A stream's lines (JSON bytes, as sent) and what went into it."""

    lines: list[bytes] = field(default_factory=list)
    resent: int = 0
    nasty: int = 0  # sent to be refused (not counting re-sends)


@dataclass
class _Shop:
    rng: random.Random
    skus: list[str]
    now: datetime = T0
    count: int = 0
    orders: list[tuple[str, str]] = field(default_factory=list)  # (order id, sku)
    open_pos: list[tuple[str, str, str, int]] = field(default_factory=list)  # (po, supplier, sku, qty)
    # Per SKU: orders with the units ordered up to them, and the units received: roughly who holds stock.
    ordered: dict[str, deque[tuple[str, int]]] = field(default_factory=lambda: defaultdict(deque))
    demand: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    supplied: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def message(self, type_: str, skew_hours: float = 0.0, **fields: Any) -> Msg:
        self.count += 1
        self.now += timedelta(seconds=self.rng.uniform(5, 40))
        at = self.now + timedelta(hours=skew_hours)
        return {"message_id": f"t-{self.count:07d}", "type": type_, "occurred_at": _iso(at), **fields}


def realistic(
    messages: int,
    skus: int = 20,
    seed: int = 7,
    waiting_per_sku: int = 200,
    absurd: bool = True,
    order_up_to: int | None = None,
    sku_fields: Msg | None = None,
) -> Traffic:
    """About `messages` lines over `skus` SKUs, whose queues grow to `waiting_per_sku` lines.

    `absurd=False` leaves out the values that stopped older versions for good (a year 9999, 2**64 - 1 units),
    so that they can be measured on the same stream. `order_up_to`: the SKUs are configured with that
    level (SkuConfigured version 3), so they buy ahead (replenish-v2); None: version 1, as always.
    `sku_fields`: more SkuConfigured fields for every SKU (an allocation policy and its rules, with
    the schema version that carries them), for comparing policies on the same stream.
    """
    rng = random.Random(seed)
    shop = _Shop(rng, [f"SKU-{i:03d}" for i in range(skus)])
    traffic = Traffic()
    sent: list[bytes] = []

    def send(message: Msg | bytes, nasty: bool = False) -> None:
        raw = message if isinstance(message, bytes) else orjson.dumps(message)
        traffic.lines.append(raw)
        sent.append(raw)
        traffic.nasty += nasty

    for message in _setup(shop, order_up_to, sku_fields or {}):
        send(message)
    # Queues are grown first; then units arrive at about the rate they are ordered (1.6 a message,
    # in parts of 10-30 units of purchase orders of 300-1,200 that cover the queues), so queues
    # stay near that depth while their purchase orders are confirmed, delayed and cancelled.
    backlog = waiting_per_sku * skus
    while len(traffic.lines) < messages:
        roll = rng.random()
        if roll < 0.03 and sent:
            traffic.lines.append(rng.choice(sent[-2000:]))  # a re-send, byte for byte
            traffic.resent += 1
        elif roll < 0.16:
            send(_nasty(shop, absurd), nasty=True)
        elif roll < 0.55 or backlog > 0:
            backlog -= 1
            send(_order(shop))
        elif roll < 0.60:
            send(_cancel(shop))
        elif roll < 0.61:
            send(_po_placed(shop))
        elif roll < 0.81 and shop.open_pos:
            send(_po_churn(shop))
        elif roll < 0.89 and shop.open_pos:
            send(_receipt(shop))
        else:
            send(_shipment(shop))
    return traffic


def _setup(shop: _Shop, order_up_to: int | None, sku_fields: Msg) -> list[Msg]:
    messages = []
    level: Msg = (
        {} if order_up_to is None else {"schema_version": 3, "reason": "bench", "order_up_to": order_up_to}
    )
    level = level | sku_fields
    for index, sku in enumerate(shop.skus):
        messages.append(shop.message("SkuConfigured", sku=sku, reorder_point=5, safety_stock=2, **level))
        supplier = f"SUP-{index % 4}"
        terms = [
            {"sku": s, "lead_time_days": 7 + i % 9, "unit_cost": "2.40"} for i, s in enumerate(shop.skus)
        ]
        if index < 4:
            messages.append(
                shop.message("SupplierRegistered", supplier_id=supplier, name=supplier, terms=terms)
            )
        units = shop.rng.randint(1, 5)
        shop.supplied[sku] += units
        messages.append(shop.message("StockReceived", sku=sku, quantity=units))
    return messages


def _skew(shop: _Shop) -> float:
    """Hours a message's clock is off: most a little late, some a day late, a few early."""
    roll = shop.rng.random()
    if roll < 0.08:
        return -shop.rng.uniform(1, 48)
    if roll < 0.11:
        return shop.rng.uniform(0.1, 6)
    return -shop.rng.uniform(0, 0.05)


def _order(shop: _Shop, kept: bool = True) -> Msg:
    order_id = f"SO-{shop.count:07d}"
    sku = shop.rng.choice(shop.skus)
    quantity = shop.rng.randint(1, 5)
    if kept:  # not for an order sent to be refused
        shop.orders.append((order_id, sku))
        shop.demand[sku] += quantity
        shop.ordered[sku].append((order_id, shop.demand[sku]))
    skew = _skew(shop)
    message = shop.message(
        "OrderPlaced",
        skew,
        order_id=order_id,
        customer_id=_customer(shop.rng.randint(1, 5000)),
        customer_tier=shop.rng.choices(["standard", "gold", "platinum"], [85, 12, 3])[0],
        placed_at=_iso(shop.now + timedelta(hours=skew)),
        lines=[{"line_id": "1", "sku": sku, "quantity": quantity}],
        contact={"email": f"c{shop.count}@example.com"},
        max_wait_days=shop.rng.choice([None, None, 30, 60]),
    )
    return message


def _customer(n: int) -> str:
    """One order in ten comes from 10 frequent buyers (who meet per-customer quotas), the rest from
    thousands who order once or twice; mapped from one draw, so the stream is otherwise unchanged."""
    return f"C-F{n % 10:02d}" if n <= 500 else f"C-{n}"


def _cancel(shop: _Shop) -> Msg:
    order_id, _ = shop.orders.pop(shop.rng.randrange(len(shop.orders))) if shop.orders else ("SO-X", "")
    return shop.message("OrderCancelled", _skew(shop), order_id=order_id, reason="changed my mind")


def _po_placed(shop: _Shop) -> Msg:
    sku = shop.rng.choice(shop.skus)
    po = f"PO-{shop.count:07d}"
    supplier = f"SUP-{shop.rng.randrange(4)}"
    quantity = shop.rng.randint(300, 1200)
    shop.open_pos.append((po, supplier, sku, quantity))
    expected = (shop.now + timedelta(days=shop.rng.randint(5, 30))).date().isoformat()
    return shop.message(
        "PurchaseOrderPlaced",
        purchase_order_id=po,
        supplier_id=supplier,
        lines=[{"sku": sku, "quantity": quantity}],
        expected_date=expected,
    )


def _po_churn(shop: _Shop) -> Msg:
    po, supplier, _, _ = shop.rng.choice(shop.open_pos)
    roll = shop.rng.random()
    later = (shop.now + timedelta(days=shop.rng.randint(3, 40))).date().isoformat()
    if roll < 0.4:
        return shop.message(
            "PurchaseOrderConfirmed", purchase_order_id=po, supplier_id=supplier, expected_date=later
        )
    if roll < 0.85:
        return shop.message(
            "PurchaseOrderDelayed",
            purchase_order_id=po,
            supplier_id=supplier,
            new_expected_date=later,
            reason="carrier delay",
        )
    shop.open_pos = [p for p in shop.open_pos if p[0] != po]
    return shop.message(
        "PurchaseOrderCancelled", purchase_order_id=po, supplier_id=supplier, reason="supplier out"
    )


def _receipt(shop: _Shop) -> Msg:
    """Part of the oldest open purchase order arrives (a pallet, not the whole order)."""
    po, supplier, sku, quantity = shop.open_pos[0]
    part = min(quantity, shop.rng.randint(10, 30))
    shop.supplied[sku] += part
    if part == quantity:
        shop.open_pos.pop(0)
    else:
        shop.open_pos[0] = (po, supplier, sku, quantity - part)
    return shop.message(
        "StockReceived", _skew(shop), sku=sku, quantity=part, purchase_order_id=po, supplier_id=supplier
    )


def _shipment(shop: _Shop) -> Msg:
    """The warehouse ships an order stock has reached: the oldest whose units were received, with a
    margin for the gold and platinum orders served before it; now and then one that still waits."""
    sku = shop.rng.choice(shop.skus)
    waiting = shop.ordered[sku]
    if waiting and waiting[0][1] + 30 <= shop.supplied[sku]:
        order_id = waiting.popleft()[0]
    elif shop.orders and shop.rng.random() < 0.1:
        order_id = shop.rng.choice(shop.orders)[0]  # refused, as it should be
    else:
        return _order(shop)
    return shop.message("OrderShipped", _skew(shop), order_id=order_id, lines=[{"line_id": "1"}])


def _nasty(shop: _Shop, absurd: bool) -> Msg | bytes:
    kind = shop.rng.randrange(7)
    if kind == 5 and not absurd:
        kind = 3
    if kind == 0:
        return b'{"message_id": "broken-' + str(shop.count).encode() + b'", "type": "OrderPlaced",'
    if kind == 1:
        bad = _order(shop, kept=False)
        bad["lines"][0]["quantity"] = shop.rng.choice(
            [0, -3, "5", True, 18446744073709551615 if absurd else -1]
        )
        return bad
    if kind == 2:
        bad = _order(shop, kept=False)
        bad["lines"][0]["sku"] = "NO-SUCH-SKU"
        return bad
    if kind == 3:
        return shop.message("OrderCancelled", order_id=f"SO-UNKNOWN-{shop.count}")
    if kind == 4:
        order_id, _ = shop.rng.choice(shop.orders) if shop.orders else ("SO-X", "")
        return shop.message("OrderShipped", order_id=order_id, lines=[{"line_id": "1", "quantity": 999}])
    if kind == 5:
        far = shop.message("StockReceived", sku=shop.rng.choice(shop.skus), quantity=1)
        return far | {"occurred_at": "9999-12-31T23:59:59Z"}
    return shop.message(
        "PurchaseOrderPlaced",
        purchase_order_id=f"PO-BAD-{shop.count}",
        supplier_id="SUP-NOBODY",
        lines=[{"sku": shop.rng.choice(shop.skus), "quantity": 5}],
        expected_date=(shop.now + timedelta(days=9)).date().isoformat(),
    )


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
