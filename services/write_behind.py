"""Writing a decided batch while the engine decides the next one.

The engine's thread is the end-to-end limit on Kafka + PostgreSQL, and in a
10,000-order run of bench.kafka it spent 1.4 s of 12.8 s waiting for
PostgreSQL to insert batches (about 50 ms for the ~4,800 events of 500
orders, under the store's table lock) and to store snapshots. With write-behind the batch's events and its feed position are handed
to one writer thread, in one transaction as before, and the engine goes on
deciding the next batch from the state it holds in memory.

What the writer is given is fixed in the engine's thread: the events encoded,
the snapshots taken; and the engine puts the aggregates in the cache (so the
next batch finds an order placed in this one). The writer touches nothing else,
so a batch that is refused later cannot put back what the engine evicted. A
save that is not written behind runs the same `prepare`d write at once. One batch is
written at a time, in order; before the next is handed over, the engine waits
for the last one, and if the store refused it (a version or inbox conflict:
another writer, or a redelivery) everything decided on top of it is evicted
and decided again (services/batching.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from eventsourcing.application import Application, ProcessingEvent

Write = Callable[[], Sequence[int]]  # notification ids of the batch's events


class WriteStuck(RuntimeError):
    """A batch's write took longer than the engine allows: it may hold the store's lock.

    Nothing of the batch is committed before its transaction ends, so the way out is
    to stop: the process's exit closes the connection and PostgreSQL rolls it back.
    """


class WriteBehind:
    """One writer thread; a batch's events are written in one transaction, in submission order."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="antrian-writer")

    def submit(self, write: Write) -> Future[Sequence[int]]:
        return self._executor.submit(write)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def prepare(app: Application, processing: ProcessingEvent, snapshots: Sequence[Any]) -> Write:
    """A save's events and snapshots encoded now, from the aggregates as they are; the write left for later.

    The events and the feed position go in one transaction, the snapshots after it.
    `snapshots` are taken by the caller now: the next batch changes the same objects in place.
    """
    stored = [app.mapper.to_stored_event(event) for event in processing.events]
    store = app.snapshots
    stored_snapshots = [store.mapper.to_stored_event(s) for s in snapshots] if store else []
    tracking = processing.tracking
    options = dict(processing.saved_kwargs)
    recorder = app.recorder

    def write() -> Sequence[int]:
        ids = recorder.insert_events(stored, tracking=tracking, **options) or []
        if stored_snapshots and store is not None:
            store.recorder.insert_events(stored_snapshots)
        return ids

    return write
