"""The loop the consumer and the relay share."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from types import TracebackType

NO_AUTOMATIC_FULL_COLLECTION = 1_000_000_000  # gen-2 threshold: never reached


class FullCollections:
    """Python's full garbage collections, moved to idle moments (and at least every `every` s).

    A running engine caches many aggregates, and a full collection walks all of them,
    holding the loop long enough to set the p99 latency (bench.kafka part 2 shows it).
    Young objects are still collected as usual; only the walk over the long-lived ones
    is rescheduled.
    """

    def __init__(self, every: float = 600.0, idle_gap: float = 30.0) -> None:
        self.every = every
        self.idle_gap = idle_gap
        self.last = time.monotonic()
        self.saved = gc.get_threshold()

    def __enter__(self) -> FullCollections:
        self.saved = gc.get_threshold()
        gc.set_threshold(self.saved[0], self.saved[1], NO_AUTOMATIC_FULL_COLLECTION)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        gc.set_threshold(*self.saved)

    def after_step(self, idle: bool) -> None:
        now = time.monotonic()
        if now - self.last >= (self.idle_gap if idle else self.every):
            gc.collect()
            self.last = now


def poll_until_stopped(
    step: Callable[[], int],
    stopping: threading.Event,
    idle_polls: int | None = None,
    pause: float = 0.0,
    first_pause: float | None = None,
) -> None:
    """Run `step` until `stopping` is set, or until it found nothing `idle_polls` times in a row.

    After finding nothing it waits `first_pause`, then twice that after each further empty
    step, up to `pause`: a step soon after a busy one catches work that is arriving (the
    relay's latency), while an idle loop settles at `pause` (its cost at rest). A loop that
    runs until stopped is a server's: its full garbage collections wait for idle moments.
    """
    collections = FullCollections() if idle_polls is None else None
    if collections is None:
        _loop(step, stopping, idle_polls, pause, first_pause, None)
        return
    with collections:
        _loop(step, stopping, idle_polls, pause, first_pause, collections)


def _loop(
    step: Callable[[], int],
    stopping: threading.Event,
    idle_polls: int | None,
    pause: float,
    first_pause: float | None,
    collections: FullCollections | None,
) -> None:
    idle = 0
    wait = first_pause if first_pause is not None else pause
    while not stopping.is_set():
        found = step()
        if collections is not None:
            collections.after_step(idle=not found)
        if found:
            idle = 0
            wait = first_pause if first_pause is not None else pause
            continue
        idle += 1
        if idle_polls is not None and idle >= idle_polls:
            return
        if wait:
            stopping.wait(wait)
            wait = min(pause, wait * 2)
