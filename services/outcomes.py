"""What became of one upstream message: applied, a duplicate, refused with a reason, or refused before.

The engine returns one per message; the Kafka consumer, the CLI and the tests
read them, and refusals become dead letters.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

from domain.errors import DomainError
from services.contracts import Message
from services.errors import MessageRejected
from services.inbox import AppliedMessage, RefusedMessage, fingerprint


class Status(str, Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    REFUSED_BEFORE = "refused_before"  # the same content was refused under this id: not judged again
    PARKED = "parked"  # early: waits for what another message brings (services/parking.py)

    @property
    def refused(self) -> bool:
        return self in (Status.REJECTED, Status.REFUSED_BEFORE)


@dataclass(frozen=True)
class Outcome:
    status: Status
    message_id: str | None
    message_type: str | None = None
    detail: str = ""
    field: str | None = None
    events: int = 0
    # The refusing error's class (module.Class), for the dead letter; not part of what happened.
    error: str | None = dataclasses.field(default=None, compare=False)


def repeat_of(message: Message, first: AppliedMessage | RefusedMessage) -> Outcome:
    """A message whose id was applied before: a duplicate, or a different message reusing the id.

    The same words whether the first one is in the store or earlier in the same batch, so a
    batch decided again message by message keeps the same dead letters.
    """
    mtype = message.type
    if fingerprint(message) == first.fingerprint:
        return Outcome(Status.DUPLICATE, message.message_id, mtype, "already applied: nothing changed")
    return Outcome(
        Status.REJECTED,
        message.message_id,
        mtype,
        f"message_id was already used by a different {first.message_type} message",
        "message_id",
    )


def refused_before(message: Message, record: RefusedMessage) -> Outcome | None:
    """The outcome of a message whose very content was refused under its id, if it was."""
    refusal = record.refusal_of(message)
    if refusal is None:
        return None
    reason, field = refusal
    mtype = message.type
    return Outcome(Status.REFUSED_BEFORE, message.message_id, mtype, f"refused before: {reason}", field)


def refusal_of(message: Message, error: Exception) -> Outcome:
    if isinstance(error, MessageRejected):
        return outcome_of(error)
    detail = (
        str(error)
        if isinstance(error, DomainError)
        else f"could not be applied: {type(error).__name__}: {error}"
    )
    return Outcome(
        Status.REJECTED,
        message.message_id,
        message.type,
        detail,
        getattr(error, "field", None),
        error=class_name(error),
    )


def outcome_of(rejected: MessageRejected) -> Outcome:
    return Outcome(
        Status.REJECTED,
        rejected.message_id,
        rejected.message_type,
        rejected.reason,
        rejected.field,
        error=class_name(rejected),
    )


def class_name(error: Exception) -> str:
    return f"{type(error).__module__}.{type(error).__qualname__}"
