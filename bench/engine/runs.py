"""The engine bench's building blocks: one engine on its own store, timed runs of messages, what they did."""

from __future__ import annotations

import gc
import sqlite3
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import report
from bench.report import rate, say
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.engine import Engine
from services.outcomes import Outcome, Status
from services.parsing import parse_message


@dataclass
class Run(report.Run):
    domain_events: int = 0  # as reported by the engine (inbox record excluded)
    stored_events: int = 0  # rows added to stored_events (inbox included)
    snapshots: int = 0  # rows added to stored_snapshots
    statuses: Tally[Status] = field(default_factory=Tally)
    rejections: list[str] = field(default_factory=list)

    @property
    def events_per_s(self) -> float:
        """Rows stored, the inbox's included: what the engine costs the store."""
        return rate(self.stored_events, self.seconds)

    @property
    def us_per_line(self) -> float:
        return self.seconds / self.lines * 1e6 if self.lines else 0.0


class Store:
    """One engine on its own SQLite file (or the in-memory store)."""

    def __init__(self, folder: Path, name: str, store: str = "sqlite") -> None:
        self.path = folder / f"{name}.sqlite"
        self.store = store
        self.engine: Engine = build_engine(Settings(store=store, sqlite_path=self.path))

    def counts(self) -> tuple[int, int]:
        """(stored events, stored snapshots), read through a separate connection."""
        if self.store != "sqlite":
            return 0, 0
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as con:
            tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
            events = con.execute("select count(*) from stored_events").fetchone()[0]
            snaps = (
                con.execute("select count(*) from stored_snapshots").fetchone()[0]
                if "stored_snapshots" in tables
                else 0
            )
        return events, snaps

    def close(self) -> None:
        self.engine.close()


def feed(store: Store, messages: Iterable[Any], raw: bool = True) -> Run:
    """Apply messages untimed (set-up); report what happened."""
    run = Run("setup")
    handle: Callable[[Any], Any] = store.engine.handle_raw if raw else store.engine.handle
    for message in messages:
        outcome = handle(message)
        run.messages += 1
        run.statuses[outcome.status] += 1
        run.domain_events += outcome.events
        if outcome.status is not Status.APPLIED and len(run.rejections) < 5:
            run.rejections.append(f"{outcome.message_type} {outcome.message_id}: {outcome.detail}")
    return run


def timed(store: Store, label: str, messages: list[Any], raw: bool = True) -> Run:
    """Apply `messages` (dicts for handle_raw, or parsed messages for handle) under the clock."""
    run = Run(label, messages=len(messages))
    run.lines = sum(len(m["lines"] if isinstance(m, dict) else m.lines) for m in messages)
    handle = store.engine.handle_raw if raw else store.engine.handle
    events0, snaps0 = store.counts()
    outcomes: list[Outcome] = []
    append = outcomes.append
    gc.collect()
    clock = time.perf_counter
    start = clock()
    for message in messages:
        append(handle(message))
    run.seconds = clock() - start
    events1, snaps1 = store.counts()
    run.stored_events, run.snapshots = events1 - events0, snaps1 - snaps0
    for outcome in outcomes:
        run.statuses[outcome.status] += 1
        run.domain_events += outcome.events
        if outcome.status is not Status.APPLIED and len(run.rejections) < 5:
            run.rejections.append(f"{outcome.message_type} {outcome.message_id}: {outcome.detail}")
    if store.store != "sqlite":
        run.stored_events = run.domain_events + run.messages  # + one inbox record per message
    return run


def timed_batches(store: Store, label: str, messages: list[dict[str, Any]], size: int) -> Run:
    """Like `antrian ingest`: parse each message, apply `size` of them per transaction."""
    run = Run(label, messages=len(messages))
    run.lines = sum(len(m["lines"]) for m in messages)
    events0, snaps0 = store.counts()
    gc.collect()
    start = time.perf_counter()
    outcomes = []
    for at in range(0, len(messages), size):
        outcomes.extend(store.engine.handle_batch([parse_message(m) for m in messages[at : at + size]]))
    run.seconds = time.perf_counter() - start
    events1, snaps1 = store.counts()
    run.stored_events, run.snapshots = events1 - events0, snaps1 - snaps0
    for outcome in outcomes:
        run.statuses[outcome.status] += 1
        run.domain_events += outcome.events
    return run


def say_run(run: Run) -> None:
    say(
        f"    {run.label}: {run.messages:,} msgs, {run.lines:,} lines in {run.seconds:.2f} s -> "
        f"{run.lines_per_s:,.0f} lines/s, {run.messages_per_s:,.0f} msgs/s, "
        f"{run.events_per_s:,.0f} events/s stored ({run.stored_events:,} events, "
        f"{run.stored_events / max(run.messages, 1):.1f}/msg incl. inbox), "
        f"{run.snapshots} snapshots, {run.us_per_line:,.0f} us/line"
    )
    not_applied = {k.value: v for k, v in run.statuses.items() if k is not Status.APPLIED}
    if not_applied:
        say(f"    !! not applied: {not_applied}; e.g. {run.rejections[:3]}")


def line_outcomes(engine: Engine, order_ids: list[str]) -> Tally[str]:
    tally: Tally[str] = Tally()
    for order_id in order_ids:
        try:
            order = engine.get_order(order_id)
        except Exception:  # noqa: BLE001 - a bench reports, it does not fail
            tally["(order not found)"] += 1
            continue
        for line in order.lines.values():
            tally[line.status.value] += 1
            if line.eta is not None:
                tally["with an ETA"] += 1
    return tally


def split_lines(
    stream: list[dict[str, Any]], lines: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    count = 0
    for i, m in enumerate(stream):
        if count >= lines:
            return stream[:i], stream[i:]
        count += len(m["lines"])
    return stream, []


def combine(label: str, *parts: Run) -> Run:
    run = Run(label)
    for r in parts:
        run.messages += r.messages
        run.lines += r.lines
        run.seconds += r.seconds
        run.domain_events += r.domain_events
        run.stored_events += r.stored_events
        run.snapshots += r.snapshots
        run.statuses.update(r.statuses)
        run.rejections += r.rejections
    return run
