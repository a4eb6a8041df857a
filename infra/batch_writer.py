"""Writing a decided batch while the engine decides the next one, and reading many aggregates at once.

Writing behind: on Kafka + PostgreSQL the engine's thread is the end-to-end
limit, and it spent a good part of its time waiting for PostgreSQL to insert a
batch's events under the store's table lock, and to store snapshots. Here the
batch's events and its feed position are handed to one writer thread, in one
transaction as before, and the engine goes on deciding the next batch from the
state it holds in memory. What the writer is given is fixed in the engine's
thread (`PlainWriter.prepare`: the events encoded, the snapshots taken); it
touches nothing else, so a batch that is refused later cannot put back what
the engine evicted. One batch is written at a time, in order; what the engine
does when the store refuses one is in services/engine.py (`settle`).

Reading many: an engine that starts, or takes partitions over in a rebalance,
has an empty cache, and a batch's inbox entries are mostly ids nobody stored.
One by one that is two queries per id; a store that `ReadsMany` returns the
latest snapshots and the events after them for all of them in two queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain, groupby
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import Application, project_aggregate
from eventsourcing.persistence import StoredEvent

from services.processing import Processing
from services.writing import PlainWriter, Write


class ReadsMany(Protocol):
    def select_latest_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]: ...

    def select_after(self, versions: Mapping[UUID, int]) -> list[StoredEvent]: ...


class WriteBehind:
    """One writer thread; a batch's events are written in one transaction, in submission order."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="antrian-writer")

    def submit(self, write: Write) -> Future[Sequence[int]]:
        return self._executor.submit(write)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class StoreWriter(PlainWriter):
    """The engine's writer as the composition root builds it: behind if asked, reading many where it can."""

    def __init__(
        self,
        app: Application[Any],
        behind: bool = False,
        on_written: Callable[[Sequence[Any]], None] | None = None,
    ) -> None:
        """`on_written(events)`: told of a batch's events once they are in the store (metrics);
        a batch the store refused, decided again, is told of once."""
        super().__init__(app)
        self.write_behind = WriteBehind() if behind else None
        self.writes_behind = behind
        self.reads_many = reads_many(app.recorder)
        self.on_written = on_written

    def prepare(self, processing: Processing) -> Write:
        write = super().prepare(processing)
        on_written = self.on_written
        if on_written is None:
            return write
        events = list(processing.events)

        def written() -> Sequence[int]:
            ids = write()
            on_written(events)
            return ids

        return written

    def submit(self, write: Write) -> Future[Sequence[int]]:
        if self.write_behind is None:
            return super().submit(write)
        return self.write_behind.submit(write)

    def read_many(self, aggregate_ids: Sequence[UUID], snapshots: bool = True) -> dict[UUID, Any]:
        if not self.reads_many:
            return super().read_many(aggregate_ids, snapshots)
        return load_many(self.app, aggregate_ids, snapshots)

    def close(self) -> None:
        if self.write_behind is not None:
            self.write_behind.close()


def reads_many(recorder: object) -> bool:
    """Whether a recorder is `ReadsMany` (without a runtime Protocol check, which walks its members)."""
    return callable(getattr(recorder, "select_latest_of", None)) and callable(
        getattr(recorder, "select_after", None)
    )


def load_many(
    app: Application[Any], aggregate_ids: Sequence[UUID], snapshots: bool = True
) -> dict[UUID, Any]:
    """Latest snapshot plus the events after it, for each id that exists, as `repository.get` builds it.

    `snapshots=False` for aggregates that are never snapshotted (inbox entries): one query, not two.
    """
    latest: dict[UUID, Any] = {}
    store: Any = app.snapshots.recorder if app.snapshots is not None and snapshots else None
    if store is not None and reads_many(store):
        for stored in store.select_latest_of(aggregate_ids):
            latest[stored.originator_id] = app.mapper.to_domain_event(stored)
    after = {i: latest[i].originator_version if i in latest else 0 for i in aggregate_ids}
    recorder: ReadsMany = app.recorder  # type: ignore[assignment]
    loaded: dict[UUID, Any] = {}
    for aggregate_id, stored_events in groupby(recorder.select_after(after), key=lambda e: e.originator_id):
        start = [latest.pop(aggregate_id)] if aggregate_id in latest else []
        events = chain(start, map(app.mapper.to_domain_event, stored_events))
        loaded[aggregate_id] = project_aggregate(None, events)
    for aggregate_id, snapshot in latest.items():  # nothing stored after the snapshot
        loaded[aggregate_id] = project_aggregate(None, [snapshot])
    return loaded
