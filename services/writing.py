"""What the engine asks of the store's side: a decided batch written, positions and aggregates read.

The engine decides in memory and hands what it decided to a `BatchWriter`,
which owns how it reaches the store: encoded at once (the next batch changes
the same aggregates in place), then written now or by a writer thread, with
the feed position in the same transaction and the snapshots that fell due
after it. The composition root picks the writer (infra/batch_writer.py writes
behind and reads many aggregates in one query); `PlainWriter` is the plain
one, for an engine built without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import ProcessRecorder

from services.processing import Processing

Write = Callable[[], Sequence[int]]  # notification ids of the batch's events


class WriteStuck(RuntimeError):
    """A batch's write took longer than the engine allows: it may hold the store's lock.

    Nothing of the batch is committed before its transaction ends, so the way out is
    to stop: the process's exit closes the connection and PostgreSQL rolls it back.
    """


class BatchWriter(Protocol):
    writes_behind: bool  # `submit` returns before the batch is written
    reads_many: bool  # `read_many` costs a query for many ids, not two per id

    def prepare(self, processing: Processing) -> Write:
        """The events encoded and the snapshots due taken now: the next batch changes the aggregates."""

    def write(self, processing: Processing) -> Sequence[int]:
        """The events and the feed position in one transaction, then the snapshots due; notification ids."""

    def submit(self, write: Write) -> Future[Sequence[int]]:
        """A prepared write, done in submission order, maybe later."""

    def position(self, feed: str) -> int | None:
        """The last position recorded for a feed."""

    def read_many(self, aggregate_ids: Sequence[UUID], snapshots: bool = True) -> dict[UUID, Any]:
        """Those of the aggregates that exist, as the repository builds them."""

    def close(self) -> None: ...


class PlainWriter:
    """Writes in the caller's thread, and reads aggregates one by one."""

    writes_behind = False
    reads_many = False

    def __init__(self, app: Application[Any]) -> None:
        self.app = app

    def prepare(self, processing: Processing) -> Write:
        """A save's events and snapshots encoded now, from the aggregates as they are; the write left for later."""
        app = self.app
        stored = [app.mapper.to_stored_event(event) for event in processing.events]
        store = app.snapshots
        due = snapshots_due(app, processing) if store is not None else []
        stored_snapshots = [store.mapper.to_stored_event(s) for s in due] if store is not None else []
        tracking = processing.tracking
        options = dict(processing.saved_kwargs)
        recorder = app.recorder

        def write() -> Sequence[int]:
            ids = recorder.insert_events(stored, tracking=tracking, **options) or []
            if stored_snapshots and store is not None:
                store.recorder.insert_events(stored_snapshots)
            return ids

        return write

    def write(self, processing: Processing) -> Sequence[int]:
        return self.prepare(processing)()

    def submit(self, write: Write) -> Future[Sequence[int]]:
        written: Future[Sequence[int]] = Future()
        try:
            written.set_result(write())
        except BaseException as error:
            written.set_exception(error)
        return written

    def position(self, feed: str) -> int | None:
        recorder = self.app.recorder
        assert isinstance(recorder, ProcessRecorder), "the engine keeps positions with its events"
        return recorder.max_tracking_id(feed)

    def read_many(self, aggregate_ids: Sequence[UUID], snapshots: bool = True) -> dict[UUID, Any]:
        found: dict[UUID, Any] = {}
        for aggregate_id in aggregate_ids:
            try:
                found[aggregate_id] = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                pass
        return found

    def close(self) -> None:
        pass


def snapshots_due(app: Application[Any], processing: Processing) -> list[Any]:
    """A snapshot of each aggregate whose new events passed a multiple of its interval.

    Those taken as the events were collected (one per multiple passed by a message's
    events: services/processing.py), and one of the aggregate as it ends the save if its
    last events passed a multiple after them. Taken from the aggregate just decided: the
    library re-reads it from the store, for a hot SKU the previous snapshot plus an
    interval of events, parsed again.
    """
    due = []
    intervals = app.snapshotting_intervals or {}
    for aggregate_id, aggregate in processing.aggregates.items():
        interval = intervals.get(type(aggregate))
        added = processing.added.get(aggregate_id, 0)
        if not interval or not added:
            continue
        taken = processing.taken.get(aggregate_id, [])
        due.extend(taken)
        since = taken[-1].originator_version if taken else aggregate.version - added
        if aggregate.version // interval > since // interval:
            due.append(type(aggregate).Snapshot.take(aggregate))  # type: ignore[attr-defined]
    return due
