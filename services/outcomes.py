"""What became of one upstream message: applied, a duplicate, or refused with a reason.

The engine returns one per message; the Kafka consumer, the CLI and the tests
read them, and refusals become dead letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from services.contracts import Message
from services.errors import MessageRejected
from services.inbox import fingerprint


class Status(str, Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    status: Status
    message_id: str | None
    message_type: str | None = None
    detail: str = ""
    field: str | None = None
    events: int = 0


def repeat_of(message: Message, fingerprint_seen: str) -> Outcome:
    mtype = message.type  # type: ignore[attr-defined]
    if fingerprint(message) == fingerprint_seen:
        return Outcome(Status.DUPLICATE, message.message_id, mtype, "already applied: nothing changed")
    return Outcome(
        Status.REJECTED,
        message.message_id,
        mtype,
        "message_id was already used by a different message",
        "message_id",
    )


def refusal_of(message: Message, error: Exception) -> Outcome:
    if isinstance(error, MessageRejected):
        return outcome_of(error)
    return Outcome(
        Status.REJECTED,
        message.message_id,
        message.type,
        str(error),
        getattr(error, "field", None),  # type: ignore[attr-defined]
    )


def outcome_of(rejected: MessageRejected) -> Outcome:
    return Outcome(
        Status.REJECTED, rejected.message_id, rejected.message_type, rejected.reason, rejected.field
    )
