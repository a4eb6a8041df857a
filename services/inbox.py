"""The inbox: what became of each message id, saved with the message's effects.

One entry per message id, at one aggregate id, created in the same atomic
save as everything the message changed: a second attempt to record anything
for the same id fails on the store's uniqueness constraint even across
processes (exactly-once without locks), and the engine then reads the entry.

An applied message leaves an `AppliedMessage`. A refused message leaves a
`RefusedMessage` with its fingerprint and why. Without it, a re-sent file
was judged again against a state that had moved on: a cancel refused because
its order did not exist yet was applied on the second ingest. Sent again, a
refused message is reported as refused before and changes nothing; a
corrected message (same id, other content) or an explicit retry is judged
again: refused, the refusal is added to the entry; applied, the entry says
so (`CorrectionApplied`, which closes the message's events as `Applied` does).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from hashlib import sha256
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.domain import event

from domain.base import Aggregate
from services.contracts import Message


class AppliedMessage(Aggregate):
    class Event(Aggregate.Event):
        """Declared so the events below can name it, and type checkers see them."""

    class Applied(Aggregate.Created, Event):
        message_id: str
        message_type: str
        fingerprint: str
        # Who handed the message in (metadata, not in the fingerprint); entries stored before
        # it was kept, and messages no edge named, have none.
        by: str | None = None
        # The message as applied (its JSON dump, the source document what-ifs and auditors re-read);
        # None in entries stored before it was kept.
        content: dict[str, Any] | None = None

    @staticmethod
    def create_id(message_id: str) -> UUID:
        return applied_id(message_id)

    @event(Applied)
    def __init__(
        self,
        message_id: str,
        message_type: str,
        fingerprint: str,
        by: str | None = None,
        content: dict[str, Any] | None = None,
    ) -> None:
        self.message_id = message_id
        self.message_type = message_type
        self.fingerprint = fingerprint
        self.by = by
        self.content = content

    class ContentRecorded(Event):
        """The content of an entry stored before contents were kept, attached later (backfill)."""

        content: dict[str, Any]

    def record_content(self, content: dict[str, Any]) -> None:
        """Attach the message's content to an entry that has none: it must hash to the fingerprint."""
        _check_content(self.content, self.fingerprint, content, self.message_id)
        self._content_recorded(content=content)

    @event(ContentRecorded)
    def _content_recorded(self, content: dict[str, Any]) -> None:
        self.content = content

    @classmethod
    def of(cls, message: Message) -> AppliedMessage:
        content = message.model_dump(mode="json")
        return cls(
            message_id=message.message_id,
            message_type=message.type,
            fingerprint=digest(content),
            by=message.by,
            content=content,
        )


class RefusedMessage(Aggregate):
    """Every content refused under one message id, and the content applied at last, if one was."""

    class Event(Aggregate.Event):
        """Declared so the events below can name it, and type checkers see them."""

    class Refused(Aggregate.Created, Event):
        message_id: str
        message_type: str
        fingerprint: str
        reason: str
        field: str | None
        # When the refused message occurred (time travel names refusals judged out of order:
        # services/time_travel/moment.py); None in entries stored before it was kept.
        occurred_at: datetime | None = None

    class RefusedAgain(Event):
        message_type: str
        fingerprint: str
        reason: str
        field: str | None
        occurred_at: datetime | None = None  # as Refused's

    class CorrectionApplied(Event):
        message_id: str
        message_type: str
        fingerprint: str
        by: str | None = None  # as AppliedMessage.Applied's
        content: dict[str, Any] | None = None  # as AppliedMessage.Applied's

    @staticmethod
    def create_id(message_id: str) -> UUID:
        return applied_id(message_id)

    @event(Refused)
    def __init__(
        self,
        message_id: str,
        message_type: str,
        fingerprint: str,
        reason: str,
        field: str | None,
        occurred_at: datetime | None = None,
    ) -> None:
        self.message_id = message_id
        self.refusals: dict[str, tuple[str, str | None]] = {fingerprint: (reason, field)}
        self.message_type: str | None = None  # of the content applied, once one is
        self.fingerprint: str | None = None
        self.by: str | None = None
        self.content: dict[str, Any] | None = None

    @event(RefusedAgain)
    def refused_again(
        self,
        message_type: str,
        fingerprint: str,
        reason: str,
        field: str | None,
        occurred_at: datetime | None = None,
    ) -> None:
        self.refusals[fingerprint] = (reason, field)

    @event(CorrectionApplied)
    def correction_applied(
        self,
        message_id: str,
        message_type: str,
        fingerprint: str,
        by: str | None = None,
        content: dict[str, Any] | None = None,
    ) -> None:
        self.message_type = message_type
        self.fingerprint = fingerprint
        self.by = by
        self.content = content

    class ContentRecorded(Event):
        """As AppliedMessage.ContentRecorded, for the content applied at last under a refused id."""

        content: dict[str, Any]

    def record_content(self, content: dict[str, Any]) -> None:
        if self.fingerprint is None:
            raise ContentMismatch(f"message {self.message_id}: no content was applied under this id")
        _check_content(self.content, self.fingerprint, content, self.message_id)
        self._content_recorded(content=content)

    @event(ContentRecorded)
    def _content_recorded(self, content: dict[str, Any]) -> None:
        self.content = content

    @property
    def applied(self) -> bool:
        return self.fingerprint is not None

    def refusal_of(self, message: Message) -> tuple[str, str | None] | None:
        """Why this very content was refused, if it was."""
        return self.refusals.get(fingerprint(message))


class ContentMismatch(ValueError):
    """A content offered for an inbox entry is not the one applied (or the entry has one already)."""


def _check_content(
    kept: dict[str, Any] | None, fingerprint: str, content: dict[str, Any], message_id: str
) -> None:
    if kept is not None:
        raise ContentMismatch(f"message {message_id}: its content is kept already")
    if digest(content) != fingerprint:
        raise ContentMismatch(f"message {message_id}: the content does not hash to the fingerprint applied")


@lru_cache(maxsize=100_000)  # asked before, during and after a message is decided
def applied_id(message_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:message:{message_id}")


def fingerprint(message: Message) -> str:
    return digest(message.model_dump(mode="json"))


def digest(content: dict[str, Any]) -> str:
    """A message's fingerprint from its JSON dump (its stored `content` hashes to it)."""
    return sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
