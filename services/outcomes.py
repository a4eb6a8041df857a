"""What became of one upstream message: applied, a duplicate, or refused with a reason.

The engine returns one per message; the Kafka consumer, the CLI and the tests
read them, and refusals become dead letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from services.contracts import Message
from services.errors import MessageRejected
from services.inbox import AppliedMessage, fingerprint


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


def repeat_of(message: Message, first: AppliedMessage) -> Outcome:
    """A message whose id was applied before: a duplicate, or a different message reusing the id.

    The same words whether the first one is in the store or earlier in the same batch, so a
    batch decided again message by message keeps the same dead letters.
    """
    mtype = message.type  # type: ignore[attr-defined]
    if fingerprint(message) == first.fingerprint:
        return Outcome(Status.DUPLICATE, message.message_id, mtype, "already applied: nothing changed")
    return Outcome(
        Status.REJECTED,
        message.message_id,
        mtype,
        f"message_id was already used by a different {first.message_type} message",
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
