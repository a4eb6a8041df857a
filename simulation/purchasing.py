"""The purchasing desk and the suppliers it buys from.

Every evening purchasing acts on the engine's outstanding replenishment
suggestion for each SKU: it orders from the primary supplier, or from the
faster, dearer backup when customers are already waiting and nothing
inbound arrives soon. Suppliers then confirm, sometimes announce delays,
and deliver on the day they really arrive - some systematically late,
some in two parts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from simulation.agenda import Agenda, Outbox
from simulation.world import SkuPlan, Terms, World, at

DELAY_REASONS = (
    "port congestion",
    "raw material shortage",
    "production backlog",
    "customs inspection",
    "carrier missed the pickup",
    "factory closed for a public holiday",
)


@dataclass
class PurchaseOrder:
    po_id: str
    supplier_id: str
    placed: date
    expected: date  # the date the engine was last told
    open: dict[str, int] = field(default_factory=dict)  # not yet delivered, by SKU


class Purchasing:
    def __init__(self, world: World, engine: Any, outbox: Outbox, agenda: Agenda, rng: random.Random) -> None:
        self.world = world
        self.engine = engine
        self.outbox = outbox
        self.agenda = agenda
        self.rng = rng
        self.count = 0

    # ------------------------------------------------------------ purchasing
    def review(self, when: datetime):
        """Turn today's outstanding suggestions into purchase orders, one per supplier."""
        day = when.date()
        lines: dict[str, dict[str, int]] = {}
        leads: dict[str, int] = {}
        for plan in self.world.skus:
            stock = self.engine.get_stock(plan.sku)
            if stock.suggested <= 0:
                continue
            terms = self._choose(plan, stock, day)
            cover = 10 if terms.priority == "primary" else 5
            step = plan.pack if terms.priority == "primary" else 1
            quantity = max(stock.suggested, math.ceil(plan.daily_units * cover), terms.minimum_order_quantity)
            quantity = -(-quantity // step) * step
            lines.setdefault(terms.supplier_id, {})[plan.sku] = quantity
            leads[terms.supplier_id] = max(leads.get(terms.supplier_id, 0), terms.lead_time_days)
        for supplier_id in sorted(lines):
            self.count += 1
            po = PurchaseOrder(
                po_id=f"PO-{self.count:05d}",
                supplier_id=supplier_id,
                placed=day,
                expected=day + timedelta(days=leads[supplier_id]),
                open=dict(lines[supplier_id]),
            )
            yield self.outbox.message(
                "PurchaseOrderPlaced",
                when,
                purchase_order_id=po.po_id,
                supplier_id=supplier_id,
                lines=[{"sku": sku, "quantity": qty} for sku, qty in po.open.items()],
                expected_date=po.expected.isoformat(),
            )
            self._plan_supplier(po)

    def _choose(self, plan: SkuPlan, stock: Any, day: date) -> Terms:
        backup = plan.backup
        soonest = min((line.arrival for line in stock.inbound.values()), default=None)
        urgent = stock.waiting > 0 and (
            soonest is None or soonest > day + timedelta(days=backup.lead_time_days + 1)
        )
        if urgent and self.rng.random() < 0.7:
            return backup
        return backup if self.rng.random() < 0.05 else plan.primary

    # ------------------------------------------------------------- suppliers
    def _plan_supplier(self, po: PurchaseOrder) -> None:
        """Decide now, from the supplier's habits, what it will do with the order."""
        rng = self.rng
        profile = self.world.supplier(po.supplier_id).profile
        confirm_day = po.placed + timedelta(days=1)
        shift = {"punctual": (0,), "sloppy": (0, 0, 1, 2), "late": (0, 1)}[profile]
        confirmed = po.expected + timedelta(days=rng.choice(shift))
        if profile == "punctual":
            lateness = rng.choice((-1, 0, 0, 0, 0, 0, 1))
        elif profile == "sloppy":
            lateness = rng.choice((0, 0, 1, 1, 2, 3, 4))
        else:
            lateness = rng.randint(3, 7)
        arrival = max(confirmed + timedelta(days=lateness), confirm_day + timedelta(days=1))
        self.agenda.schedule(at(confirm_day, 6, rng.randrange(60)), self._confirm, po, confirmed)
        delay = (arrival - confirmed).days
        if delay > 0 and rng.random() < 0.65:
            notice = arrival - timedelta(days=rng.randint(1, 3))
            if notice > confirm_day:
                first = notice - timedelta(days=2)
                if delay >= 4 and first > confirm_day and rng.random() < 0.5:
                    halfway = confirmed + timedelta(days=delay // 2)
                    self.agenda.schedule(at(first, 7, rng.randrange(60)), self._delay, po, halfway)
                self.agenda.schedule(at(notice, 7, rng.randrange(60)), self._delay, po, arrival)
        self.agenda.schedule(at(arrival, 5, rng.randrange(60)), self._arrive, po, sorted(po.open))

    def _confirm(self, when: datetime, po: PurchaseOrder, expected: date):
        po.expected = expected
        yield self.outbox.message(
            "PurchaseOrderConfirmed",
            when,
            purchase_order_id=po.po_id,
            supplier_id=po.supplier_id,
            expected_date=expected.isoformat(),
        )

    def _delay(self, when: datetime, po: PurchaseOrder, new_date: date):
        if not any(po.open.values()) or new_date <= po.expected:
            return
        po.expected = new_date
        yield self.outbox.message(
            "PurchaseOrderDelayed",
            when,
            purchase_order_id=po.po_id,
            supplier_id=po.supplier_id,
            new_expected_date=new_date.isoformat(),
            reason=self.rng.choice(DELAY_REASONS),
        )

    def _arrive(self, when: datetime, po: PurchaseOrder, skus: list[str]):
        day = when.date()
        for sku in skus:
            quantity = po.open.get(sku, 0)
            if not quantity:
                continue
            if quantity >= 4 and self.rng.random() < 0.15:
                quantity = max(1, round(quantity * self.rng.uniform(0.4, 0.8)))
                later = day + timedelta(days=self.rng.randint(2, 4))
                self.agenda.schedule(at(later, 5, self.rng.randrange(60)), self._arrive, po, [sku])
            po.open[sku] -= quantity
            yield self.outbox.message(
                "StockReceived",
                when,
                sku=sku,
                quantity=quantity,
                purchase_order_id=po.po_id,
                supplier_id=po.supplier_id,
            )
