"""Order: what the customer asked for and, line by line, what they were promised.

Every change to a line that the customer will hear about is an event that
carries the decision behind it (a `DecisionRef` to the Stock event that took
it), so a line's history explains itself and can be replayed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.errors import BeforeItsOrder, LineNotOpen, NoOpenOffer, NotAllocated, UnknownLine
from domain.order_lines import Line, LineSpec, Offer, queue_left, with_count
from domain.values import (
    Contact,
    DecisionRef,
    LineRequest,
    ShippingPreference,
    Tier,
)


class Order(Aggregate):
    class Event(Aggregate.Event):
        """Declared so the events below can name it (topic `domain.order:Order.Event`, as before)."""

    @staticmethod
    def create_id(order_id: str) -> UUID:
        return order_uuid(order_id)

    class Placed(Aggregate.Created, Event):
        order_id: str
        customer_id: str
        tier: Tier
        placed_at: datetime
        shipping: ShippingPreference
        accept_substitutes: bool
        max_wait_days: int | None
        contact: Contact
        lines: list[LineSpec]
        message_id: str
        customer_group: str | None  # OrderPlaced version 3's (None before, and when not told)
        channel: str | None

    @event(Placed)
    def __init__(
        self,
        order_id: str,
        customer_id: str,
        tier: Tier,
        placed_at: datetime,
        shipping: ShippingPreference,
        accept_substitutes: bool,
        max_wait_days: int | None,
        contact: Contact,
        lines: list[LineSpec],
        message_id: str,
        customer_group: str | None = None,
        channel: str | None = None,
    ) -> None:
        self.order_id = order_id
        self.customer_group = customer_group
        self.channel = channel
        self.customer_id = customer_id
        self.tier = tier
        self.placed_at = placed_at
        self.shipping = shipping
        self.accept_substitutes = accept_substitutes
        self.max_wait_days = max_wait_days
        self.contact = contact
        self.lines: dict[str, Line] = {
            spec.line_id: Line(line_id=spec.line_id, sku=spec.sku, quantity=spec.quantity) for spec in lines
        }

    # ----------------------------------------------------------------- reads
    @property
    def wait_limit(self) -> date | None:
        if self.max_wait_days is None:
            return None
        return (self.placed_at + timedelta(days=self.max_wait_days)).date()

    def line(self, line_id: str) -> Line:
        try:
            return self.lines[line_id]
        except KeyError:
            raise UnknownLine(f"order {self.order_id} has no line {line_id!r}") from None

    def request_for(self, line_id: str, quantity: int | None = None, substitute: bool = False) -> LineRequest:
        line = self.line(line_id)
        return LineRequest(
            order_id=self.order_id,
            line_id=line_id,
            quantity=quantity or line.quantity,
            tier=self.tier,
            placed_at=self.placed_at,
            wait_limit=self.wait_limit,
            substitute_for=line.sku if substitute else None,
            customer_id=self.customer_id,
            customer_group=self.customer_group,
            channel=self.channel,
        )

    @property
    def ready_to_ship(self) -> bool:
        """Complete orders hold until nothing is waiting."""
        lines = self.lines.values()
        if self.shipping is ShippingPreference.COMPLETE:
            return all(not line.backordered for line in lines) and any(line.allocated_total for line in lines)
        return any(line.allocated_total for line in lines)

    # -------------------------------------------------------------- commands
    def allocate(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        self._line_allocated(line_id=line_id, sku=sku, quantity=quantity, decision=decision)

    def backorder(
        self,
        line_id: str,
        quantity: int,
        position: int,
        eta: date | None,
        needs_purchase: bool,
        decision: DecisionRef,
        eta_decision: DecisionRef | None,
    ) -> None:
        self._line_backordered(
            line_id=line_id,
            quantity=quantity,
            position=position,
            eta=eta,
            needs_purchase=needs_purchase,
            decision=decision,
            eta_decision=eta_decision,
        )

    def fill(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        self._backorder_filled(line_id=line_id, sku=sku, quantity=quantity, decision=decision)

    def revoke(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        self._allocation_revoked(line_id=line_id, sku=sku, quantity=quantity, decision=decision)

    def offer_substitute(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        self._substitute_offered(line_id=line_id, sku=sku, quantity=quantity, decision=decision)

    def open_offer(self, line_id: str) -> Offer:
        line = self.line(line_id)
        if line.offer is None or not line.backordered:
            raise NoOpenOffer(f"order {self.order_id} line {line_id} has no open substitute offer")
        return line.offer

    # `reason`: why the offer was answered, when the message said (version 2 of the answers).
    def accept_substitute(self, line_id: str, decision: DecisionRef, reason: str | None = None) -> None:
        offer = self.open_offer(line_id)
        waiting = self.lines[line_id].backordered  # the offer's quantity may be stale by now
        self._substitute_accepted(
            line_id=line_id, sku=offer.sku, quantity=waiting, decision=decision, reason=reason
        )

    def decline_substitute(self, line_id: str, message_id: str, reason: str | None = None) -> None:
        offer = self.open_offer(line_id)
        self._substitute_declined(line_id=line_id, sku=offer.sku, message_id=message_id, reason=reason)

    def check_cancellable(self, line_id: str) -> Line:
        line = self.line(line_id)
        if not line.is_open:
            raise LineNotOpen(
                f"order {self.order_id} line {line_id} is {line.status.value}: nothing left to cancel"
            )
        return line

    def cancel(
        self,
        line_id: str,
        reason: str,
        automatic: bool,
        decision: DecisionRef | None,
        quantity: int | None = None,
    ) -> None:
        """Cancel what is still open on a line (or `quantity` of its backorder). Always free."""
        line = self.check_cancellable(line_id)
        released = 0 if quantity is not None else line.allocated_total
        withdrawn = line.backordered if quantity is None else min(quantity, line.backordered)
        self._line_cancelled(
            line_id=line_id,
            released=released,
            withdrawn=withdrawn,
            reason=reason,
            automatic=automatic,
            decision=decision,
        )

    def check_shippable(self, line_id: str, quantity: int) -> Line:
        line = self.line(line_id)
        if quantity > line.allocated_total:
            raise NotAllocated(
                f"order {self.order_id} line {line_id} has {line.allocated_total} unit(s) "
                f"allocated, cannot ship {quantity}"
            )
        if not self.ready_to_ship:
            raise NotAllocated(
                f"order {self.order_id} asked to ship complete and still has backordered lines",
                field="order_id",
            )
        return line

    def check_not_before_placed(self, at: datetime) -> None:
        """A shipment dated before its order was placed would make a negative wait in every report."""
        if at < self.placed_at:
            raise BeforeItsOrder(
                f"order {self.order_id} was placed {self.placed_at:%Y-%m-%dT%H:%M:%SZ}: "
                f"nothing of it can be shipped at {at:%Y-%m-%dT%H:%M:%SZ}, before that"
            )

    def ship(
        self, line_id: str, quantity: int, warehouse: str, message_id: str, at: datetime
    ) -> dict[str, int]:
        """Ship allocated units, the line's own SKU first; returns units per SKU."""
        line = self.check_shippable(line_id, quantity)
        by_sku: dict[str, int] = {}
        left = quantity
        for sku in sorted(line.allocated, key=lambda s: (s != line.sku, s)):
            take = min(left, line.allocated[sku])
            if take:
                by_sku[sku] = take
                left -= take
        self._line_shipped(line_id=line_id, by_sku=by_sku, warehouse=warehouse, message_id=message_id, at=at)
        return by_sku

    # ---------------------------------------------------------------- events
    def _update(self, line_id: str, **changes: Any) -> None:
        self.lines[line_id] = self.lines[line_id].model_copy(update=changes)

    def _waiting_allocated(self, line_id: str, sku: str, quantity: int) -> None:
        """Waiting units of the line allocated from `sku` (its own stock filling it, or an accepted
        substitute): one state change for both events, applied the same way on replay."""
        line = self.lines[line_id]
        backordered = line.backordered - quantity
        self._update(
            line_id,
            allocated=with_count(line.allocated, sku, quantity),
            backordered=backordered,
            **queue_left(backordered),
        )

    class LineAllocated(Event):
        line_id: str
        sku: str
        quantity: int
        decision: DecisionRef

    @event(LineAllocated)
    def _line_allocated(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        line = self.lines[line_id]
        self._update(line_id, allocated=with_count(line.allocated, sku, quantity))

    class LineBackordered(Event):
        line_id: str
        quantity: int
        position: int
        eta: date | None
        needs_purchase: bool
        decision: DecisionRef
        eta_decision: DecisionRef | None

    @event(LineBackordered)
    def _line_backordered(
        self,
        line_id: str,
        quantity: int,
        position: int,
        eta: date | None,
        needs_purchase: bool,
        decision: DecisionRef,
        eta_decision: DecisionRef | None,
    ) -> None:
        line = self.lines[line_id]
        self._update(
            line_id,
            backordered=line.backordered + quantity,
            position=position,
            eta=eta,
            first_eta=line.first_eta or eta,
            needs_purchase=needs_purchase,
        )

    class BackorderFilled(Event):
        line_id: str
        sku: str
        quantity: int
        decision: DecisionRef

    @event(BackorderFilled)
    def _backorder_filled(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        self._waiting_allocated(line_id, sku, quantity)

    class AllocationRevoked(Event):
        line_id: str
        sku: str
        quantity: int
        decision: DecisionRef

    @event(AllocationRevoked)
    def _allocation_revoked(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        # Substitute units taken back are asked of the line's own SKU again (a
        # separate decision, recorded next), so only the line's own SKU waits.
        line = self.lines[line_id]
        waits = quantity if sku == line.sku else 0
        self._update(
            line_id,
            allocated=with_count(line.allocated, sku, -quantity),
            backordered=line.backordered + waits,
        )

    # Only in stores written before revisions stayed on the Stock (one Stock.EtasRevised names
    # every line a decision re-promised): kept so those stores load and replay.
    class EtaRevised(Event):
        line_id: str
        old: date | None
        new: date | None
        needs_purchase: bool
        decision: DecisionRef

    @event(EtaRevised)
    def _eta_revised(
        self, line_id: str, old: date | None, new: date | None, needs_purchase: bool, decision: DecisionRef
    ) -> None:
        line = self.lines[line_id]
        self._update(
            line_id,
            eta=new,
            first_eta=line.first_eta or new,
            needs_purchase=needs_purchase,
            eta_revisions=line.eta_revisions + 1,
        )

    class SubstituteOffered(Event):
        line_id: str
        sku: str
        quantity: int
        decision: DecisionRef

    @event(SubstituteOffered)
    def _substitute_offered(self, line_id: str, sku: str, quantity: int, decision: DecisionRef) -> None:
        self._update(line_id, offer=Offer(sku=sku, quantity=quantity))

    # `reason`: None from version 1 of the answers, and in events stored before it was kept.
    class SubstituteAccepted(Event):
        line_id: str
        sku: str
        quantity: int
        decision: DecisionRef
        reason: str | None

    @event(SubstituteAccepted)
    def _substitute_accepted(
        self, line_id: str, sku: str, quantity: int, decision: DecisionRef, reason: str | None = None
    ) -> None:
        self._waiting_allocated(line_id, sku, quantity)

    class SubstituteDeclined(Event):
        line_id: str
        sku: str
        message_id: str
        reason: str | None

    @event(SubstituteDeclined)
    def _substitute_declined(
        self, line_id: str, sku: str, message_id: str, reason: str | None = None
    ) -> None:
        self._update(line_id, offer=None, declined=[*self.lines[line_id].declined, sku])

    class LineCancelled(Event):
        line_id: str
        released: int
        withdrawn: int
        reason: str
        automatic: bool
        decision: DecisionRef | None

    @event(LineCancelled)
    def _line_cancelled(
        self,
        line_id: str,
        released: int,
        withdrawn: int,
        reason: str,
        automatic: bool,
        decision: DecisionRef | None,
    ) -> None:
        line = self.lines[line_id]
        backordered = line.backordered - withdrawn
        self._update(
            line_id,
            allocated={} if released else line.allocated,
            backordered=backordered,
            cancelled=line.cancelled + released + withdrawn,
            **queue_left(backordered),
        )

    class LineShipped(Event):
        line_id: str
        by_sku: dict[str, int]
        warehouse: str
        message_id: str
        at: datetime | None

    @event(LineShipped)
    def _line_shipped(
        self,
        line_id: str,
        by_sku: dict[str, int],
        warehouse: str,
        message_id: str,
        at: datetime | None = None,  # None in events stored before the business time was kept
    ) -> None:
        line = self.lines[line_id]
        allocated = dict(line.allocated)
        for sku, quantity in by_sku.items():
            allocated = with_count(allocated, sku, -quantity)
        self._update(line_id, allocated=allocated, shipped=line.shipped + sum(by_sku.values()))


@lru_cache(maxsize=65536)  # asked for several times per message: once per line and per effect
def order_uuid(order_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:order:{order_id}")
