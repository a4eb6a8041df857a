"""Dead letters: refused messages, kept in the event store with why, and retried on demand.

A refused message is recorded in the same store as everything else - in the
transaction that also moves the feed position past it - so it can never be
lost between "refused" and "reported". The relay then publishes it to the
dead-letter topic like any other event, at least once: its id (derived from
where the record came from) is a header, so consumers drop the repeats.

A letter refused only because something it needed had not arrived yet (a
receipt before its purchase order) goes through when retried after that
arrived. A retry is an event on the letter - who, when, what became of it -
and a letter retried successfully is resolved: retrying it again does nothing.
"""

from __future__ import annotations

import base64
from datetime import datetime
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import Aggregate, Value
from domain.errors import DomainError

# What Kafka Connect names an error's class; ours are Python classes.
REFUSAL_CLASS = "services.errors.MessageRejected"


class LetterResolved(DomainError):
    """The letter was retried successfully already: its message is in."""


class NobodyRetried(DomainError):
    """A retry names who did it."""

    field = "by"


class RetryOutcome(str, Enum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already applied"  # its message id was applied since (sent again upstream)
    REFUSED = "refused"

    @property
    def resolves(self) -> bool:
        return self is not RetryOutcome.REFUSED


class Retry(Value):
    """One retry as `antrian dead-letters` shows it."""

    attempt: int
    by: str
    at: datetime
    outcome: RetryOutcome
    reason: str
    corrected: bool


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
        exception_class: str | None = None  # kept since dead letters are retried; older ones have none

    class Retried(Event):
        attempt: int  # the first judgement was attempt 1
        by: str
        at: datetime  # the clock of whoever retried it, read at the edge
        outcome: RetryOutcome
        reason: str
        field: str | None
        exception_class: str | None
        corrected_b64: str | None  # the corrected version judged, if one was given

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
        exception_class: str | None = None,
    ) -> None:
        self.source = source
        self.original_b64 = original_b64
        self.key_b64 = key_b64
        self.message_id = message_id
        self.message_type = message_type
        self.field = field
        self.reason = reason
        self.exception_class = exception_class
        self.retries: list[Retry] = []

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
        exception_class: str | None = None,
    ) -> DeadLetter:
        return cls(
            source=source,
            original_b64=base64.b64encode(original).decode(),
            key_b64=base64.b64encode(key).decode() if key is not None else None,
            message_id=message_id,
            message_type=message_type,
            field=field,
            reason=reason,
            exception_class=exception_class,
        )

    @property
    def original(self) -> bytes:
        return base64.b64decode(self.original_b64)

    @property
    def key(self) -> bytes | None:
        return base64.b64decode(self.key_b64) if self.key_b64 is not None else None

    @property
    def resolved(self) -> bool:
        return any(retry.outcome.resolves for retry in self.retries)

    def retry(
        self,
        by: str,
        at: datetime,
        outcome: RetryOutcome,
        reason: str,
        field: str | None = None,
        exception_class: str | None = None,
        corrected: bytes | None = None,
    ) -> None:
        """Record what became of judging the letter again (the engine judged it: this only keeps it)."""
        if self.resolved:
            raise LetterResolved(f"dead letter {self.id} is resolved already")
        if not by.strip():
            raise NobodyRetried("a retry names who did it")
        self._retried(
            attempt=len(self.retries) + 2,
            by=by,
            at=at,
            outcome=outcome,
            reason=reason,
            field=field,
            exception_class=exception_class,
            corrected_b64=base64.b64encode(corrected).decode() if corrected is not None else None,
        )

    @event(Retried)
    def _retried(
        self,
        attempt: int,
        by: str,
        at: datetime,
        outcome: RetryOutcome,
        reason: str,
        field: str | None,
        exception_class: str | None,
        corrected_b64: str | None,
    ) -> None:
        corrected = corrected_b64 is not None
        self.retries.append(
            Retry(attempt=attempt, by=by, at=at, outcome=outcome, reason=reason, corrected=corrected)
        )


def dead_letter_id(source: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:dead-letter:{source}")
