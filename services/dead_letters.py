"""Dead letters: refused messages, kept in the event store with why.

A refused message is recorded in the same store as everything else - in the
transaction that also moves the feed position past it - so it can never be
lost between "refused" and "reported". The relay then publishes it to the
dead-letter topic like any other event.
"""

from __future__ import annotations

import base64
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import Aggregate


class DeadLetter(Aggregate):
    class Event(Aggregate.Event):
        """Declared so the events below can name it, and type checkers see them."""

    class Recorded(Aggregate.Created, Event):
        source: str
        original_b64: str
        key_b64: str | None
        message_id: str | None
        message_type: str | None
        field: str | None
        reason: str

    @staticmethod
    def create_id(source: str) -> UUID:
        return dead_letter_id(source)

    @event(Recorded)
    def __init__(
        self,
        source: str,  # e.g. "antrian.orders:2:1041" (topic:partition:offset) or "file.jsonl:12"
        original_b64: str,
        key_b64: str | None,
        message_id: str | None,
        message_type: str | None,
        field: str | None,
        reason: str,
    ) -> None:
        self.source = source
        self.reason = reason

    @classmethod
    def of(
        cls,
        source: str,
        original: bytes,
        key: bytes | None,
        message_id: str | None,
        message_type: str | None,
        field: str | None,
        reason: str,
    ) -> DeadLetter:
        return cls(
            source=source,
            original_b64=base64.b64encode(original).decode(),
            key_b64=base64.b64encode(key).decode() if key is not None else None,
            message_id=message_id,
            message_type=message_type,
            field=field,
            reason=reason,
        )


def dead_letter_id(source: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:dead-letter:{source}")
