"""Deciding: messages applied to the aggregates in memory, giving what to save and what was refused.

Nothing here writes to the store: a decided batch is handed to a writer
(services/writing.py) by the engine, which also owns the cache and so evicts
what a refused or unsaved decision touched. A message is all-or-nothing: one
refused before it changed anything leaves only its inbox entry, and the batch
goes on; one refused half-way ends the decided part (`Decided.refused_at`),
for the engine to evict and decide again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.persistence import Tracking

from domain.errors import DomainError, NotYetKnown
from domain.eta import DEFAULT_ETA_POLICY
from domain.values import Cause
from services.contracts import Message
from services.errors import MessageRejected
from services.handlers import HANDLERS
from services.inbox import AppliedMessage, RefusedMessage
from services.inbox_check import BatchInbox, Entries
from services.outcomes import Outcome, Status
from services.parking import DEFAULT_MAX_WAIT, LOT_ID, Parking
from services.processing import Intervals, Processing
from services.refusals import changed_anything, is_refusable
from services.session import Session

Letters = Callable[[list[Outcome]], list[Any]]  # outcomes so far -> dead letters to keep


@dataclass
class Decided:
    """A batch decided in memory, up to the first message refused half-way (if any)."""

    outcomes: list[Outcome]
    processing: Processing  # events to save: the aggregates', the inbox entries, the dead letters
    touched: dict[UUID, Any]  # what the messages read or changed, and the entries they made
    refused_at: int | None = None
    error: Exception | None = None


@dataclass
class DecidedOne:
    """One message decided: applied (its events and inbox entry), or refused (its entry alone)."""

    outcome: Outcome
    processing: Processing
    touched: dict[UUID, Any]  # what it read or changed, evicted if refused or not saved


class Decider:
    def __init__(
        self,
        repository: Repository[UUID],
        default_policy: str,
        read_entries: Entries,
        max_wait: timedelta = DEFAULT_MAX_WAIT,
        default_eta_policy: str = DEFAULT_ETA_POLICY,
        intervals: Intervals | None = None,
    ) -> None:
        self.repository = repository
        self.intervals = intervals or {}  # the application's snapshot intervals (services/processing.py)
        self.default_policy = default_policy
        self.default_eta_policy = default_eta_policy
        self.read_entries = read_entries  # inbox entries, from the cache or the store
        # Message id -> seconds it is decided after a message with a later business time. Set by
        # the edge that orders messages (infra/kafka/fairness.py), which knows it, and cleared
        # by it once they are written; the contracts stay what upstream sent.
        self.late: dict[str, int] = {}
        self.parking = Parking(repository, max_wait)  # early messages wait there

    def inbox(self, messages: Sequence[Message], read: bool = True) -> BatchInbox:
        """The messages' inbox entries; `read=False` reads none (the store refuses a second entry)."""
        return BatchInbox(self.read_entries if read else None, messages)

    def session(self, message: Message, careful: bool, batch: dict[UUID, Any] | None = None) -> Session:
        session = Session(
            self.repository,
            message,
            self.default_policy,
            careful=careful,
            batch=batch,
            default_eta_policy=self.default_eta_policy,
        )
        session.late_by_seconds = self.late.get(message.message_id)
        return session

    def decide_one(self, session: Session, inbox: BatchInbox) -> DecidedOne:
        """The session's message decided; an error neither it nor the message caused is raised."""
        message = session.message
        try:
            apply(session, message)
        except Exception as error:
            if not isinstance(error, MessageRejected | DomainError) and not is_refusable(error, message):
                raise
            return self.not_applied(message, error, inbox, session.touched)
        self.parking.after_applied(session.touched, message)  # the lot, if changed, is in `touched`
        processing = collected(*session.touched.values(), inbox.applied(message), intervals=self.intervals)
        return DecidedOne(applied(message, _own_events(processing.events)), processing, session.touched)

    def not_applied(
        self, message: Message, error: Exception, inbox: BatchInbox, touched: dict[UUID, Any]
    ) -> DecidedOne:
        """Parked (it waits for something another message brings), or refused: recorded alone.

        What the message changed before its error is not saved: the engine evicts `touched`,
        and caches what is saved (its inbox entry or the parking lot) once it is.
        """
        if isinstance(error, NotYetKnown):
            # A message applied before is a duplicate, whatever it would wait for now. The fast
            # first attempt reads no inbox entry (the store refuses a second one), and parking
            # writes none: read it.
            known = self.inbox([message]).known(message)
            if known is not None:
                return DecidedOne(known, Processing(intervals=self.intervals), touched)
        lot_only: dict[UUID, Any] = {}
        outcome, lot = self.parking.after_error(lot_only, message, error)
        entries = [] if outcome.status is Status.PARKED else [inbox.refused(message, outcome)]
        return DecidedOne(
            outcome, collected(*entries, lot, intervals=self.intervals), {**touched, **lot_only}
        )

    def decide(
        self, messages: Sequence[Message], tracking: Tracking | None, letters: Letters, retry: bool = False
    ) -> Decided:
        """Apply the messages in memory, in order, until one is refused after changing something.

        Messages the inbox knows are answered from it; a message refused before it
        changed anything is recorded as refused and the batch goes on. One refused
        half-way (or failing unexpectedly) ends the decided part.
        """
        processing = Processing(tracking=tracking, intervals=self.intervals)
        touched: dict[UUID, Any] = {}
        inbox = self.inbox(messages)
        outcomes: list[Outcome] = []
        for index, message in enumerate(messages):
            known = inbox.known(message, retry)
            if known is not None:
                outcomes.append(known)
                continue
            session = self.session(message, careful=False, batch=touched)
            try:
                apply(session, message)
            except Exception as error:
                unexpected = not isinstance(error, MessageRejected | DomainError)
                if unexpected and not is_refusable(error, message):
                    raise
                if unexpected or changed_anything(session):
                    touched.update(inbox.changed)
                    return Decided(outcomes, processing, touched, refused_at=index, error=error)
                outcome, lot = self.parking.after_error(touched, message, error)
                if outcome.status is not Status.PARKED:
                    processing.collect_events(inbox.refused(message, outcome))
                processing.collect_events(lot)
                outcomes.append(outcome)
                continue
            lot = self.parking.after_applied(touched, message)
            before = len(processing.events)
            processing.collect_events(*session.touched.values(), inbox.applied(message), lot)
            outcomes.append(applied(message, _own_events(processing.events[before:])))
        touched.update(inbox.changed)  # evicted with the rest if the store refuses the batch
        processing.collect_events(*letters(outcomes))
        return Decided(outcomes, processing, touched)


def apply(session: Session, message: Message) -> None:
    """The message's handler, on the aggregates the session reads and collects."""
    HANDLERS[type(message)](session, message, cause_of(message, session.late_by_seconds))


def _own_events(events: Sequence[Any]) -> int:
    """A message's events, less its inbox entry's and the parking lot's."""
    return sum(1 for e in events if e.originator_id != LOT_ID and not _is_entry(e))


def _is_entry(event: Any) -> bool:
    return isinstance(event, AppliedMessage.Event | RefusedMessage.Event)


def applied(message: Message, events: int) -> Outcome:
    return Outcome(Status.APPLIED, message.message_id, message.type, events=events)


def collected(*objs: Any, intervals: Intervals | None = None) -> Processing:
    processing = Processing(intervals=intervals)
    processing.collect_events(*objs)
    return processing


def no_letters(outcomes: list[Outcome]) -> list[Any]:
    return []


def cause_of(message: Message, late_by_seconds: int | None = None) -> Cause:
    return Cause(message_id=message.message_id, at=message.occurred_at, late_by_seconds=late_by_seconds)
