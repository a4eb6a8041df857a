"""Supplier: terms per SKU, purchase orders, and how late deliveries really are.

Observed lateness (promised vs actual arrival of each delivered PO) feeds the
ETA promise, so a supplier that is always a week late makes Antrian promise
a week later rather than disappoint customers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import Aggregate, Value
from domain.errors import (
    DuplicatePurchaseOrder,
    PurchaseOrderClosed,
    SkuNotSupplied,
    UnknownPurchaseOrder,
)
from domain.eta import observed_lateness
from domain.lateness import DelayHistory
from domain.values import PurchaseOrderStatus, Source, SupplierPriority


class Terms(Value):
    sku: str
    lead_time_days: int
    unit_cost: Decimal
    priority: SupplierPriority
    minimum_order_quantity: int = 1
    order_multiple: int = 1  # SupplierRegistered version 2; 1 in terms stored before it
    capacity_per_week: int | None = None  # ... units of this SKU a week at most; None: not limited
    failover_after_days: int | None = None  # ... days late before its lines go to the backup (eta-v3)


class PoLine(Value):
    sku: str
    ordered: int
    received: int = 0

    @property
    def open(self) -> int:
        return max(0, self.ordered - self.received)


class PurchaseOrder(Value):
    po_id: str
    lines: dict[str, PoLine]
    placed_at: datetime
    promised: date  # the date first confirmed (or placed with): lateness is measured against it
    expected: date  # the current expectation, moved by delays
    status: PurchaseOrderStatus
    delay_observed: bool = False
    last_received_on: date | None = None  # None too for POs received before it was kept
    placed_expected: date | None = None  # the date it was placed with (None: placed before it was kept)

    @property
    def is_open(self) -> bool:
        return self.status not in (PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CANCELLED)


class Supplier(Aggregate):
    class Event(Aggregate.Event):
        """Declared so the events below can name it (topic `domain.supplier:Supplier.Event`, as before)."""

    @staticmethod
    def create_id(supplier_id: str) -> UUID:
        return supplier_uuid(supplier_id)

    class Registered(Aggregate.Created, Event):
        supplier_id: str
        name: str
        terms: list[Terms]

    @event(Registered)
    def __init__(self, supplier_id: str, name: str, terms: list[Terms]) -> None:
        self.supplier_id = supplier_id
        self.name = name
        self.terms: dict[str, Terms] = {t.sku: t for t in terms}
        self.purchase_orders: dict[str, PurchaseOrder] = {}
        self.delays: list[int] = []  # days each delivered PO came after its promised date
        self.purchase_delays: list[int] = []  # ... after the date it was placed with

    @property
    def lateness_days(self) -> int:
        return observed_lateness(self.delays)

    @property
    def history(self) -> DelayHistory:
        """How late its deliveries came against the date promised (eta-v2's supply lateness)."""
        return DelayHistory.of(self.delays)

    @property
    def purchase_history(self) -> DelayHistory:
        """... against the date its orders were placed with: lead-time variability (eta-v2's purchases)."""
        return DelayHistory.of(self.purchase_delays)

    @property
    def promise_basis(self) -> tuple[int, int]:
        """What the SKUs it serves promise from changes when this does: lateness and deliveries seen."""
        return self.lateness_days, len(self.delays) + len(self.purchase_delays)

    def source_for(self, sku: str) -> Source:
        terms = self.terms[sku]
        return Source(
            supplier_id=self.supplier_id,
            lead_time_days=terms.lead_time_days,
            priority=terms.priority,
            minimum_order_quantity=terms.minimum_order_quantity,
            order_multiple=terms.order_multiple,
            capacity_per_week=terms.capacity_per_week,
            failover_after_days=terms.failover_after_days,
            lateness_days=self.lateness_days,
            purchase_history=self.purchase_history,
        )

    def purchase_order(self, po_id: str) -> PurchaseOrder:
        try:
            return self.purchase_orders[po_id]
        except KeyError:
            raise UnknownPurchaseOrder(
                f"supplier {self.supplier_id} has no purchase order {po_id!r}", po_id
            ) from None

    def open_purchase_order(self, po_id: str) -> PurchaseOrder:
        po = self.purchase_order(po_id)
        if not po.is_open:
            raise PurchaseOrderClosed(f"purchase order {po_id} is {po.status.value}")
        return po

    # -------------------------------------------------------------- commands
    def update_terms(self, name: str, terms: list[Terms]) -> None:
        new = {t.sku: t for t in terms}
        if name != self.name or new != self.terms:
            self._terms_updated(name=name, terms=terms)

    def place(self, po_id: str, lines: dict[str, int], expected: date, at: datetime) -> None:
        if po_id in self.purchase_orders:
            raise DuplicatePurchaseOrder(f"purchase order {po_id} was already placed")
        unknown = sorted(set(lines) - set(self.terms))
        if unknown:
            raise SkuNotSupplied(f"supplier {self.supplier_id} has no terms for {', '.join(unknown)}")
        self._placed(po_id=po_id, lines=lines, expected=expected, at=at)

    def confirm(self, po_id: str, expected: date, at: datetime) -> bool:
        """True if the PO's expectation changed; False if the confirmation came late (recorded only)."""
        if self.came_late(po_id, at):
            self._notice_came_late(po_id=po_id, notice="confirmed", expected=expected, at=at)
            return False
        self.open_purchase_order(po_id)
        self._confirmed(po_id=po_id, expected=expected, at=at)
        return True

    def delay(self, po_id: str, expected: date, reason: str, at: datetime) -> bool:
        """True if the PO's expectation changed; False if the delay came late (recorded only)."""
        if self.came_late(po_id, at):
            self._notice_came_late(po_id=po_id, notice="delayed", expected=expected, at=at)
            return False
        self.open_purchase_order(po_id)
        self._delayed(po_id=po_id, expected=expected, reason=reason, at=at)
        return True

    def came_late(self, po_id: str, at: datetime) -> bool:
        """A notice about a PO whose goods arrived before it: all of them, or some on a later day.

        Read after the receipt (other topics, other partitions), it says nothing the receipt
        did not: it is kept, and changes no promise.
        """
        po = self.purchase_order(po_id)
        if po.status is PurchaseOrderStatus.RECEIVED:
            return True
        received = po.last_received_on
        return received is not None and at.date() < received

    def cancel(self, po_id: str, reason: str, at: datetime) -> None:
        self.open_purchase_order(po_id)
        self._cancelled(po_id=po_id, reason=reason, at=at)

    def receive(self, po_id: str, sku: str, quantity: int, on: date) -> None:
        po = self.open_purchase_order(po_id)
        if sku not in po.lines:
            raise SkuNotSupplied(f"purchase order {po_id} has no line for {sku}", field="sku")
        self._received(po_id=po_id, sku=sku, quantity=quantity, on=on)

    # ---------------------------------------------------------------- events
    class TermsUpdated(Event):
        name: str
        terms: list[Terms]

    @event(TermsUpdated)
    def _terms_updated(self, name: str, terms: list[Terms]) -> None:
        self.name = name
        self.terms = {t.sku: t for t in terms}

    class PurchaseOrderPlaced(Event):
        po_id: str
        lines: dict[str, int]
        expected: date
        at: datetime

    @event(PurchaseOrderPlaced)
    def _placed(self, po_id: str, lines: dict[str, int], expected: date, at: datetime) -> None:
        self.purchase_orders[po_id] = PurchaseOrder(
            po_id=po_id,
            lines={sku: PoLine(sku=sku, ordered=qty) for sku, qty in lines.items()},
            placed_at=at,
            promised=expected,
            expected=expected,
            status=PurchaseOrderStatus.PLACED,
            placed_expected=expected,
        )

    class PurchaseOrderConfirmed(Event):
        po_id: str
        expected: date
        at: datetime | None

    @event(PurchaseOrderConfirmed)
    def _confirmed(self, po_id: str, expected: date, at: datetime | None = None) -> None:
        po = self.purchase_orders[po_id]
        self.purchase_orders[po_id] = po.model_copy(
            update={"promised": expected, "expected": expected, "status": PurchaseOrderStatus.CONFIRMED}
        )

    class PurchaseOrderDelayed(Event):
        po_id: str
        expected: date
        reason: str
        at: datetime | None

    @event(PurchaseOrderDelayed)
    def _delayed(self, po_id: str, expected: date, reason: str, at: datetime | None = None) -> None:
        po = self.purchase_orders[po_id]
        self.purchase_orders[po_id] = po.model_copy(
            update={"expected": expected, "status": PurchaseOrderStatus.DELAYED}
        )

    class PurchaseOrderNoticeCameLate(Event):
        po_id: str
        notice: str  # "confirmed" or "delayed"
        expected: date
        at: datetime

    @event(PurchaseOrderNoticeCameLate)
    def _notice_came_late(self, po_id: str, notice: str, expected: date, at: datetime) -> None:
        pass  # kept for the audit; the receipt already settled what it would have changed

    class PurchaseOrderCancelled(Event):
        po_id: str
        reason: str
        at: datetime | None

    @event(PurchaseOrderCancelled)
    def _cancelled(self, po_id: str, reason: str, at: datetime | None = None) -> None:
        po = self.purchase_orders[po_id]
        self.purchase_orders[po_id] = po.model_copy(update={"status": PurchaseOrderStatus.CANCELLED})

    class PurchaseOrderReceived(Event):
        po_id: str
        sku: str
        quantity: int
        on: date

    @event(PurchaseOrderReceived)
    def _received(self, po_id: str, sku: str, quantity: int, on: date) -> None:
        po = self.purchase_orders[po_id]
        line = po.lines[sku]
        lines = {**po.lines, sku: line.model_copy(update={"received": line.received + quantity})}
        done = all(not pl.open for pl in lines.values())
        status = PurchaseOrderStatus.RECEIVED if done else PurchaseOrderStatus.PARTLY_RECEIVED
        if not po.delay_observed:
            self.delays.append((on - po.promised).days)
            if po.placed_expected is not None:
                self.purchase_delays.append((on - po.placed_expected).days)
        self.purchase_orders[po_id] = po.model_copy(
            update={"lines": lines, "status": status, "delay_observed": True, "last_received_on": on}
        )


@lru_cache(maxsize=65536)
def supplier_uuid(supplier_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:supplier:{supplier_id}")


__all__ = ["Supplier", "Terms", "PurchaseOrder", "PoLine", "supplier_uuid"]
