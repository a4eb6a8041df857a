"""Steady-state lag of the read models: the engine at full load, `projections run` following it.

The follower is a separate process running the runner exactly as
`antrian projections run` does (follow the log, idle pause and all); it
times each event from when the engine recorded it (`occurred_at`, the
domain event's wall-clock timestamp, taken just before the commit) to when
the batch holding it committed in the read store. The engine runs the
mixed workload of bench/engine/ part 1 as fast as it can in this process.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.report import rate, say
from bench.workload import Clock, MixedCatalogue
from infra.bootstrap import build_engine, log_feed
from infra.settings import Settings
from projections import catalog
from projections.runner import Applied, Batch, Feed, ProjectionRunner
from projections.store import SqliteReadStore

WAIT = 300.0  # seconds: a cap for the follower to catch up, never a target


@dataclass
class Lag:
    orders: int = 0
    lines: int = 0
    engine_seconds: float = 0.0
    events: int = 0
    p50: float = 0.0
    p99: float = 0.0
    worst: float = 0.0
    drain_seconds: float = 0.0  # after the engine's last message, until the follower had applied it
    notes: list[str] = field(default_factory=list)

    @property
    def lines_per_s(self) -> float:
        return rate(self.lines, self.engine_seconds)


class _TimedFeed:
    """The log feed, remembering each polled batch so `applied` can time it once committed."""

    def __init__(self, feed: Feed, since: float) -> None:
        self.feed = feed
        self.since = since
        self.idle_pause = getattr(feed, "idle_pause", 0.1)
        self.pending: list[float] = []
        self.lags: list[float] = []

    def start(self, resume: dict[str, int]) -> None:
        self.feed.start(resume)

    def ends(self) -> dict[str, int]:
        return self.feed.ends()

    def poll(self, limit: int) -> Batch:
        batch = self.feed.poll(limit)
        self.pending = [datetime.fromisoformat(e.occurred_at).timestamp() for e in batch.events]
        return batch

    def applied(self, _: Applied) -> None:
        now = time.time()
        self.lags.extend(now - at for at in self.pending if at >= self.since)
        self.pending = []


def follow(events_db: str, read_db: str, since: float, stop: Any, results: Any) -> None:
    """The follower process: every projection, following the log until `stop` is set."""
    engine = build_engine(Settings(store="sqlite", sqlite_path=Path(events_db)))
    runner = ProjectionRunner(SqliteReadStore(read_db), catalog.build())
    feed = _TimedFeed(log_feed(engine), since)
    runner.run(feed, batch_size=1000, stop=stop, on_batch=feed.applied)
    results.put(sorted(feed.lags))


def _position(read_db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{read_db}?mode=ro", uri=True, timeout=5) as connection:
            row = connection.execute("SELECT MIN(position) FROM projection_positions").fetchone()
    except sqlite3.OperationalError:
        return 0
    return row[0] or 0


def _wait_for(read_db: Path, end: int, process: Any) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and process.is_alive():
        if _position(read_db) >= end:
            return True
        time.sleep(0.01)
    return False


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(int(q * len(sorted_values)), len(sorted_values) - 1)] if sorted_values else 0.0


def part_lag(folder: Path, orders: int, skus: int) -> Lag:
    say(
        f"[3] steady-state lag: {orders:,} 2-line orders through the engine at full speed, all projections following"
    )
    result = Lag(orders=orders)
    events_db, read_db = folder / "lag-events.sqlite", folder / "lag-read.sqlite"
    engine = build_engine(Settings(store="sqlite", sqlite_path=events_db))
    catalogue, clock = MixedCatalogue(skus=skus), Clock(prefix="lag")
    for message in catalogue.build(clock):
        engine.handle_raw(message)
    stream = list(catalogue.orders(clock, orders))
    result.lines = sum(len(m["lines"]) for m in stream)
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    since = time.time()
    follower = context.Process(target=follow, args=(str(events_db), str(read_db), since, stop, results))
    follower.start()
    if not _wait_for(read_db, (engine.recorder.max_notification_id() or 0) + 1, follower):
        result.notes.append("the follower did not catch up with the set-up")
    started = time.perf_counter()
    for message in stream:
        engine.handle_raw(message)
    result.engine_seconds = time.perf_counter() - started
    ended = time.perf_counter()
    if not _wait_for(read_db, (engine.recorder.max_notification_id() or 0) + 1, follower):
        result.notes.append("the follower did not catch up within the cap")
    result.drain_seconds = time.perf_counter() - ended
    stop.set()
    lags: list[float] = results.get(timeout=WAIT)
    follower.join(timeout=WAIT)
    engine.close()
    result.events, result.p50, result.p99 = len(lags), _percentile(lags, 0.5), _percentile(lags, 0.99)
    result.worst = lags[-1] if lags else 0.0
    say(
        f"    engine: {result.lines:,} lines in {result.engine_seconds:.1f} s ({result.lines_per_s:,.0f} lines/s) "
        f"with the follower running; {result.events:,} events timed"
    )
    say(
        f"    lag recorded -> applied: p50 {result.p50 * 1000:,.0f} ms, p99 {result.p99 * 1000:,.0f} ms, "
        f"worst {result.worst * 1000:,.0f} ms; caught up {result.drain_seconds:.2f} s after the engine's last message"
    )
    for note in result.notes:
        say(f"    !! {note}")
    return result
