"""The engine: applies upstream messages to the aggregates, each message all-or-nothing.

It composes a `Decider` (services/deciding.py), which applies messages in
memory, and a `BatchWriter` (services/writing.py), which saves what was
decided with the feed's position. What is left here is what joins them:
the write lock, retries when another writer came first, batches cut where a
message is refused half-way, and batches written behind (services/saving.py).

Aggregates are cached in memory (a hot SKU's queue is never re-read from
the store on every order) and are not deep-copied out of the cache; the
price is that a message that fails half-way must evict what it touched,
which `handle` does before reporting the rejection.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from datetime import timedelta
from typing import Any, ClassVar
from uuid import UUID

import orjson
from eventsourcing.application import Application, Environment
from eventsourcing.persistence import IntegrityError, Tracking

from domain.allocation import DEFAULT_POLICY, get_policy
from domain.eta import DEFAULT_ETA_POLICY, eta_planner
from domain.order import Order, order_uuid
from domain.stock import Stock, stock_id
from domain.supplier import Supplier, supplier_uuid
from services.cached import Cached
from services.contracts import Message, with_caller
from services.dead_letters import DeadLetter
from services.deciding import Decider, Letters, collected, no_letters
from services.errors import MessageRejected
from services.inbox_check import BatchInbox, read_entries
from services.outcomes import Outcome, Status, outcome_of
from services.parking import Parked, ParkingLot
from services.parsing import parse_message
from services.pending import PendingBatch
from services.saving import Saving
from services.topic_log import TopicLog
from services.warm import warm
from services.writing import BatchWriter, PlainWriter

STOCK_SNAPSHOT_INTERVAL = 200
PARKING_SNAPSHOT_INTERVAL = 100
DEAD_LETTER_TOPIC = "services.dead_letters:DeadLetter.Recorded"
BATCH_CONFLICT_RETRIES = 3  # a refused batch decided again as a batch before going one by one
CONFLICT_RETRIES = 20  # other writers kept changing what this message needs
# Seconds, doubled per attempt (jittered, at most 0.5 s): let the other writer finish.
CONFLICT_BACKOFF = 0.005

Writer = Callable[[Application[UUID]], BatchWriter]  # made once the engine's store is open


class Engine(Application[UUID]):
    name = "Antrian"
    # The lot is one aggregate for the whole store: every park, wake and release is one of its events.
    snapshotting_intervals: ClassVar = {Stock: STOCK_SNAPSHOT_INTERVAL, ParkingLot: PARKING_SNAPSHOT_INTERVAL}
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "100000",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
        # Stale cached aggregates are caught by the store's version check and re-run.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
    }

    def __init__(self, env: dict[str, str] | None = None, writer: Writer = PlainWriter) -> None:
        super().__init__(env)
        # Held while a batch is decided and saved, where the store has no lock of its own
        # for that (a SQLite file: infra/sqlite/lock.py, set by the composition root).
        self.write_lock: AbstractContextManager[Any] = nullcontext()
        self.default_policy = self.env.get("ANTRIAN_DEFAULT_POLICY", DEFAULT_POLICY)
        get_policy(self.default_policy)
        self.default_eta_policy = self.env.get("ANTRIAN_DEFAULT_ETA_POLICY", DEFAULT_ETA_POLICY)
        eta_planner(self.default_eta_policy)
        self.writer = writer(self)
        # Other processes may write to this store (several engines on PostgreSQL).
        self.cached = Cached(self.repository, self.recorder, self.env.get("ANTRIAN_SHARED_STORE", "n") == "y")
        # Minutes of message time an early message waits for what it needs (services/parking.py).
        max_wait = timedelta(minutes=float(self.env.get("ANTRIAN_PARK_MAX_MINUTES", "240")))
        # Saves take a snapshot per interval passed, message by message (services/processing.py).
        self.decider = Decider(
            self.repository,
            self.default_policy,
            self._read_entries,
            max_wait,
            self.default_eta_policy,
            self.snapshotting_intervals,
        )
        self.released: list[Outcome] = []  # parked messages judged again, since last taken
        self._judging_parked = False
        # Seconds a batch's write may take before the engine gives up (`WriteStuck`).
        timeout = float(self.env.get("ANTRIAN_WRITE_TIMEOUT_SECONDS", "120"))
        self.saving = Saving(self.writer, self.cached, timeout)
        # Dead letters read so far: a letter's recording never changes, so each ask reads on from there.
        self._letters: list[Any] = []
        self._letter_log = TopicLog(
            self.recorder,
            [DEAD_LETTER_TOPIC],
            lambda note: self._letters.append(self.mapper.to_domain_event(note)),
        )

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """The library's settings as the composition root gives them, never from the process environment.

        The library merges `os.environ` in: an `ANTRIAN_*` or `POSTGRES_*` variable meant for one
        process would silently configure every engine built in it (the in-memory ones too).
        """
        settings = dict(type(self).env)
        if type(self).snapshotting_intervals:
            settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        settings.update(env or {})
        return Environment(name, settings)

    def construct_recorder(self) -> Any:
        # A process recorder also keeps feed positions, in the same transaction as events.
        return self.factory.process_recorder()

    def catch_up(self) -> None:
        """Evict cached aggregates that other writers changed since this engine last looked."""
        self.cached.catch_up(getattr(self.write_lock, "last_position", None))

    def handle_raw(self, raw: bytes | str | dict[str, Any]) -> Outcome:
        try:
            message = parse_message(raw)
        except MessageRejected as rejected:
            return outcome_of(rejected)
        return self.handle(message)

    def handle(self, message: Message, retry: bool = False) -> Outcome:
        """Apply one message atomically, or refuse it whole and record the refusal.

        The fast path reads nothing it does not need: a message id with an inbox entry
        (applied, or refused before), an order placed twice, or an aggregate changed by
        another writer all end in the store refusing the save (unique versions). Then the
        touched aggregates are evicted and the message is looked at again: answered from
        its inbox entry (a duplicate, or content refused before unless `retry`), or re-run
        on fresh state with the existence checks made (again, after a short jittered
        backoff, while other writers keep changing what it needs).
        """
        with self.write_lock:
            self.settle()
            self.catch_up()
            self.decider.parking.advance([message])
            outcome = self._handle(message, retry)
            self._run_parked()
            self._leave_mark()
            return outcome

    def _leave_mark(self) -> None:
        """Tell the next holder of the write lock how far this engine has seen the log."""
        record = getattr(self.write_lock, "record", None)
        if record is not None:
            record(self.cached.seen)

    def _handle(self, message: Message, retry: bool) -> Outcome:
        for attempt in range(CONFLICT_RETRIES + 1):
            # The first attempt reads nothing: an entry for the id (applied or refused before)
            # makes the store refuse this one's, and the next attempt reads it.
            inbox = self.decider.inbox([message], read=attempt > 0)
            known = inbox.known(message, retry)
            if known is not None:
                return known
            try:
                return self._attempt(message, inbox, careful=attempt > 0)
            except IntegrityError:
                if attempt == CONFLICT_RETRIES:
                    raise
                if attempt:
                    time.sleep(_backoff(message.message_id, attempt))
        raise AssertionError("unreachable")

    def _attempt(self, message: Message, inbox: BatchInbox, careful: bool) -> Outcome:
        session = self.decider.session(message, careful)
        try:
            decided = self.decider.decide_one(session, inbox)
        except BaseException:
            self.cached.forget(session.touched)
            raise
        if decided.outcome.status is not Status.APPLIED:  # refused or parked: its entry or the lot alone
            self.cached.forget(decided.touched)
            if decided.processing.events:  # none for a duplicate found while it would wait
                self.saving.save_or_forget(decided.processing, decided.processing.aggregates)
        else:
            self.saving.save_or_forget(decided.processing, decided.touched)
        return decided.outcome

    def _read_entries(self, ids: Sequence[UUID]) -> dict[UUID, Any]:
        return read_entries(self.repository.cache, self.writer, ids)

    # Batches: many messages per transaction, each still all-or-nothing; written behind if asked.
    # One commit per message caps throughput at the store's commit rate; a batch shares one.
    # One thread submits and settles (the consumer's); the writer's thread only writes.

    def handle_batch(
        self,
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
        self,
        messages: Sequence[Message],
        tracking: Tracking | None = None,
        dead_letters: Letters | None = None,
        retry: bool = False,
    ) -> PendingBatch:
        """Decide a batch; with a writer that writes behind, leave its save to it.

        Decided on top of the batch still being written: if the store refuses
        that one, this one is decided again after it (`settle`). A batch with a
        refused message is handled at once, on settled state. The outcomes are
        final once the batch is settled (`PendingBatch.result`), which the next
        submission, a read of the store's positions and a clean stop do.
        """
        letters = dead_letters or no_letters
        self.decider.parking.advance(messages)
        if not self.writer.writes_behind or retry:
            self.settle()
            with self.write_lock:
                done = self._now(messages, tracking, letters, retry)
                self._run_parked()
                self._leave_mark()
                return done
        pending = self._submit_behind(messages, tracking, letters)
        if self.decider.parking.due():
            pending.result()  # settled: the parked messages are judged on what it wrote
            self._run_parked()
        return pending

    def _submit_behind(
        self, messages: Sequence[Message], tracking: Tracking | None, letters: Letters
    ) -> PendingBatch:
        self.catch_up()
        warm(self.repository.cache, self.writer, messages)
        decided = self.decider.decide(messages, tracking, letters)
        if decided.refused_at is not None:
            self.cached.forget(decided.touched)
            self.settle()
            return self._now(messages, tracking, letters)
        write = self.saving.prepare(decided.processing)
        # In the cache from now on, so evicted if the store refuses them: what the messages
        # read and changed, and the inbox entries and dead letters they made.
        cached = {**decided.touched, **decided.processing.aggregates}
        if not self.settle(decided_on_top=cached):
            return self._now(messages, tracking, letters)
        pending = PendingBatch(messages, tracking, letters, decided.outcomes, cached)
        pending.settle = self._settle_if_in_flight
        return self.saving.hand_over(pending, write)

    def settle(self, decided_on_top: dict[UUID, Any] | None = None) -> bool:
        """Wait for the batch being written; False if the store refused it and it was redone."""
        return self.saving.settle(self._redo, decided_on_top)

    def _redo(self, pending: PendingBatch) -> list[Outcome]:
        """A batch written behind that the store refused, decided and saved again on fresh state."""
        return self._handle_settled(pending.messages, pending.tracking, pending.letters)

    def _settle_if_in_flight(self, pending: PendingBatch) -> None:
        if self.saving.in_flight is pending:
            self.settle()

    def record_not_applied(self, message: Message, error: Exception) -> Outcome:
        """A message refused (or parked) half-way: its inbox entry or the lot, saved alone after its batch.

        Another writer that recorded a refusal of the same id first keeps its record (and the
        entry this one added to, maybe the cached one, is evicted).
        """
        decided = self.decider.not_applied(message, error, self.decider.inbox([message]), {})
        with suppress(IntegrityError):
            self.saving.save_or_forget(decided.processing, decided.processing.aggregates)
        return decided.outcome

    def _run_parked(self) -> None:
        """Judge again the parked messages that were woken or waited their time, first parked first.

        In transactions of their own after the batch that woke them (the wake itself is in
        that batch's): one that applies may wake others, so until none is due. One refused
        at last becomes a dead letter (source `parked:<message id>`, its parsed JSON).
        """
        if self._judging_parked:
            return  # a parked batch decided again message by message: its own loop goes on
        self._judging_parked = True
        try:
            while due := self.decider.parking.due():
                messages = [with_caller(parse_message(parked.message), parked.by) for parked in due]
                self.released.extend(self._handle_settled(messages, None, _parked_letters(messages)))
        finally:
            self._judging_parked = False

    def take_released(self) -> list[Outcome]:
        """Outcomes of parked messages judged again since last asked (for reports and stats)."""
        released, self.released = self.released, []
        return released

    def parked_waiting(self) -> int:
        """Messages parked in the store, waiting still."""
        return self.decider.parking.waiting()

    def parked_messages(self) -> list[Parked]:
        """The parked messages themselves, first parked first (`antrian parked`)."""
        return self.decider.parking.listed()

    @property
    def park_max_wait(self) -> timedelta:
        return self.decider.parking.max_wait

    def record_refused(self, letters: Callable[[], Sequence[Any]], tracking: Tracking | None) -> None:
        """Keep dead letters, with the feed position past them, in one transaction."""
        self.saving.record_refused(letters, tracking)

    def _now(
        self, messages: Sequence[Message], tracking: Tracking | None, letters: Letters, retry: bool = False
    ) -> PendingBatch:
        """The batch handled at once, on settled state: a batch that is already done."""
        return PendingBatch(
            messages, tracking, letters, self._handle_settled(messages, tracking, letters, retry)
        )

    def _handle_settled(
        self, messages: Sequence[Message], tracking: Tracking | None, letters: Letters, retry: bool = False
    ) -> list[Outcome]:
        """The batch decided and saved now, nothing being written meanwhile."""
        self.catch_up()
        warm(self.repository.cache, self.writer, messages)
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

    def _try_batch(
        self,
        messages: Sequence[Message],
        tracking: Tracking | None,
        letters: Letters,
        retry: bool = False,
        attempt: int = 0,
    ) -> tuple[list[Outcome], Outcome | None]:
        """Outcomes of the applied prefix, and the refusal that ended it (if any).

        A batch the store refuses (another engine changed what it read, or applied one of
        its messages first) is decided again as a batch, after catching up with what the
        other wrote, a few times; only then one message at a time. Two engines sharing
        SKUs conflict often, and a batch redone message by message costs a transaction each.
        """
        decided = self.decider.decide(messages, tracking, letters, retry)
        if decided.refused_at is not None:
            self.cached.forget(decided.touched)
            message = messages[decided.refused_at]
            assert decided.error is not None
            done = self._apply_prefix(messages[: decided.refused_at], retry)
            return done, self.record_not_applied(message, decided.error)
        try:
            self.saving.save(decided.processing)
        except IntegrityError:
            self.cached.forget(decided.touched)
            if attempt < BATCH_CONFLICT_RETRIES:
                self.catch_up()
                warm(self.repository.cache, self.writer, messages)
                return self._try_batch(messages, tracking, letters, retry, attempt + 1)
            return self._one_by_one(messages, tracking, letters, retry), None
        except BaseException:
            self.cached.forget(decided.touched)
            raise
        return decided.outcomes, None

    def _one_by_one(
        self, messages: Sequence[Message], tracking: Tracking | None, letters: Letters, retry: bool = False
    ) -> list[Outcome]:
        # Woken messages are judged after the batch, as when it is decided at once (not after
        # the message that woke them): the batch decides the same whichever way it was written.
        nested, self._judging_parked = self._judging_parked, True
        try:
            outcomes = [self.handle(message, retry) for message in messages]
        finally:
            self._judging_parked = nested
        self.record_refused(lambda: letters(outcomes), tracking)
        self._run_parked()
        return outcomes

    def _apply_prefix(self, messages: Sequence[Message], retry: bool) -> list[Outcome]:
        # Another writer may have changed the state since the first pass (e.g. taken
        # the units a later shipment in the prefix counted on), so a message applied
        # then may be refused now: the prefix is a batch like any other.
        return self._handle_settled(messages, None, no_letters, retry) if messages else []

    def save(self, *objs: Any, **kwargs: Any) -> Sequence[int]:  # type: ignore[override]
        """The library's save, written by the engine's writer; notification ids."""
        processing = collected(*objs, intervals=self.snapshotting_intervals)
        processing.saved_kwargs.update(kwargs)
        return self.saving.save(processing)

    def dead_letters(self) -> list[Any]:
        """Every refused message kept in the store, oldest first."""
        self.settle()
        self._letter_log.catch_up()
        return list(self._letters)

    def position(self, feed: str) -> int | None:
        """The last position recorded for a feed (e.g. a Kafka topic partition)."""
        self.settle()
        return self.writer.position(feed)

    def close(self) -> None:
        """Wait for the batch being written (its failure is raised), then close the store."""
        try:
            self.settle()
        finally:
            self.writer.close()
            if hasattr(self.write_lock, "close"):
                self.write_lock.close()
            super().close()

    # Reads used by the command line, the replay and the tests.
    def get_order(self, order_id: str) -> Order:
        return self.repository.get(order_uuid(order_id))

    def get_stock(self, sku: str, version: int | None = None) -> Stock:
        return self.repository.get(stock_id(sku), version=version)

    def get_supplier(self, supplier_id: str) -> Supplier:
        return self.repository.get(supplier_uuid(supplier_id))


def _parked_letters(messages: Sequence[Message]) -> Letters:
    def letters(outcomes: list[Outcome]) -> list[Any]:
        return [
            DeadLetter.of(
                source=f"parked:{message.message_id}",
                original=orjson.dumps(message.model_dump(mode="json")),
                key=None,
                message_id=outcome.message_id,
                message_type=outcome.message_type,
                field=outcome.field,
                reason=outcome.detail,
            )
            for message, outcome in zip(messages, outcomes, strict=False)
            if outcome.status.refused
        ]

    return letters


def _backoff(message_id: str, attempt: int) -> float:
    """Seconds to let another writer finish: doubling, spread by message id (timing only, never a decision)."""
    spread = (zlib.crc32(f"{message_id}:{attempt}".encode()) % 1000) / 1000
    return spread * min(0.5, CONFLICT_BACKOFF * 2.0**attempt)
