"""What a batch's message ids already are, read before anything is decided.

A message applied before, or whose very content was refused before, must
be recognised before it is decided again. Found only when the store refused
the batch's save, a re-sent file took many times as long as the first ingest:
every message was decided, refused by the store, then handled alone with a
commit each. Here the batch's inbox entries are read
together (the cache first, then one query) and such messages are answered
from them; the batch's own new entries are added as it goes, so an id
repeated within the batch is answered the same way as one repeated across
batches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Cache

from services.contracts import Message
from services.inbox import AppliedMessage, RefusedMessage, applied_id, fingerprint
from services.outcomes import Outcome, refused_before, repeat_of
from services.writing import BatchWriter

E = TypeVar("E", AppliedMessage, RefusedMessage)
Entries = Callable[[Sequence[UUID]], dict[UUID, Any]]  # the entries of those ids that exist


class BatchInbox:
    """The inbox entries of a batch's message ids, as the batch changes them."""

    def __init__(self, read: Entries | None, messages: Sequence[Message]) -> None:
        """`read=None`: nothing read (a fast first attempt: the store refuses a second entry)."""
        ids = [applied_id(i) for i in dict.fromkeys(message.message_id for message in messages)]
        self.entries: dict[UUID, Any] = read(ids) if read is not None else {}
        self.changed: dict[UUID, Any] = {}  # entries this batch made or added to

    def known(self, message: Message, retry: bool = False) -> Outcome | None:
        """A duplicate, an id reused for other content, or content refused before (unless retried)."""
        entry = self.entries.get(applied_id(message.message_id))
        if entry is None:
            return None
        if isinstance(entry, AppliedMessage) or entry.applied:
            return repeat_of(message, entry)
        return None if retry else refused_before(message, entry)

    def applied(self, message: Message) -> AppliedMessage | RefusedMessage:
        entry: RefusedMessage | None = self.entries.get(applied_id(message.message_id))  # not `known`
        if entry is None:
            return self._keep(AppliedMessage.of(message))
        entry.correction_applied(
            message.message_id,
            message.type,
            fingerprint(message),
            message.by,
            message.model_dump(mode="json"),
        )
        return self._keep(entry)

    def refused(self, message: Message, outcome: Outcome) -> RefusedMessage:
        """The refusal recorded: a new entry, or added to the id's earlier refusals."""
        mtype: str = message.type
        entry: RefusedMessage | None = self.entries.get(applied_id(message.message_id))  # not `known`
        if entry is None:
            return self._keep(
                RefusedMessage(
                    message.message_id,
                    mtype,
                    fingerprint(message),
                    outcome.detail,
                    outcome.field,
                    message.occurred_at,
                )
            )
        entry.refused_again(mtype, fingerprint(message), outcome.detail, outcome.field, message.occurred_at)
        return self._keep(entry)

    def _keep(self, entry: E) -> E:
        self.entries[entry.id] = self.changed[entry.id] = entry
        return entry


def read_entries(cache: Cache[UUID, Any] | None, writer: BatchWriter, ids: Sequence[UUID]) -> dict[UUID, Any]:
    """Those of `ids` that exist: from the cache, else from the store (in one query where it can)."""
    if cache is None:
        return writer.read_many(ids, snapshots=False)
    found: dict[UUID, Any] = {}
    missing = []
    for entry_id in ids:
        try:
            found[entry_id] = cache.get(entry_id)
        except KeyError:
            missing.append(entry_id)
    if missing:
        found.update(writer.read_many(missing, snapshots=False))
    return found
