"""When an error while deciding a message is the message's refusal, and what it leaves to undo.

Whatever a message holds, the worst it may do is be refused with a reason:
one date that overflowed once stopped ingest for good, and every re-run
stopped at the same line. So an unexpected error while deciding (an
OverflowError, a ValueError from a value the contracts let through) refuses
that message, logged with its traceback, and the rest go on. Errors of the
store or the machine are not the message's fault: they are raised, and the
batch is not applied.
"""

from __future__ import annotations

import logging

from eventsourcing.persistence import PersistenceError

from services.contracts import Message
from services.session import Session

log = logging.getLogger(__name__)

NOT_THE_MESSAGE = (PersistenceError, OSError, MemoryError, RecursionError)


def is_refusable(error: Exception, message: Message) -> bool:
    """True for an unexpected error the message caused (logged); False for the store's or the machine's."""
    if isinstance(error, NOT_THE_MESSAGE):
        return False
    log.error(
        "message %s (%s) could not be applied and is refused: %s",
        message.message_id,
        message.type,
        error,
        exc_info=error,
    )
    return True


def changed_anything(session: Session) -> bool:
    """Did the refused message change an aggregate before it was refused?

    Aggregates change only through events, and a batch collects each applied
    message's events as it goes, so events still pending are this message's.
    A message refused before changing anything (most refusals: an unknown
    order, a rule checked first) leaves nothing to undo, and its batch goes on.
    """
    return any(aggregate.pending_events for aggregate in session.touched.values())
