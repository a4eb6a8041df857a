"""The purchasing desk and the suppliers it buys from.

Every evening purchasing acts on the engine's outstanding replenishment
suggestion for each SKU: it orders from the primary supplier, or from the
faster, dearer backup when customers are already waiting and nothing
inbound arrives soon. With planning on (`follow_engine`) it orders what the
engine suggests instead, from the suppliers the engine names, and follows the
worklist's split where a quantity would overflow the warehouse. Suppliers then
confirm, sometimes announce delays, and deliver on the day they really
arrive - some systematically late, some in two parts, some at most so many
units a week (the rest in weekly parts), none while disrupted
(simulation/variability.py).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.replenishment import order_quantity, order_within
from simulation.agenda import Agenda, Outbox
from simulation.world import SkuPlan, Terms, World, at

REVIEW_DAYS = 1  # the desk orders every evening (planning's review period: infra/cli/planning.py)

DISRUPTION_REASONS = (
    "production stopped: fire at the factory",
    "strike at the supplier's plant",
    "the supplier's warehouse is flooded",
    "export licence suspended",
)
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
    def __init__(
        self,
        world: World,
        engine: Any,
        outbox: Outbox,
        agenda: Agenda,
        rng: random.Random,
        follow_engine: bool = False,
    ) -> None:
        self.world = world
        self.engine = engine
        self.outbox = outbox
        self.agenda = agenda
        self.rng = rng
        self.follow_engine = follow_engine
        self.count = 0
        self.shipped: dict[tuple[str, str, date], int] = {}  # (supplier, SKU, week's Monday) -> units

    # ------------------------------------------------------------ purchasing
    def review(self, when: datetime):
        """Turn today's outstanding suggestions into purchase orders, one per supplier and lead time
        (SKUs a supplier ships in three days do not wait for those it ships in ten)."""
        day = when.date()
        lines: dict[tuple[str, int], dict[str, int]] = {}
        for plan in self.world.skus:
            stock = self.engine.get_stock(plan.sku)
            if self.follow_engine:
                wanted = self._as_suggested(plan, stock)
            else:
                wanted = self._own_choice(plan, stock, day) if stock.suggested > 0 else {}
            for supplier_id, quantity in wanted.items():
                lead = self._terms(supplier_id, plan.sku).lead_time_days
                lines.setdefault((supplier_id, lead), {})[plan.sku] = quantity
        if self.follow_engine and lines:
            self._within_warehouse(lines)
        for supplier_id, lead in sorted(lines):
            self.count += 1
            po = PurchaseOrder(
                po_id=f"PO-{self.count:05d}",
                supplier_id=supplier_id,
                placed=day,
                expected=day + timedelta(days=lead),
                open=dict(lines[supplier_id, lead]),
            )
            yield self.outbox.message(
                "PurchaseOrderPlaced",
                when,
                purchase_order_id=po.po_id,
                supplier_id=supplier_id,
                lines=[{"sku": sku, "quantity": qty} for sku, qty in po.open.items()],
                expected_date=po.expected.isoformat(),
            )
            self.supply(po)

    def _within_warehouse(self, lines: dict[tuple[str, int], dict[str, int]]) -> None:
        """Follow the worklist's split: of a quantity that would overflow the SKU's warehouse, order
        today only what fits when it arrives, in the supplier's packs (the engine keeps suggesting
        the rest, and the desk checks it again the next evening)."""
        from services.capacity import fitting_now

        wanted = [
            (sku, supplier, units) for (supplier, _), skus in lines.items() for sku, units in skus.items()
        ]
        for (sku, supplier_id), fits in fitting_now(self.engine, wanted).items():
            skus = next(s for (supplier, _), s in lines.items() if supplier == supplier_id and sku in s)
            units = order_within(fits, self.engine.get_stock(sku).sources[supplier_id])
            if units > 0:
                skus[sku] = units
            else:
                del skus[sku]
        for key in [key for key, skus in lines.items() if not skus]:
            del lines[key]

    def _own_choice(self, plan: SkuPlan, stock: Any, day: date) -> dict[str, int]:
        """The desk's habit without planning: a primary or backup supplier, and ten (five) days' cover."""
        terms = self._choose(plan, stock, day)
        cover = 10 if terms.priority == "primary" else 5
        step = plan.pack if terms.priority == "primary" else 1
        quantity = max(stock.suggested, math.ceil(plan.daily_units * cover), terms.minimum_order_quantity)
        return {terms.supplier_id: -(-quantity // step) * step}

    def _as_suggested(self, plan: SkuPlan, stock: Any) -> dict[str, int]:
        """What the engine suggests, per supplier: replenishment (`Stock.suggested_from`) and
        failover to the backup (`Stock.failover_from`), rounded up to the supplier's pack and minimum."""
        by_supplier = dict(stock.suggested_from)
        for supplier_id, units in stock.failover_from.items():
            by_supplier[supplier_id] = by_supplier.get(supplier_id, 0) + units
        return {
            supplier_id: order_quantity(units, stock.sources[supplier_id])  # its pack is its order multiple
            for supplier_id, units in sorted(by_supplier.items())
            if units > 0
        }

    def _terms(self, supplier_id: str, sku: str) -> Terms:
        plan = self.world.sku(sku)
        return plan.primary if plan.primary.supplier_id == supplier_id else plan.backup

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
    def supply(self, po: PurchaseOrder) -> None:
        """Decide now, from the supplier's habits, what it will do with the order."""
        rng = self.rng
        profile = self.world.supplier(po.supplier_id).profile
        confirm_day = po.placed + timedelta(days=1)
        shift = {"punctual": (0,), "sloppy": (0, 0, 1, 2), "late": (0, 1)}[profile]
        confirmed = self._confirmed_date(po, po.expected + timedelta(days=rng.choice(shift)))
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
        arrival = self._after_disruptions(po, confirm_day, arrival)
        self.agenda.schedule(at(arrival, 5, rng.randrange(60)), self._arrive, po, sorted(po.open))

    def _confirmed_date(self, po: PurchaseOrder, confirmed: date) -> date:
        """A supplier disrupted when the order comes confirms it for after the disruption."""
        disruption = self.world.variability.disruption(po.supplier_id, po.placed)
        if disruption is None:
            return confirmed
        return max(confirmed, disruption.end + timedelta(days=self.rng.randint(0, 2)))

    def _after_disruptions(self, po: PurchaseOrder, confirm_day: date, arrival: date) -> date:
        """An arrival that falls in a disruption comes after it; the supplier says so when it begins."""
        rng = self.rng
        while (disruption := self.world.variability.disruption(po.supplier_id, arrival)) is not None:
            arrival = disruption.end + timedelta(days=rng.randint(0, 2))
            notice = max(disruption.start + timedelta(days=rng.randint(0, 2)), confirm_day)
            reason = rng.choice(DISRUPTION_REASONS)
            self.agenda.schedule(at(notice, 7, rng.randrange(60)), self._delay, po, arrival, reason)
        return arrival

    def _confirm(self, when: datetime, po: PurchaseOrder, expected: date):
        po.expected = expected
        yield self.outbox.message(
            "PurchaseOrderConfirmed",
            when,
            purchase_order_id=po.po_id,
            supplier_id=po.supplier_id,
            expected_date=expected.isoformat(),
        )

    def _delay(self, when: datetime, po: PurchaseOrder, new_date: date, reason: str | None = None):
        if not any(po.open.values()) or new_date <= po.expected or new_date < when.date():
            return  # delivered, no later than told, or a date already past (a halfway notice sent late)
        po.expected = new_date
        yield self.outbox.message(
            "PurchaseOrderDelayed",
            when,
            purchase_order_id=po.po_id,
            supplier_id=po.supplier_id,
            new_expected_date=new_date.isoformat(),
            reason=reason or self.rng.choice(DELAY_REASONS),
        )

    def _arrive(self, when: datetime, po: PurchaseOrder, skus: list[str]):
        day = when.date()
        resumes = self.world.variability.resumes(po.supplier_id, day)
        if resumes != day:  # a later part, due while the supplier is disrupted
            self.agenda.schedule(at(resumes, 5, self.rng.randrange(60)), self._arrive, po, skus)
            yield from self._delay(when, po, resumes, "the supplier is not delivering")
            return
        next_part: date | None = None
        for sku in skus:
            quantity = po.open.get(sku, 0)
            if not quantity:
                continue
            capacity = self.world.variability.capacity(po.supplier_id, sku)
            if capacity is not None:
                quantity = self._within_capacity(po, sku, day, quantity, capacity)
                if quantity < po.open[sku]:
                    next_part = day + timedelta(days=7)
                    self.agenda.schedule(at(next_part, 5, self.rng.randrange(60)), self._arrive, po, [sku])
                if not quantity:
                    continue
            elif quantity >= 4 and self.rng.random() < 0.15:
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
        if next_part is not None:
            yield from self._delay(when, po, next_part, "supplier capacity: the rest comes next week")

    def _within_capacity(self, po: PurchaseOrder, sku: str, day: date, quantity: int, capacity: int) -> int:
        """What the supplier can still ship of `sku` this week (Monday to Sunday), counted as shipped."""
        week = (po.supplier_id, sku, day - timedelta(days=day.weekday()))
        shipped = min(quantity, max(0, capacity - self.shipped.get(week, 0)))
        self.shipped[week] = self.shipped.get(week, 0) + shipped
        return shipped
