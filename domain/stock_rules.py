"""How a Stock reads its state and reaches its decisions, apart from the events that record them.

`Stock` (domain/stock.py) keeps its commands and the event bodies that change its
state; this mixin holds what those commands share: the reads, the allocation and
ETA decisions that end in events (`_offer_to_queue`, `_revoke`, `_refresh`,
`_suggest_replenishment`), the explanation each decision carries, and the
reservation helpers the event bodies call. It defines no events, so every stored
event's topic stays `domain.stock:Stock.<Name>`.
"""

from __future__ import annotations

from datetime import datetime

from domain.allocation import get_policy, line_key
from domain.effects import StockEffects
from domain.eta import ETA_POLICY, best_source, plan_etas, supply_order
from domain.queue import units_before
from domain.stock_state import eta_reason
from domain.values import Cause, DecisionInfo, DecisionRef, InboundLine, QueueEntry, Reservation


class StockRules:
    """Needs a Stock's state (sku, policy, on_hand, reservations, allocated, queue, waiting,
    inbound, sources, reorder_point, safety_stock, suggested, watchers, clock) and its event methods."""

    clock: datetime | None

    # ----------------------------------------------------------------- reads
    @property
    def total_on_hand(self) -> int:
        return sum(self.on_hand.values())

    @property
    def available(self) -> int:
        """Available to promise: on hand and not allocated."""
        return self.total_on_hand - self.allocated

    @property
    def inbound_total(self) -> int:
        return sum(line.quantity for line in self.inbound.values())

    def position_of(self, order_id: str, line_id: str) -> int | None:
        for index, entry in enumerate(self.queue):
            if entry.order_id == order_id and entry.line_id == line_id:
                return index + 1
        return None

    def queued(self, order_id: str, line_id: str) -> QueueEntry | None:
        position = self.position_of(order_id, line_id)
        return None if position is None else self.queue[position - 1]

    def reserved_for(self, order_id: str, line_id: str) -> int:
        reservation = self.reservations.get(line_key(order_id, line_id))
        return reservation.quantity if reservation else 0

    def units_ahead_of(self, index: int) -> int:
        return units_before(self.queue, index, self.waiting)

    # -------------------------------------------------------------- internal
    def _at(self, cause: Cause) -> datetime:
        """When this SKU decides: the later of the message's time and the SKU's clock.

        The clock is the latest time the SKU decided at. A message dated before it (a
        receipt reported weeks late, a count keyed in the next morning) is decided now,
        with its own time kept among the decision's inputs: no promise is made for a
        day already past, and no wait measured from the SKU's decisions is negative.
        """
        clock = self.clock
        return cause.at if clock is None or cause.at >= clock else clock

    def _decision(self, cause: Cause, reason: str, policy: str | None = None, **inputs) -> DecisionInfo:
        at = self._at(cause)
        if at != cause.at:
            inputs["message_at"] = cause.at.isoformat()
        return DecisionInfo(
            policy=policy or self.policy,
            message_id=cause.message_id,
            as_of=at,
            inputs={"sku": self.sku, **inputs},
            reason=reason,
        )

    def _offer_to_queue(self, cause: Cause) -> StockEffects:
        """New units go to waiting lines first, in policy order."""
        effects = StockEffects(self.sku)
        fills = get_policy(self.policy).plan_fill(self.available, self.queue)
        if fills:
            info = self._decision(
                cause,
                f"{self.available} unit(s) free with {len(self.queue)} line(s) waiting: "
                f"filled {len(fills)} line(s) in {self.policy} order",
                available=self.available,
                queue_length=len(self.queue),
                units_waiting=self.waiting,
                filled=[[f.order_id, f.line_id, f.quantity] for f in fills],
            )
            self._queue_filled(fills=fills, decision=info)
            ref = DecisionRef.of(self.sku, self.version, info)
            effects.filled.extend((fill, ref) for fill in fills)
            effects.extend(self._refresh(cause, start=0))
        self._announce_if_available(cause)
        return effects

    def _revoke(self, shortfall: int, cause: Cause) -> StockEffects:
        revoked = get_policy(self.policy).plan_revoke(shortfall, self.reservations)
        info = self._decision(
            cause,
            f"count left {self.total_on_hand} on hand for {self.allocated} allocated: "
            f"took back {shortfall} unit(s), last in {self.policy} order first",
            on_hand=self.total_on_hand,
            allocated=self.allocated,
            shortfall=shortfall,
        )
        self._allocations_revoked(revoked=revoked, since=info.as_of.date(), decision=info)
        effects = StockEffects(self.sku)
        ref = DecisionRef.of(self.sku, self.version, info)
        effects.revoked.extend((fill, ref) for fill in revoked)
        effects.extend(self._refresh(cause, start=0))
        return effects

    def _refresh(self, cause: Cause, start: int) -> StockEffects:
        """Recompute promises from `start`, then check whether to buy more.

        Promises only move when something happens to the SKU; if the head of
        the queue holds a date already past, the whole queue is re-promised
        so no waiting line keeps a date that cannot come true.
        """
        effects = StockEffects(self.sku)
        today = self._at(cause).date()
        if start and self.queue[0].eta is not None and self.queue[0].eta < today:
            start = 0
        units_ahead = self.units_ahead_of(start)
        plan = plan_etas(
            self.queue,
            units_ahead,
            start,
            list(self.inbound.values()),
            list(self.sources.values()),
            today,
        )
        if plan.changes or plan.expired:
            info = self._decision(
                cause,
                eta_reason(plan),
                policy=ETA_POLICY,
                start=start,
                units_ahead=units_ahead,
                inbound=[[i.po_id, i.quantity, i.arrival.isoformat()] for i in self._supply_order()],
                today=today.isoformat(),
            )
            self._etas_revised(start=start, plan=plan, decision=info)
            ref = DecisionRef.of(self.sku, self.version, info)
            effects.etas.extend((change, ref) for change in plan.changes)
            effects.expired.extend((expiry, ref) for expiry in plan.expired)
        self._suggest_replenishment(cause)
        return effects

    def _supply_order(self) -> list[InboundLine]:
        return sorted(self.inbound.values(), key=supply_order)

    def _suggest_replenishment(self, cause: Cause) -> None:
        projected = self.available + self.inbound_total - self.waiting
        target = self.reorder_point + self.safety_stock
        need = target - projected if projected < self.reorder_point or projected < 0 else 0
        source = best_source(list(self.sources.values()))
        if need <= self.suggested or source is None:
            if need < self.suggested:
                self._suggestion_reduced(outstanding=need)
            return
        quantity = max(need - self.suggested, source.minimum_order_quantity)
        info = self._decision(
            cause,
            f"projected {projected} (on hand free {self.available} + inbound "
            f"{self.inbound_total} - waiting {self.waiting}) is below reorder point "
            f"{self.reorder_point} + safety stock {self.safety_stock}",
            policy=ETA_POLICY,
            projected=projected,
            need=need,
            already_suggested=self.suggested,
        )
        self._replenishment_suggested(supplier_id=source.supplier_id, quantity=quantity, decision=info)

    def _announce_if_available(self, cause: Cause) -> None:
        if self.watchers and self.available > 0:
            self._back_in_stock(watchers=list(self.watchers), available=self.available, at=self._at(cause))

    # ------------------------------------------------------------- helpers
    def _reserve(self, order_id: str, line_id: str, quantity: int, line) -> None:
        key = line_key(order_id, line_id)
        held = self.reservations.get(key)
        self.reservations[key] = Reservation(
            quantity=quantity + (held.quantity if held else 0),
            tier=line.tier,
            placed_at=line.placed_at,
            wait_limit=line.wait_limit,
            substitute_for=getattr(line, "substitute_for", None),
        )
        self.allocated += quantity

    def _unreserve(self, order_id: str, line_id: str, quantity: int) -> None:
        key = line_key(order_id, line_id)
        held = self.reservations[key]
        if held.quantity == quantity:
            del self.reservations[key]
        else:
            self.reservations[key] = held.model_copy(update={"quantity": held.quantity - quantity})
        self.allocated -= quantity
