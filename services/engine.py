"""The engine: applies upstream messages to the aggregates, one atomic save each.

Aggregates are cached in memory (a hot SKU's queue is never re-read from
the store on every order) and are not deep-copied out of the cache; the
price is that a message that fails half-way must evict what it touched,
which `handle` does before reporting the rejection. Batches, and writing
them behind, are in services/batching.py.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from domain.allocation import DEFAULT_POLICY, get_policy
from domain.errors import DomainError
from domain.order import Order, order_uuid
from domain.stock import Stock, stock_id
from domain.supplier import Supplier, supplier_uuid
from services.batching import Batching, cause_of
from services.contracts import Message
from services.errors import MessageRejected
from services.handlers import HANDLERS
from services.inbox_check import BatchInbox
from services.outcomes import Outcome, Status, outcome_of, refusal_of
from services.parsing import parse_message
from services.processing import Processing
from services.refusals import is_refusable
from services.session import Session
from services.write_behind import Write, WriteBehind, prepare

STOCK_SNAPSHOT_INTERVAL = 200
DEAD_LETTER_TOPIC = "services.dead_letters:DeadLetter.Recorded"
CONFLICT_RETRIES = 20  # other writers kept changing what this message needs
# Seconds, doubled per attempt (jittered, at most 0.5 s): let the other writer finish.
CONFLICT_BACKOFF = 0.005


class Engine(Batching, Application):
    name = "Antrian"
    snapshotting_intervals: ClassVar = {Stock: STOCK_SNAPSHOT_INTERVAL}
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "100000",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
        # Stale cached aggregates are caught by the store's version check and re-run.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
    }

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        # Held while a batch is decided and saved, where the store has no lock of its own
        # for that (a SQLite file: infra/sqlite/lock.py, set by the composition root).
        self.write_lock: AbstractContextManager[Any] = nullcontext()
        self.default_policy = self.env.get("ANTRIAN_DEFAULT_POLICY", DEFAULT_POLICY)
        get_policy(self.default_policy)
        # Other processes may write to this store (several engines on PostgreSQL).
        self.shared_store = self.env.get("ANTRIAN_SHARED_STORE", "n") == "y"
        self._seen = (self.recorder.max_notification_id() or 0) if self.shared_store else 0
        if self.env.get("ANTRIAN_WRITE_BEHIND", "n") == "y":
            self.write_behind = WriteBehind()
        # Seconds a batch's write may take before the engine gives up (services/write_behind.py).
        self.write_timeout = float(self.env.get("ANTRIAN_WRITE_TIMEOUT_SECONDS", "120"))

    def catch_up(self) -> None:
        """Evict cached aggregates that other writers changed since we last looked.

        One read of the notification log per batch, instead of one per
        aggregate read (the library's fast-forwarding). What changes between
        this read and our save is caught by the store's version check.
        """
        cache = self.repository.cache
        if not self.shared_store or cache is None:
            return
        if getattr(self.write_lock, "last_position", None) == self._seen:
            return  # nobody else wrote since our last look (infra/sqlite/lock.py)
        while notes := self.recorder.select_notifications(self._seen + 1, 5000):
            for note in notes:
                with suppress(KeyError):
                    if cache.get(note.originator_id).version < note.originator_version:
                        cache.get(note.originator_id, evict=True)
            self._seen = notes[-1].id

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
            outcome = self._handle(message, retry)
            self._leave_mark()
            return outcome

    def _leave_mark(self) -> None:
        """Tell the next holder of the write lock how far this engine has seen the log."""
        record = getattr(self.write_lock, "record", None)
        if record is not None:
            record(self._seen)

    def _handle(self, message: Message, retry: bool) -> Outcome:
        for attempt in range(CONFLICT_RETRIES + 1):
            # The first attempt reads nothing: an entry for the id (applied or refused before)
            # makes the store refuse this one's, and the next attempt reads it.
            inbox = BatchInbox(self if attempt else None, [message])
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
        mtype = message.type  # type: ignore[attr-defined]
        session = Session(self.repository, message, self.default_policy, careful=careful)
        try:
            HANDLERS[type(message)](session, message, cause_of(message))
        except Exception as error:
            self._forget_all(session.touched)
            if not isinstance(error, MessageRejected | DomainError) and not is_refusable(error, message):
                raise
            refusal = refusal_of(message, error)
            self._save_entry(inbox.refused(message, refusal))
            return refusal
        try:
            ids = self.save(*session.touched.values(), inbox.applied(message))
        except BaseException:
            self._forget_all(session.touched)
            raise
        return Outcome(Status.APPLIED, message.message_id, mtype, events=len(ids) - 1)

    def _save_entry(self, entry: Any) -> None:
        """An inbox entry saved alone; evicted if the store refuses it (another writer's came first)."""
        try:
            self.save(entry)
        except BaseException:
            self._forget_all({entry.id: entry})
            raise

    def dead_letters(self) -> list[Any]:
        """Every refused message kept in the store, oldest first."""
        self.settle()
        found: list[Any] = []
        start = 1
        while notes := self.recorder.select_notifications(start, 1000, topics=[DEAD_LETTER_TOPIC]):
            found.extend(self.mapper.to_domain_event(note) for note in notes)
            start = notes[-1].id + 1
        return found

    def position(self, feed: str) -> int | None:
        """The last position recorded for a feed (e.g. a Kafka topic partition)."""
        self.settle()
        return self.recorder.max_tracking_id(feed)

    def construct_recorder(self) -> Any:
        # A process recorder also keeps feed positions, in the same transaction as events.
        return self.factory.process_recorder()

    def _passed_own(self, ids: Sequence[int]) -> None:
        """Move the catch-up mark past our own events when nobody wrote in between.

        The store's table lock gives one save's events consecutive ids, so a save that
        starts right after the mark leaves nothing of another writer's behind it. Without
        this, the next batch's catch-up reads back every event this engine just wrote.
        """
        if self.shared_store and ids and min(ids) == self._seen + 1:
            self._seen = max(ids)

    def save(self, *objs: Any, **kwargs: Any) -> Sequence[int]:
        """The library's save, collecting with `Processing` (services/processing.py); notification ids."""
        processing = Processing()
        processing.collect_events(*objs, **kwargs)
        return self._save_processing(processing)

    def _save_processing(self, processing: Processing) -> Sequence[int]:
        """Write now, the way the writer thread writes a batch behind; then cache what was saved."""
        ids = self._write_for(processing)()
        self._cache_saved(processing)
        self._passed_own(ids)
        return ids

    def _write_for(self, processing: Processing) -> Write:
        return prepare(self, processing, self._snapshots_due(processing))

    def _cache_saved(self, processing: Processing) -> None:
        cache = self.repository.cache
        for aggregate_id, aggregate in processing.aggregates.items() if cache is not None else ():
            cache.put(aggregate_id, aggregate)

    def _forget_all(self, batch: dict[UUID, Any]) -> None:
        cache = self.repository.cache
        for aggregate_id in batch if cache is not None else ():
            with suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def _snapshots_due(self, processing: Processing) -> list[Any]:
        """A snapshot of each aggregate whose new events passed a multiple of its interval.

        Taken from the aggregate just saved: the library re-reads it from the store,
        for a hot SKU the previous snapshot plus an interval of events, parsed again.
        """
        due = []
        for aggregate_id, aggregate in processing.aggregates.items():
            interval = self.snapshotting_intervals.get(type(aggregate))
            added = processing.added.get(aggregate_id, 0)
            if interval and added and aggregate.version // interval > (aggregate.version - added) // interval:
                due.append(type(aggregate).Snapshot.take(aggregate))
        return due

    def close(self) -> None:
        """Wait for the batch being written (its failure is raised), then close the store."""
        try:
            self.settle()
        finally:
            if self.write_behind is not None:
                self.write_behind.close()
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


def _backoff(message_id: str, attempt: int) -> float:
    """Seconds to let another writer finish: doubling, spread by message id (timing only, never a decision)."""
    spread = (zlib.crc32(f"{message_id}:{attempt}".encode()) % 1000) / 1000
    return spread * min(0.5, CONFLICT_BACKOFF * 2**attempt)
