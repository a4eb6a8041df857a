"""What customers were told, kept with the event store.

The outbox (projections/notifications) decides what to tell and when it was
sent, but it is a read model: restored from the event store alone, every
notification would be composed and sent again. So each delivery is also
recorded here, one `Notice` per idempotency key, with exactly what was
sent. The notifications read model takes these back in (a restored outbox
knows what each customer heard), and the dispatcher asks before sending.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import event
from eventsourcing.persistence import IntegrityError

from domain.base import Aggregate


class Notice(Aggregate):
    """One notification that reached the channel (a receiver, or the notifications file)."""

    class Event(Aggregate.Event):
        """Declared so the events below can name it, and type checkers see them."""

    class Delivered(Aggregate.Created, Event):
        idempotency_key: str
        subject_key: str
        payload: str
        delivered_at: datetime

    @staticmethod
    def create_id(idempotency_key: str) -> UUID:
        return notice_id(idempotency_key)

    @event(Delivered)
    def __init__(self, idempotency_key: str, subject_key: str, payload: str, delivered_at: datetime) -> None:
        self.idempotency_key = idempotency_key
        self.subject_key = subject_key
        self.payload = payload  # the JSON sent, as sent
        self.delivered_at = delivered_at


@lru_cache(maxsize=10_000)
def notice_id(idempotency_key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:notice:{idempotency_key}")


class NoticeLedger:
    """The dispatcher's view of the notices: was this key delivered, and record that it was.

    Writes go through the engine's store and its write lock (a SQLite file is
    shared with the engine). No decision ever reads a Notice, so a record made
    by another process never makes an engine re-read anything.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def delivered_at(self, idempotency_key: str) -> datetime | None:
        try:
            notice = self.engine.repository.get(notice_id(idempotency_key))
        except AggregateNotFoundError:
            return None
        return notice.delivered_at

    def record(self, idempotency_key: str, subject_key: str, payload: str, delivered_at: datetime) -> None:
        notice = Notice(
            idempotency_key=idempotency_key,
            subject_key=subject_key,
            payload=payload,
            delivered_at=delivered_at,
        )
        with self.engine.write_lock:
            self.engine.settle()
            try:
                self.engine.save(notice)
            except IntegrityError:
                pass  # recorded by an attempt that was interrupted before the outbox heard of it
