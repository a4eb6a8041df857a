"""Deterministic upstream messages for the benchmarks, as plain dicts.

Every message is what an upstream system would send (the `OrderPlaced`
contract etc.), so the engine does its full work on each: parsing,
validation, the inbox check, allocation, ETA promises and the atomic save.
All clocks come from a `Clock` that only moves forward, so lines placed
later always queue behind the ones placed earlier (the realistic case).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

Msg = dict[str, Any]


@dataclass
class Clock:
    """Message ids and timestamps: unique, increasing, reproducible."""

    prefix: str = "m"
    step: timedelta = timedelta(milliseconds=20)
    now: datetime = T0
    count: int = 0

    def tick(self) -> tuple[str, str]:
        self.count += 1
        self.now += self.step
        return f"{self.prefix}-{self.count:08d}", self.now.isoformat()

    @property
    def today(self) -> date:
        return self.now.date()


def sku_name(i: int) -> str:
    return f"SKU-{i:05d}"


def supplier_registered(clock: Clock, supplier_id: str, terms: list[dict[str, Any]]) -> Msg:
    mid, at = clock.tick()
    return {
        "type": "SupplierRegistered",
        "message_id": mid,
        "occurred_at": at,
        "supplier_id": supplier_id,
        "name": f"Supplier {supplier_id}",
        "terms": terms,
    }


def sku_configured(clock: Clock, sku: str, reorder_point: int, safety_stock: int) -> Msg:
    mid, at = clock.tick()
    return {
        "type": "SkuConfigured",
        "message_id": mid,
        "occurred_at": at,
        "sku": sku,
        "reorder_point": reorder_point,
        "safety_stock": safety_stock,
    }


def stock_received(clock: Clock, sku: str, quantity: int) -> Msg:
    mid, at = clock.tick()
    return {"type": "StockReceived", "message_id": mid, "occurred_at": at, "sku": sku, "quantity": quantity}


def purchase_order_placed(
    clock: Clock, po_id: str, supplier_id: str, lines: dict[str, int], expected: date
) -> Msg:
    mid, at = clock.tick()
    return {
        "type": "PurchaseOrderPlaced",
        "message_id": mid,
        "occurred_at": at,
        "purchase_order_id": po_id,
        "supplier_id": supplier_id,
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines.items()],
        "expected_date": expected.isoformat(),
    }


def purchase_order_confirmed(clock: Clock, po_id: str, supplier_id: str, expected: date) -> Msg:
    mid, at = clock.tick()
    return {
        "type": "PurchaseOrderConfirmed",
        "message_id": mid,
        "occurred_at": at,
        "purchase_order_id": po_id,
        "supplier_id": supplier_id,
        "expected_date": expected.isoformat(),
    }


def substitutes_declared(clock: Clock, sku: str, substitutes: list[str]) -> Msg:
    mid, at = clock.tick()
    return {
        "type": "SubstitutesDeclared",
        "message_id": mid,
        "occurred_at": at,
        "sku": sku,
        "substitutes": substitutes,
    }


def order_placed(
    clock: Clock,
    order_id: str,
    lines: list[tuple[str, int]],
    tier: str = "standard",
    max_wait_days: int | None = None,
    accept_substitutes: bool = False,
    customer_id: str | None = None,
) -> Msg:
    mid, at = clock.tick()
    message: Msg = {
        "type": "OrderPlaced",
        "message_id": mid,
        "occurred_at": at,
        "order_id": order_id,
        "customer_id": customer_id or f"C-{order_id}",
        "customer_tier": tier,
        "placed_at": at,
        "lines": [{"line_id": str(i + 1), "sku": sku, "quantity": qty} for i, (sku, qty) in enumerate(lines)],
        "accept_substitutes": accept_substitutes,
        "contact": {"email": f"{order_id.lower()}@example.com"},
    }
    if max_wait_days is not None:
        message["max_wait_days"] = max_wait_days
    return message


# --------------------------------------------------------------------------
# Scenario 1: a realistic mixed catalogue and order stream.


@dataclass
class MixedCatalogue:
    """A few hundred SKUs, suppliers for all, stock for some, a PO or two per SKU."""

    skus: int = 300
    suppliers: int = 10
    seed: int = 7
    setup: list[Msg] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    # None: half the SKUs configured (version 1), as the headline always was. "off" / "on": every SKU
    # configured with the same reorder point and safety stock, "on" with an order-up-to level too
    # (SkuConfigured version 3: replenish-v2 buys ahead) - the replenishment A/B of bench.engine part 4.
    replenish: str | None = None

    def build(self, clock: Clock) -> list[Msg]:
        rnd = random.Random(self.seed)
        skus = [sku_name(i) for i in range(self.skus)]
        per = -(-self.skus // self.suppliers)
        owners: dict[str, str] = {}
        msgs: list[Msg] = []
        for s in range(self.suppliers):
            supplier_id = f"SUP-{s:02d}"
            mine = skus[s * per : (s + 1) * per]
            terms = []
            for sku in mine:
                owners[sku] = supplier_id
                terms.append(
                    {
                        "sku": sku,
                        "lead_time_days": rnd.choice([7, 10, 14, 21, 28]),
                        "unit_cost": f"{rnd.uniform(1, 90):.2f}",
                        "minimum_order_quantity": rnd.choice([1, 10, 24, 50]),
                    }
                )
            # a backup supplier for a third of the next supplier's SKUs
            nxt = skus[((s + 1) % self.suppliers) * per : ((s + 1) % self.suppliers) * per + per // 3]
            for sku in nxt:
                terms.append(
                    {
                        "sku": sku,
                        "lead_time_days": rnd.choice([21, 35]),
                        "unit_cost": f"{rnd.uniform(1, 90):.2f}",
                        "priority": "backup",
                    }
                )
            msgs.append(supplier_registered(clock, supplier_id, terms))
        for sku in skus:
            configured = rnd.random() < 0.5
            reorder_point, safety_stock = rnd.randint(2, 10), rnd.randint(0, 5)
            if configured or self.replenish is not None:
                msg = sku_configured(clock, sku, reorder_point, safety_stock)
                if self.replenish == "on":
                    msg.update(
                        schema_version=3, reason="bench", order_up_to=reorder_point + rnd.randint(20, 60)
                    )
                msgs.append(msg)
        # stock on hand for about 60% of SKUs
        for sku in skus:
            if rnd.random() < 0.6:
                msgs.append(stock_received(clock, sku, rnd.randint(5, 60)))
        # one or two purchase orders per SKU, a few lines each
        po = 0
        for s in range(self.suppliers):
            supplier_id = f"SUP-{s:02d}"
            mine = [sku for sku in skus if owners[sku] == supplier_id]
            for wave, days in ((0, 10), (1, 24)):
                chosen = mine if wave == 0 else [sku for sku in mine if rnd.random() < 0.5]
                for chunk in range(0, len(chosen), 6):
                    po += 1
                    po_id = f"PO-{po:05d}"
                    lines = {sku: rnd.randint(5, 40) for sku in chosen[chunk : chunk + 6]}
                    expected = clock.today + timedelta(days=days + rnd.randint(-3, 3))
                    msgs.append(purchase_order_placed(clock, po_id, supplier_id, lines, expected))
                    if rnd.random() < 0.4:
                        confirmed = expected + timedelta(days=rnd.randint(0, 4))
                        msgs.append(purchase_order_confirmed(clock, po_id, supplier_id, confirmed))
        # substitutes for a tenth of the catalogue
        for i, sku in enumerate(skus):
            if i % 10 == 3:
                msgs.append(
                    substitutes_declared(clock, sku, [skus[(i + 1) % len(skus)], skus[(i + 2) % len(skus)]])
                )
        # skewed popularity: a few SKUs are hot
        self.weights = [1.0 / (1 + i) ** 0.8 for i in range(self.skus)]
        rnd.shuffle(self.weights)
        self.setup = msgs
        return msgs

    def orders(self, clock: Clock, count: int, lines_per_order: int = 2, prefix: str = "O") -> Iterator[Msg]:
        rnd = random.Random(self.seed + 1)
        skus = [sku_name(i) for i in range(self.skus)]
        for n in range(count):
            picked: list[str] = []
            while len(picked) < lines_per_order:
                sku = rnd.choices(skus, self.weights)[0]
                if sku not in picked:
                    picked.append(sku)
            r = rnd.random()
            tier = "platinum" if r < 0.05 else "gold" if r < 0.2 else "standard"
            yield order_placed(
                clock,
                f"{prefix}-{n:07d}",
                [(sku, rnd.choice([1, 1, 1, 2, 2, 3, 5])) for sku in picked],
                tier=tier,
                max_wait_days=rnd.choice([10, 14, 21, 30]) if rnd.random() < 0.3 else None,
                accept_substitutes=rnd.random() < 0.2,
            )


# --------------------------------------------------------------------------
# Scenario 3: deep queues. SKUs with a supplier (so every waiting line gets
# an ETA) but no stock and no purchase orders: every line backorders.


def deep_catalogue(clock: Clock, skus: int, lead_time_days: int = 14) -> list[Msg]:
    terms = [{"sku": sku_name(i), "lead_time_days": lead_time_days, "unit_cost": "9.50"} for i in range(skus)]
    return [supplier_registered(clock, "SUP-DEEP", terms)]


def backorder_orders(
    clock: Clock, skus: int, lines: int, lines_per_order: int, prefix: str, start_sku: int = 0
) -> Iterator[Msg]:
    """`lines` single-unit lines spread round-robin over the SKUs, standard tier."""
    cursor = start_sku
    made = 0
    n = 0
    while made < lines:
        k = min(lines_per_order, lines - made, skus)
        picked = [(sku_name((cursor + j) % skus), 1) for j in range(k)]
        cursor = (cursor + k) % skus
        made += k
        yield order_placed(clock, f"{prefix}-{n:07d}", picked)
        n += 1
