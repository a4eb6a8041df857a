"""Many messages per transaction, each still all-or-nothing; written behind if asked.

One commit per message caps throughput at the store's commit rate; a batch
shares one. `submit_batch` decides a batch and, with write-behind
(services/write_behind.py), hands its save to the writer and returns; the
outcomes are final once the batch is settled (`PendingBatch.result`), which
the next submission, a read of the store's positions and a clean stop do.
`handle_batch` is submit-and-settle. One thread submits and settles (the
consumer's); the writer thread only writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from domain.errors import DomainError
from domain.values import Cause
from services.contracts import Message
from services.errors import MessageRejected
from services.handlers import HANDLERS
from services.inbox_check import BatchInbox
from services.outcomes import Outcome, Status, refusal_of
from services.processing import Processing
from services.refusals import changed_anything, is_refusable
from services.session import Session
from services.warm import warm
from services.write_behind import WriteBehind, WriteStuck

if TYPE_CHECKING:
    from services.engine import Engine

Letters = Callable[[list[Outcome]], list[Any]]  # outcomes so far -> dead letters to keep


@dataclass
class Decided:
    """A batch decided in memory, up to the first refused message (if any)."""

    outcomes: list[Outcome]
    processing: Processing
    touched: dict[UUID, Any]
    refused_at: int | None = None
    error: Exception | None = None


@dataclass
class PendingBatch:
    """A batch handed to the writer; `result()` waits for it and gives the final outcomes."""

    engine: Engine
    messages: Sequence[Message]
    tracking: Tracking | None
    letters: Letters
    outcomes: list[Outcome]
    cached: dict[UUID, Any] = field(default_factory=dict)  # evicted if the store refuses the batch
    written: Future[Sequence[int]] | None = None
    failed: BaseException | None = None  # the store could not be written: nothing of it was kept

    def result(self) -> list[Outcome]:
        if self.engine.in_flight is self:
            self.engine.settle()
        if self.failed is not None:
            raise self.failed
        return self.outcomes


class Batching:
    """The engine's batch path (mixed into `Engine`)."""

    write_behind: WriteBehind | None = None
    in_flight: PendingBatch | None = None
    write_timeout: float = 120.0  # seconds; set from ANTRIAN_WRITE_TIMEOUT_SECONDS

    def handle_batch(
        self: Engine,
        messages: Sequence[Message],
        tracking: Tracking | None = None,
        dead_letters: Letters | None = None,
        retry: bool = False,
    ) -> list[Outcome]:
        """Apply many messages in one transaction, each still all-or-nothing.

        A message refused before it changed anything is recorded as refused (with
        its fingerprint: sent again, it is answered "refused before" and not judged
        again unless `retry`) and the batch goes on. One refused half-way leaves no
        trace: the batch's aggregates are evicted, the messages before it are applied
        again from the store's state, and the rest go on. `tracking` (the feed's
        position after the last message) and the `dead_letters` made from the
        refusals are recorded in the same transaction as the last part, so a crash
        repeats or loses nothing.
        """
        return self.submit_batch(messages, tracking, dead_letters, retry).result()

    def submit_batch(
        self: Engine,
        messages: Sequence[Message],
        tracking: Tracking | None = None,
        dead_letters: Letters | None = None,
        retry: bool = False,
    ) -> PendingBatch:
        """Decide a batch; with write-behind, leave its save to the writer.

        Decided on top of the batch still being written: if the store refuses
        that one, this one is decided again after it (`settle`). A batch with a
        refused message is handled at once, on settled state.
        """
        letters = dead_letters or _no_letters
        if self.write_behind is None or retry:
            self.settle()
            with self.write_lock:
                done = self._now(messages, tracking, letters, retry)
                self._leave_mark()
                return done
        self.catch_up()
        warm(self, messages)
        decided = self._decide(messages, tracking, letters)
        if decided.refused_at is not None:
            self._forget_all(decided.touched)
            self.settle()
            return self._now(messages, tracking, letters)
        write = self._write_for(decided.processing)
        self._cache_saved(decided.processing)
        # In the cache from now on, so evicted if the store refuses them: what the messages
        # read and changed, and the inbox entries and dead letters they made.
        cached = {**decided.touched, **decided.processing.aggregates}
        if not self.settle(decided_on_top=cached):
            return self._now(messages, tracking, letters)
        pending = PendingBatch(self, messages, tracking, letters, decided.outcomes, cached)
        pending.written = self.write_behind.submit(write)
        self.in_flight = pending
        return pending

    def settle(self: Engine, decided_on_top: dict[UUID, Any] | None = None) -> bool:
        """Wait for the batch being written; False if the store refused it and it was redone.

        Then what was `decided_on_top` of it is evicted too, for the caller to decide again.
        Any other failure of the write evicts both and is raised.
        """
        pending, self.in_flight = self.in_flight, None
        if pending is None or pending.written is None:
            return True
        try:
            ids = pending.written.result(timeout=self.write_timeout)
        except FutureTimeout:
            self._forget_all(decided_on_top or {})
            self._forget_all(pending.cached)
            pending.failed = WriteStuck(
                f"a batch of {len(pending.messages)} message(s) has been writing for more than "
                f"{self.write_timeout:.0f} s (ANTRIAN_WRITE_TIMEOUT_SECONDS): the engine stops"
            )
            raise pending.failed from None
        except BaseException as error:
            self._forget_all(decided_on_top or {})
            self._forget_all(pending.cached)
            if not isinstance(error, IntegrityError):
                pending.failed = error
                raise
            pending.outcomes = self._one_by_one(pending.messages, pending.tracking, pending.letters)
            return False
        self._passed_own(ids)
        return True

    def record_refusal(self: Engine, message: Message, refusal: Outcome) -> None:
        """The inbox's record of a message refused half-way, saved alone once its batch is saved.

        Another writer that recorded a refusal of the same id first keeps its record (and the
        entry this one added to, maybe the cached one, is evicted).
        """
        with suppress(IntegrityError):
            self._save_entry(BatchInbox(self, [message]).refused(message, refusal))

    def record_refused(self: Engine, letters: Callable[[], Sequence[Any]], tracking: Tracking | None) -> None:
        """Keep dead letters, with the feed position past them, in one transaction.

        `letters` makes fresh aggregates: after a refused save the first ones
        have given up their pending events.
        """
        processing = Processing(tracking=tracking)
        processing.collect_events(*letters())
        try:
            self._save_processing(processing)
        except IntegrityError:  # some were kept before (a redelivery): keep the others
            for letter in letters():
                with suppress(IntegrityError):
                    self.save(letter)
            if tracking is not None:
                with suppress(IntegrityError):  # another instance recorded it first
                    self._save_processing(Processing(tracking=tracking))

    def _now(
        self: Engine,
        messages: Sequence[Message],
        tracking: Tracking | None,
        letters: Letters,
        retry: bool = False,
    ) -> PendingBatch:
        """The batch handled at once, on settled state: a batch that is already done."""
        return PendingBatch(
            self, messages, tracking, letters, self._handle_settled(messages, tracking, letters, retry)
        )

    def _handle_settled(
        self: Engine,
        messages: Sequence[Message],
        tracking: Tracking | None,
        letters: Letters,
        retry: bool = False,
    ) -> list[Outcome]:
        """The batch decided and saved now, nothing being written meanwhile."""
        self.catch_up()
        warm(self, messages)
        outcomes: list[Outcome] = []
        start = 0
        while True:
            done, refused = self._try_batch(
                messages[start:], tracking, lambda part: letters([*outcomes, *part]), retry
            )
            outcomes.extend(done)
            if refused is None:
                return outcomes
            start += len(done) + 1
            outcomes.append(refused)
            if start == len(messages):
                self.record_refused(lambda: letters(outcomes), tracking)
                return outcomes

    def _decide(
        self: Engine,
        messages: Sequence[Message],
        tracking: Tracking | None,
        letters: Letters,
        retry: bool = False,
    ) -> Decided:
        """Apply the messages in memory, in order, until one is refused after changing something.

        Messages the inbox knows are answered from it; a message refused before it
        changed anything is recorded as refused and the batch goes on. One refused
        half-way (or failing unexpectedly) ends the decided part: the caller evicts
        what the batch touched and decides the rest again (`refused_at`).
        """
        processing = Processing(tracking=tracking)
        touched: dict[UUID, Any] = {}
        inbox = BatchInbox(self, messages)
        outcomes: list[Outcome] = []
        for index, message in enumerate(messages):
            known = inbox.known(message, retry)
            if known is not None:
                outcomes.append(known)
                continue
            session = Session(self.repository, message, self.default_policy, careful=False, batch=touched)
            try:
                HANDLERS[type(message)](session, message, cause_of(message))
            except Exception as error:
                unexpected = not isinstance(error, MessageRejected | DomainError)
                if unexpected and not is_refusable(error, message):
                    raise
                if unexpected or changed_anything(session):
                    touched.update(inbox.changed)
                    return Decided(outcomes, processing, touched, refused_at=index, error=error)
                refusal = refusal_of(message, error)
                processing.collect_events(inbox.refused(message, refusal))
                outcomes.append(refusal)
                continue
            before = len(processing.events)
            processing.collect_events(*session.touched.values(), inbox.applied(message))
            events = len(processing.events) - before - 1
            outcomes.append(Outcome(Status.APPLIED, message.message_id, message.type, events=events))  # type: ignore[attr-defined]
        touched.update(inbox.changed)  # evicted with the rest if the store refuses the batch
        processing.collect_events(*letters(outcomes))
        return Decided(outcomes, processing, touched)

    def _try_batch(
        self: Engine,
        messages: Sequence[Message],
        tracking: Tracking | None,
        letters: Letters,
        retry: bool = False,
    ) -> tuple[list[Outcome], Outcome | None]:
        """Outcomes of the applied prefix, and the refusal that ended it (if any)."""
        decided = self._decide(messages, tracking, letters, retry)
        if decided.refused_at is not None:
            self._forget_all(decided.touched)
            message = messages[decided.refused_at]
            assert decided.error is not None
            refusal = refusal_of(message, decided.error)
            done = self._apply_prefix(messages[: decided.refused_at], retry)
            self.record_refusal(message, refusal)
            return done, refusal
        try:
            self._save_processing(decided.processing)
        except IntegrityError:
            # A duplicate or a concurrent writer: fall back to one message at a time.
            self._forget_all(decided.touched)
            return self._one_by_one(messages, tracking, letters, retry), None
        except BaseException:
            self._forget_all(decided.touched)
            raise
        return decided.outcomes, None

    def _one_by_one(
        self: Engine,
        messages: Sequence[Message],
        tracking: Tracking | None,
        letters: Letters,
        retry: bool = False,
    ) -> list[Outcome]:
        outcomes = [self.handle(message, retry) for message in messages]
        self.record_refused(lambda: letters(outcomes), tracking)
        return outcomes

    def _apply_prefix(self: Engine, messages: Sequence[Message], retry: bool) -> list[Outcome]:
        # Another writer may have changed the state since the first pass (e.g. taken
        # the units a later shipment in the prefix counted on), so a message applied
        # then may be refused now: the prefix is a batch like any other.
        return self._handle_settled(messages, None, _no_letters, retry) if messages else []


def _no_letters(outcomes: list[Outcome]) -> list[Any]:
    return []


def cause_of(message: Message) -> Cause:
    return Cause(message_id=message.message_id, at=message.occurred_at)
