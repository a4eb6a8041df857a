"""Feeds events to projections, one transaction per batch with the positions.

The runner reads a batch from a feed starting at the lowest position of the
projections it runs; inside the write transaction it re-reads every
projection's position and applies an event to a projection only if the
event's notification id is above the last one that projection applied in
that feed. That one rule makes redelivery, relay repeats, a second runner
and a projection that is behind the others (after a rebuild) all safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from projections import positions
from projections.base import Projection
from projections.event import ProjectedEvent
from projections.positions import LIVE, REBUILDING, Position
from projections.store import ReadStore


@dataclass
class Batch:
    events: list[ProjectedEvent]
    advance: dict[str, int]  # feed -> position to resume from after this batch
    read: int = 0  # records read from the feed, published or not (for rates)


class Feed(Protocol):
    def start(self, resume: dict[str, int]) -> None:
        """Resume points per feed key (missing: from the beginning)."""

    def poll(self, limit: int) -> Batch: ...

    def ends(self) -> dict[str, int]:
        """Current end position of every feed key (for lag and progress)."""
        ...


@dataclass
class Applied:
    events: int = 0  # events new to at least one projection
    per_projection: dict[str, int] = field(default_factory=dict)
    read: int = 0
    repeats: int = 0  # events every projection had applied already (the relay's repeats): dropped


class ProjectionRunner:
    def __init__(self, store: ReadStore, projections: Sequence[Projection]) -> None:
        self.store = store
        self.projections = list(projections)
        self.names = [p.name for p in self.projections]
        with store.transaction() as tx:
            positions.create(tx)
            known = positions.states(tx)
            for projection in self.projections:
                projection.create(tx)
                if projection.name not in known:
                    positions.set_state(tx, projection.name, projection.version, LIVE)

    def resume_points(self) -> dict[str, int]:
        """Per feed key, the lowest position among the projections run (0 = from the start)."""
        with self.store.reading() as tx:
            current = positions.read(tx, self.names)
        feeds = {feed for by_feed in current.values() for feed in by_feed}
        return {
            feed: min(current[name].get(feed, Position()).position for name in self.names) for feed in feeds
        }

    def positions(self) -> dict[str, dict[str, Position]]:
        with self.store.reading() as tx:
            return positions.read(tx, self.names)

    def apply(self, batch: Batch) -> Applied:
        """Apply a batch to every projection that has not seen its events; commit positions with it."""
        applied = Applied(per_projection={name: 0 for name in self.names}, read=batch.read)
        with self.store.transaction() as tx:
            current = positions.read(tx, self.names)
            for event in batch.events:
                new = False
                for projection in self.projections:
                    seen = current[projection.name].setdefault(event.feed, Position())
                    if event.notification_id <= seen.last_notification_id:
                        continue
                    new = True
                    seen.last_notification_id = event.notification_id
                    if projection.apply(tx, event):
                        applied.per_projection[projection.name] += 1
                if new:
                    applied.events += 1
                else:
                    applied.repeats += 1
            for projection in self.projections:
                for feed, resume in batch.advance.items():
                    seen = current[projection.name].setdefault(feed, Position())
                    seen.position = max(seen.position, resume)
                for feed, seen in current[projection.name].items():
                    positions.write(tx, projection.name, feed, seen)
                positions.count_applied(tx, projection.name, applied.per_projection[projection.name])
        return applied

    def run(
        self,
        feed: Feed,
        *,
        batch_size: int = 1000,
        stop: threading.Event | None = None,
        until: Callable[[], bool] | None = None,
        on_batch: Callable[[Applied], None] | None = None,
        on_idle: Callable[[], None] | None = None,
    ) -> Applied:
        """Apply batches from `feed`.

        Without `stop` or `until`: catch up, i.e. return when a poll finds
        nothing. With `stop`: follow the feed until the event is set, pausing
        `feed.idle_pause` seconds when idle. With `until`: return once it is true.
        `on_batch` is told of each batch applied, `on_idle` of each poll that found nothing
        (progress and metrics watch both).
        """
        resume = self.resume_points()
        _check_not_ahead(resume, feed.ends())
        feed.start(resume)
        total = Applied(per_projection={name: 0 for name in self.names})
        pause = getattr(feed, "idle_pause", 0.1)
        while stop is None or not stop.is_set():
            batch = feed.poll(batch_size)
            if batch.events or batch.advance:
                done = self.apply(batch)
                _add(total, done)
                if on_batch is not None:
                    on_batch(done)
            if until is not None and until():
                break
            if not batch.read:
                if on_idle is not None:
                    on_idle()
                if stop is None and until is None:
                    break
                if pause:
                    stop.wait(pause) if stop is not None else time.sleep(pause)
        return total

    def caught_up(self, ends: dict[str, int]) -> bool:
        """Every projection run has reached `ends` in every feed key."""
        current = self.positions()
        return all(
            current[name].get(feed, Position()).position >= end
            for name in self.names
            for feed, end in ends.items()
        )

    def start_rebuild(self, restart: bool = False) -> list[str]:
        """Drop and recreate the projections' tables and positions; returns those started anew.

        A projection already rebuilding resumes where it stopped unless `restart`.
        """
        started = []
        with self.store.transaction() as tx:
            known = positions.states(tx)
            for projection in self.projections:
                state = known.get(projection.name)
                if state is not None and state.status == REBUILDING and not restart:
                    continue
                projection.drop(tx)
                projection.create(tx)
                positions.reset(tx, projection.name)
                positions.set_state(tx, projection.name, projection.version, REBUILDING, applied=0)
                started.append(projection.name)
        return started

    def finish_rebuild(self) -> None:
        with self.store.transaction() as tx:
            for projection in self.projections:
                positions.set_state(tx, projection.name, projection.version, LIVE)

    def states(self) -> dict[str, Any]:
        with self.store.reading() as tx:
            return positions.states(tx)

    def export(self) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
        with self.store.reading() as tx:
            return {p.name: p.export(tx) for p in self.projections}


class ReadModelAhead(RuntimeError):
    """The read store has applied more than the feed holds: it belongs to another (or a reset) log."""


def _check_not_ahead(resume: dict[str, int], ends: dict[str, int]) -> None:
    ahead = {
        feed: (position, ends[feed])
        for feed, position in resume.items()
        if feed in ends and position > ends[feed]
    }
    if ahead:
        where = ", ".join(
            f"{feed} at {position} but the feed ends at {end}" for feed, (position, end) in ahead.items()
        )
        raise ReadModelAhead(
            f"the read models are ahead of their feed ({where}): they were built from another event store "
            "or topics; run `antrian projections rebuild --restart`"
        )


def _add(total: Applied, done: Applied) -> None:
    total.events += done.events
    total.read += done.read
    total.repeats += done.repeats
    for name, count in done.per_projection.items():
        total.per_projection[name] = total.per_projection.get(name, 0) + count
