"""The parking lot: messages that arrived before what they need, waiting for it.

Kafka orders a partition, not the system. A receipt read from the inventory
topic before its purchase order's placement (purchasing topic) was refused
("supplier has no purchase order"), and the stock it counted was never
counted. An error that is `NotYetKnown` (domain/errors.py) names what the
message waits for; such a message is parked here instead, in the same
transaction as its batch and the feed's position, so a crash neither loses
nor repeats it.

A message that makes something known (`brings`) wakes what waits for it, in
its own transaction; the engine then re-runs the woken messages in the order
they were first parked. A message still waiting after `max_wait` of message
time (never the wall clock) is judged once more and, still early, refused
with its reason and how long it waited: a dead letter.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.domain import event

from domain import awaited
from domain.base import Aggregate, AggregateSnapshot, SnapshotState, Value
from domain.errors import NotYetKnown
from services import contracts as c
from services.contracts import Message
from services.outcomes import Outcome, Status, refusal_of

LOT_ID = uuid5(NAMESPACE_URL, "antrian:parking-lot")
DEFAULT_MAX_WAIT = timedelta(minutes=240)  # ANTRIAN_PARK_MAX_MINUTES


class Parked(Value):
    message_id: str
    message: dict[str, Any]  # the message as parsed (its JSON form), re-run from here
    awaits: str
    reason: str
    field: str | None
    since: datetime  # message time when it was first parked: the wait is measured from here
    seq: int  # first-parked order: woken messages re-run in it
    awake: bool = False
    by: str | None = None  # who handed it in (metadata: services/contracts.py Envelope), kept for its re-run


class LotState(SnapshotState):
    waiting: dict[str, Parked]
    parked_total: int


class ParkingLot(Aggregate):
    """One per store: parked messages are few (early ones, not a backlog) and expire.

    Every park, wake and release is an event of this one aggregate, so it is
    snapshotted (services/engine.py): reading it back costs the messages waiting,
    not the history of every message that ever waited.
    """

    class Snapshot(AggregateSnapshot):
        state: LotState

    class Event(Aggregate.Event):
        """Declared so the events below can name it, and type checkers see them."""

    class Opened(Aggregate.Created, Event):
        pass

    @staticmethod
    def create_id() -> UUID:
        return LOT_ID

    @event(Opened)
    def __init__(self) -> None:
        self.waiting: dict[str, Parked] = {}
        self.parked_total = 0

    def park(self, message: Message, awaits: str, reason: str, field: str | None, now: datetime) -> None:
        """Park, or park again under what it waits for now (keeping when and where it first came)."""
        before = self.waiting.get(message.message_id)
        if before is not None and (before.awaits, before.reason, before.awake) == (awaits, reason, False):
            return  # sent again while it waits: nothing new
        self._parked(
            message_id=message.message_id,
            message=message.model_dump(mode="json"),
            awaits=awaits,
            reason=reason,
            field=field,
            at=now,
            by=message.by,
        )

    def wake(self, awaits: str) -> None:
        if any(p.awaits == awaits and not p.awake for p in self.waiting.values()):
            self._woken(awaits=awaits)

    def release(self, message_id: str, outcome: str) -> None:
        if message_id in self.waiting:
            self._released(message_id=message_id, outcome=outcome)

    def due(self, now: datetime, max_wait: timedelta) -> list[Parked]:
        """Woken, or waited their time: to be judged again, in first-parked order."""
        return sorted(
            (p for p in self.waiting.values() if p.awake or now - p.since >= max_wait),
            key=lambda p: p.seq,
        )

    class MessageParked(Event):
        message_id: str
        message: dict[str, Any]
        awaits: str
        reason: str
        field: str | None
        at: datetime
        by: str | None = None  # parked before callers were kept: unknown

    @event(MessageParked)
    def _parked(
        self,
        message_id: str,
        message: dict[str, Any],
        awaits: str,
        reason: str,
        field: str | None,
        at: datetime,
        by: str | None = None,
    ) -> None:
        before = self.waiting.get(message_id)
        if before is None:
            self.parked_total += 1
        self.waiting[message_id] = Parked(
            message_id=message_id,
            message=message,
            awaits=awaits,
            reason=reason,
            field=field,
            since=before.since if before else at,
            seq=before.seq if before else self.parked_total,
            by=by,
        )

    class Woken(Event):
        awaits: str

    @event(Woken)
    def _woken(self, awaits: str) -> None:
        for message_id, parked in self.waiting.items():
            if parked.awaits == awaits:
                self.waiting[message_id] = parked.model_copy(update={"awake": True})

    class MessageReleased(Event):
        message_id: str
        outcome: str  # applied, refused, expired

    @event(MessageReleased)
    def _released(self, message_id: str, outcome: str) -> None:
        del self.waiting[message_id]


def brings(message: Message) -> list[str]:
    """What a message makes known, once applied: the keys whose waiting messages it wakes."""
    if isinstance(message, c.OrderPlaced | c.OrderPlacedV2 | c.OrderPlacedV3):
        return [awaited.order(message.order_id)]
    if isinstance(message, c.PurchaseOrderPlaced):
        return [awaited.purchase_order(message.purchase_order_id)]
    if isinstance(message, c.SupplierRegistered):
        return [awaited.supplier(message.supplier_id), *(awaited.sku(t.sku) for t in message.terms)]
    if isinstance(message, c.SkuConfigured | c.SkuConfiguredV2 | c.StockReceived | c.StockAdjusted):
        return [awaited.sku(message.sku)]
    return []


class Parking:
    """The engine's side of the lot: when to park, wake and release, on message time only."""

    def __init__(self, repository: Repository[UUID], max_wait: timedelta) -> None:
        self.repository = repository
        self.max_wait = max_wait
        self.clock: datetime | None = None  # the latest message time seen: the wait's clock
        self.last_lot: ParkingLot | None = None  # as last read: has anything to look at?
        self._absent_in: object = None  # the batch in which the store had no lot

    def advance(self, messages: Sequence[Message]) -> None:
        latest = max((m.occurred_at for m in messages), default=None)
        if latest is not None and (self.clock is None or latest > self.clock):
            self.clock = latest

    def lot(self, batch: MutableMapping[UUID, Any]) -> ParkingLot | None:
        """The lot, put in `batch` (evicted with it if its save fails); read once per batch if absent."""
        if LOT_ID in batch:
            found: ParkingLot = batch[LOT_ID]
            return found
        if self._absent_in is batch:
            return None
        try:
            lot: ParkingLot = self.repository.get(LOT_ID)
        except AggregateNotFoundError:
            self._absent_in = batch
            return None
        batch[LOT_ID] = self.last_lot = lot
        return lot

    def after_applied(self, batch: MutableMapping[UUID, Any], message: Message) -> ParkingLot | None:
        """The lot, if this applied message woke or released anything there."""
        lot = self.lot(batch)
        if lot is None or not lot.waiting:
            return None
        for key in brings(message):
            lot.wake(key)
        lot.release(message.message_id, "applied")
        return lot

    def after_refusal(self, batch: MutableMapping[UUID, Any], message: Message) -> ParkingLot | None:
        lot = self.lot(batch)
        if lot is None or message.message_id not in lot.waiting:
            return None
        lot.release(message.message_id, "refused")
        return lot

    def after_error(
        self, batch: MutableMapping[UUID, Any], message: Message, error: Exception
    ) -> tuple[Outcome, ParkingLot | None]:
        """Parked if it waits for something (and has not waited its time); else its refusal."""
        refusal = refusal_of(message, error)
        if not isinstance(error, NotYetKnown) or not error.awaits:
            return refusal, self.after_refusal(batch, message)
        now = max(self.clock or message.occurred_at, message.occurred_at)
        lot = self.lot(batch)
        before = lot.waiting.get(message.message_id) if lot is not None else None
        if lot is not None and before is not None and now - before.since >= self.max_wait:
            lot.release(message.message_id, "expired")
            waited = int((now - before.since).total_seconds() // 60)
            return replace(
                refusal, detail=f"{refusal.detail}; waited {waited} minutes for {error.awaits}"
            ), lot
        if lot is None:
            lot = ParkingLot()
            batch[LOT_ID] = self.last_lot = lot
        lot.park(message, error.awaits, refusal.detail, refusal.field, now)
        return parked(message, error.awaits, refusal), lot

    def due(self) -> list[Parked]:
        """What to judge again now, read afresh (the lot last seen may be one a refused save left)."""
        if self.last_lot is None or not self.last_lot.waiting or self.clock is None:
            return []
        lot = self.lot({})
        return lot.due(self.clock, self.max_wait) if lot is not None else []

    def waiting(self) -> int:
        return len(self.listed())

    def listed(self) -> list[Parked]:
        """The messages waiting, as stored now, in the order they were first parked."""
        lot = self.lot({})
        return sorted(lot.waiting.values(), key=lambda p: p.seq) if lot is not None else []


def parked(message: Message, awaits: str, refusal: Outcome) -> Outcome:
    detail = f"waits for {awaits}: {refusal.detail}"
    return Outcome(Status.PARKED, message.message_id, message.type, detail, refusal.field)


PARKING_LOT_EVENTS = (
    ParkingLot.Opened,
    ParkingLot.MessageParked,
    ParkingLot.Woken,
    ParkingLot.MessageReleased,
)
