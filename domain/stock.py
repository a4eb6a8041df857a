"""Stock: one aggregate per SKU, owning its units, its queue and its promises.

The Stock decides who gets its units, so every allocation decision is an
event here (with the policy, the cause and what it saw) and is mirrored onto
the order lines it concerns. Stock that arrives - received, returned,
released, found in a count - is offered to the queue before it becomes
available to new orders.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from itertools import islice
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.allocation import Fill, RequestPlan, get_policy, line_key, split_line_key
from domain.base import Aggregate, AggregateSnapshot
from domain.effects import Backorder, StockEffects
from domain.errors import InsufficientStock, NotAllocated
from domain.eta import EtaPlan
from domain.queue import apply_promises, entry_for, join_at, join_in_order, take_from_head
from domain.stock_rules import StockRules
from domain.stock_state import StockState, Watcher, request_reason
from domain.values import (
    Cause,
    Contact,
    DecisionInfo,
    DecisionRef,
    InboundLine,
    LinePlace,
    LineRequest,
    QueueEntry,
    Reservation,
    Source,
    inbound_key,
)

PUSHED_NAMED = 20  # lines a joining line names as moved back (all are counted)


class Stock(StockRules, Aggregate):
    clock: datetime | None = None  # the latest time this SKU decided at (an older snapshot has none)
    # SKUs that name this one as a substitute, so units arriving here can be offered to their queues
    # (a Stock registered before this was kept has none until a SubstitutesDeclared names it again).
    substitute_for: tuple[str, ...] = ()

    class Snapshot(AggregateSnapshot):
        state: StockState

    class Event(Aggregate.Event):
        def mutate(self, aggregate: Any) -> Any:
            """Every decision moves the SKU's clock (StockRules._at): on replay too, as it is kept in no body."""
            aggregate = super().mutate(aggregate)
            decision = getattr(self, "decision", None)
            if isinstance(decision, DecisionInfo) and (
                aggregate.clock is None or decision.as_of > aggregate.clock
            ):
                aggregate.clock = decision.as_of
            return aggregate

    @staticmethod
    def create_id(sku: str) -> UUID:
        return stock_id(sku)

    @event("Registered")
    def __init__(self, sku: str, policy: str) -> None:
        self.sku = sku
        self.policy = policy
        self.on_hand: dict[str, int] = {}
        self.reservations: dict[str, Reservation] = {}
        self.allocated = 0  # sum of reservations, kept for O(1) ATP
        self.queue: list[QueueEntry] = []
        self.waiting = 0  # sum of queued quantities, kept for O(1) tail inserts
        self.inbound: dict[str, InboundLine] = {}
        self.sources: dict[str, Source] = {}
        self.substitutes: list[str] = []
        self.substitute_for: tuple[str, ...] = ()
        self.reorder_point = 0
        self.safety_stock = 0
        self.suggested = 0  # replenishment suggested and not yet ordered
        self.watchers: list[Watcher] = []

    # -------------------------------------------------------------- commands
    def configure(
        self, reorder_point: int, safety_stock: int, policy: str | None, cause: Cause
    ) -> StockEffects:
        policy = policy or self.policy
        get_policy(policy)
        self._configured(reorder_point=reorder_point, safety_stock=safety_stock, policy=policy)
        return self._refresh(cause, start=0)

    def set_source(self, source: Source, cause: Cause) -> StockEffects:
        if self.sources.get(source.supplier_id) == source:
            return StockEffects(self.sku)
        self._source_set(source=source)
        return self._refresh(cause, start=0)

    def remove_source(self, supplier_id: str, cause: Cause) -> StockEffects:
        """The supplier no longer sells this SKU: stop promising and suggesting from it."""
        if supplier_id not in self.sources:
            return StockEffects(self.sku)
        self._source_removed(supplier_id=supplier_id)
        return self._refresh(cause, start=0)

    def declare_substitutes(self, substitutes: list[str]) -> None:
        self._substitutes_declared(substitutes=[s for s in substitutes if s != self.sku])

    def name_as_substitute(self, for_sku: str, named: bool) -> None:
        """Keep the reverse of `substitutes`: which SKUs this one stands in for."""
        now = set(self.substitute_for)
        after = now | {for_sku} if named else now - {for_sku}
        if after != now:
            self._substitute_for_set(skus=sorted(after))

    def request(self, request: LineRequest, cause: Cause) -> StockEffects:
        """Allocate what is free to a new line; queue the rest in policy order.

        Decided no earlier than the line was placed (an order system's clock may run a
        few minutes ahead of its messages'), so no wait measured from placed_at is negative.
        """
        if request.placed_at > cause.at:
            cause = Cause(message_id=cause.message_id, at=request.placed_at)
        policy = get_policy(self.policy)
        plan = policy.plan_request(self.available, self.queue, self.waiting, request)
        reason = request_reason(plan, self.available)
        info = self._decision(
            cause,
            reason,
            available=self.available,
            queue_length=len(self.queue),
            units_waiting=self.waiting,
            position=plan.position,
            units_ahead=plan.units_ahead,
        )
        pushed_back, moved_back = self._pushed_back_by(request, plan)
        self._line_requested(
            request=request,
            plan=plan,
            since=info.as_of.date(),
            decision=info,
            pushed_back=pushed_back,
            moved_back=moved_back,
        )
        effects = StockEffects(self.sku)
        ref = DecisionRef.of(self.sku, self.version, info)
        if plan.allocate:
            fill = Fill(order_id=request.order_id, line_id=request.line_id, quantity=plan.allocate)
            effects.allocated.append((fill, ref))
        if plan.backorder:
            backorder = Backorder(request.order_id, request.line_id, plan.backorder, plan.position or 0)
            effects.backordered.append((backorder, ref))
            effects.extend(self._refresh(cause, start=(plan.position or 1) - 1))
        else:
            self._suggest_replenishment(cause)
        return effects

    def _pushed_back_by(self, request: LineRequest, plan: RequestPlan) -> tuple[list[LinePlace], int]:
        """The waiting lines a line joining ahead of them moves back one place: the nearest, named
        with their new places, and how many moved in all.

        Customers were told their place: a higher tier overtaking them is news to them,
        and the join is what explains it in their order's history. Only the PUSHED_NAMED
        lines right behind it are named, so a join at the head of a queue of 100,000
        stores a bounded event; a place that far back moving by one is nobody's news.
        """
        if not plan.backorder or plan.position is None or plan.position > len(self.queue):
            return [], 0
        index = plan.position - 1
        if self.queue[index].key == (request.order_id, request.line_id):
            return [], 0  # the line already waits there: its units are added, nobody moves
        named = [
            LinePlace(order_id=entry.order_id, line_id=entry.line_id, position=place)
            for place, entry in enumerate(
                islice(self.queue, index, index + PUSHED_NAMED), start=plan.position + 1
            )
        ]
        return named, len(self.queue) - index

    def inbound_from(self, po_id: str) -> list[InboundLine]:
        """Open lines of this SKU on purchase orders with that id, whoever the supplier."""
        return [line for line in self.inbound.values() if line.po_id == po_id]

    def receive(
        self, warehouse: str, quantity: int, po: tuple[str, str] | None, cause: Cause
    ) -> StockEffects:
        """Book units in; `po` is (supplier id, PO id) when they came on a purchase order."""
        po_key = inbound_key(*po) if po else None
        self._received(warehouse=warehouse, quantity=quantity, po_key=po_key, at=self._at(cause))
        return self._offer_to_queue(cause)

    def adjust(self, warehouse: str, counted: int, reason: str, cause: Cause) -> StockEffects:
        previous = self.on_hand.get(warehouse, 0)
        if counted == previous:
            return StockEffects(self.sku)
        self._adjusted(warehouse=warehouse, counted=counted, previous=previous, reason=reason)
        shortfall = self.allocated - self.total_on_hand
        if shortfall > 0:
            return self._revoke(shortfall, cause)
        return self._offer_to_queue(cause)

    def ship(self, order_id: str, line_id: str, quantity: int, warehouse: str, at: datetime) -> None:
        if self.reserved_for(order_id, line_id) < quantity:
            raise NotAllocated(
                f"line {order_id}/{line_id} has {self.reserved_for(order_id, line_id)} "
                f"unit(s) of {self.sku} allocated, cannot ship {quantity}"
            )
        if self.on_hand.get(warehouse, 0) < quantity:
            raise InsufficientStock(
                f"warehouse {warehouse!r} holds {self.on_hand.get(warehouse, 0)} unit(s) "
                f"of {self.sku}, cannot ship {quantity}",
                field="warehouse",
            )
        self._shipped(order_id=order_id, line_id=line_id, quantity=quantity, warehouse=warehouse, at=at)

    def release(self, order_id: str, line_id: str, reason: str, cause: Cause) -> StockEffects:
        """Give back a line's allocated units and take it out of the queue."""
        effects = StockEffects(self.sku)
        reserved = self.reserved_for(order_id, line_id)
        if reserved:
            self._released(
                order_id=order_id, line_id=line_id, quantity=reserved, reason=reason, at=self._at(cause)
            )
        effects.extend(self.withdraw(order_id, line_id, reason, cause))
        if reserved:
            effects.extend(self._offer_to_queue(cause))
        return effects

    def withdraw(self, order_id: str, line_id: str, reason: str, cause: Cause) -> StockEffects:
        """Take a line out of the queue (its place is not kept)."""
        position = self.position_of(order_id, line_id)
        if position is None:
            return StockEffects(self.sku)
        quantity = self.queue[position - 1].quantity
        self._withdrawn(order_id=order_id, line_id=line_id, quantity=quantity, reason=reason)
        return self._refresh(cause, start=position - 1)

    def schedule_inbound(self, line: InboundLine, cause: Cause) -> StockEffects:
        if self.inbound.get(line.key) == line:
            return StockEffects(self.sku)
        self._inbound_scheduled(line=line)
        return self._refresh(cause, start=0)

    def cancel_inbound(self, supplier_id: str, po_id: str, cause: Cause) -> StockEffects:
        key = inbound_key(supplier_id, po_id)
        if key not in self.inbound:
            return StockEffects(self.sku)
        self._inbound_cancelled(po_key=key)
        return self._refresh(cause, start=0)

    def watch(self, customer_id: str, contact: Contact, cause: Cause) -> None:
        if any(w.customer_id == customer_id for w in self.watchers):
            return
        self._watch_requested(watcher=Watcher(customer_id=customer_id, contact=contact))
        self._announce_if_available(cause)

    # ---------------------------------------------------------------- events
    @event("Configured")
    def _configured(self, reorder_point: int, safety_stock: int, policy: str) -> None:
        self.reorder_point = reorder_point
        self.safety_stock = safety_stock
        if policy != self.policy:
            self.policy = policy
            self.queue.sort(key=get_policy(policy).key)

    @event("SourceSet")
    def _source_set(self, source: Source) -> None:
        self.sources[source.supplier_id] = source

    @event("SourceRemoved")
    def _source_removed(self, supplier_id: str) -> None:
        del self.sources[supplier_id]

    @event("SubstitutesDeclared")
    def _substitutes_declared(self, substitutes: list[str]) -> None:
        self.substitutes = list(substitutes)

    @event("SubstituteForSet")
    def _substitute_for_set(self, skus: list[str]) -> None:
        self.substitute_for = tuple(skus)

    # pushed_back, moved_back: none in events stored before they were kept.
    @event("LineRequested")
    def _line_requested(
        self,
        request: LineRequest,
        plan: RequestPlan,
        since: date,
        decision: DecisionInfo,
        pushed_back: list[LinePlace] | None = None,
        moved_back: int = 0,
    ) -> None:
        if plan.allocate:
            self._reserve(request.order_id, request.line_id, plan.allocate, request)
        if plan.backorder:
            entry = entry_for(request, request.order_id, request.line_id, plan.backorder, since)
            join_at(self.queue, (plan.position or 1) - 1, entry)
            self.waiting += plan.backorder

    @event("QueueFilled")
    def _queue_filled(self, fills: list[Fill], decision: DecisionInfo) -> None:
        for fill in fills:
            served = take_from_head(self.queue, fill.quantity)
            self._reserve(fill.order_id, fill.line_id, fill.quantity, served)
            self.waiting -= fill.quantity

    @event("AllocationsRevoked")
    def _allocations_revoked(self, revoked: list[Fill], since: date, decision: DecisionInfo) -> None:
        for fill in revoked:
            reservation = self.reservations[line_key(fill.order_id, fill.line_id)]
            self._unreserve(fill.order_id, fill.line_id, fill.quantity)
            if reservation.substitute_for is None:  # substitutes are asked of the line's own SKU
                entry = entry_for(reservation, fill.order_id, fill.line_id, fill.quantity, since)
                join_in_order(self.queue, entry, get_policy(self.policy).key)
                self.waiting += fill.quantity

    @event("EtasRevised")
    def _etas_revised(self, start: int, plan: EtaPlan, decision: DecisionInfo) -> None:
        self.queue, left = apply_promises(self.queue, start, plan)
        self.waiting -= left

    # `at`: the business time (the SKU's decision time), None in events stored before it was kept.
    @event("Received")
    def _received(
        self, warehouse: str, quantity: int, po_key: str | None, at: datetime | None = None
    ) -> None:
        self.on_hand[warehouse] = self.on_hand.get(warehouse, 0) + quantity
        line = self.inbound.get(po_key or "")
        if line is not None:
            remaining = line.quantity - quantity
            if remaining > 0:
                self.inbound[line.key] = line.model_copy(update={"quantity": remaining})
            else:
                del self.inbound[line.key]

    @event("Adjusted")
    def _adjusted(self, warehouse: str, counted: int, previous: int, reason: str) -> None:
        self.on_hand[warehouse] = counted

    @event("Shipped")
    def _shipped(
        self, order_id: str, line_id: str, quantity: int, warehouse: str, at: datetime | None = None
    ) -> None:
        self.on_hand[warehouse] -= quantity
        self._unreserve(order_id, line_id, quantity)

    @event("Released")
    def _released(
        self, order_id: str, line_id: str, quantity: int, reason: str, at: datetime | None = None
    ) -> None:
        self._unreserve(order_id, line_id, quantity)

    @event("Withdrawn")
    def _withdrawn(self, order_id: str, line_id: str, quantity: int, reason: str) -> None:
        entry = self.queued(order_id, line_id)
        self.queue.remove(entry)
        self.waiting -= quantity

    @event("InboundScheduled")
    def _inbound_scheduled(self, line: InboundLine) -> None:
        previous = self.inbound.get(line.key)
        added = line.quantity - (previous.quantity if previous else 0)
        self.inbound[line.key] = line
        self.suggested = max(0, self.suggested - max(0, added))

    @event("InboundCancelled")
    def _inbound_cancelled(self, po_key: str) -> None:
        del self.inbound[po_key]

    @event("ReplenishmentSuggested")
    def _replenishment_suggested(self, supplier_id: str, quantity: int, decision: DecisionInfo) -> None:
        self.suggested += quantity

    @event("SuggestionReduced")
    def _suggestion_reduced(self, outstanding: int) -> None:
        self.suggested = outstanding

    @event("BackInStockRequested")
    def _watch_requested(self, watcher: Watcher) -> None:
        self.watchers.append(watcher)

    @event("BackInStockAnnounced")
    def _back_in_stock(self, watchers: list[Watcher], available: int, at: datetime) -> None:
        self.watchers = []


@lru_cache(maxsize=65536)
def stock_id(sku: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:stock:{sku}")


__all__ = ["Stock", "StockState", "Watcher", "stock_id", "split_line_key"]
