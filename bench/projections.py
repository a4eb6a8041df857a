"""Antrian read-side benchmark: prints figures, asserts nothing, always exits 0.

    .venv/bin/python -m bench.projections            # full run (a minute or two)
    .venv/bin/python -m bench.projections --quick    # smaller sizes, for a smoke test
    .venv/bin/python -m bench.projections --profile  # + where each projection spends its time

On a demo shop's history in a SQLite event store (simulation):

1. Reading: the raw notification log (pages + orjson decode of each stored
   event), and the embedded feed (LogFeed: the same plus the mapping to the
   outbound contract, as every projection sees it).
2. Rebuild: each projection alone and all together into a fresh SQLite read
   store, from the feed (what `antrian projections rebuild` does) and from
   events decoded beforehand (the projections' own cost).
3. Steady-state lag (bench/projections_lag.py): the engine at full load while
   `projections run` follows the log in another process.
4. With a Kafka broker up: the same history from the outbound topics
   (bench/projections_kafka.py).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import orjson

from bench.projections_kafka import KafkaRates, part_kafka, running_broker
from bench.projections_lag import Lag, part_lag
from bench.report import (
    exit_zero,
    guarded,
    mark,
    parse_options,
    print_table,
    rate,
    say,
    sqlite_bench,
)
from infra.bootstrap import build_engine, log_feed
from infra.settings import Settings
from projections import catalog
from projections.runner import Batch, ProjectionRunner
from projections.store import SqliteReadStore
from services.engine import Engine
from simulation import DemoOptions, run_demo

TARGET_REBUILD_EVENTS_PER_S = 5_000
TARGET_LAG_S = 1.0
ALL = "all together"


@dataclass
class Reads:
    notifications: int = 0
    events: int = 0
    raw_seconds: float = 0.0
    feed_seconds: float = 0.0


@dataclass
class Rebuild:
    events: int = 0  # published events fed
    applied: int = 0  # events the projection(s) handled
    seconds: float = 0.0  # from the feed, as `projections rebuild` runs
    apply_seconds: float = 0.0  # from events decoded beforehand


@dataclass
class Results:
    reads: Reads | None = None
    rebuilds: dict[str, Rebuild] = field(default_factory=dict)
    lag: Lag | None = None
    kafka: KafkaRates | None = None


def history(folder: Path, options: DemoOptions) -> Engine:
    say(f"history: demo shop, {options.days} days, {options.skus} SKUs, {options.orders_per_day} orders/day")
    engine = build_engine(Settings(store="sqlite", sqlite_path=folder / "events.sqlite"))
    started = time.perf_counter()
    run_demo(engine, options)
    say(
        f"    {engine.recorder.max_notification_id():,} notifications stored in {time.perf_counter() - started:.1f} s"
    )
    return engine


def part_reads(engine: Engine, page: int) -> Reads:
    say("[1] reading the log")
    reads = Reads()
    started, start = time.perf_counter(), 1
    while notifications := engine.recorder.select_notifications(start=start, limit=page):
        for notification in notifications:
            orjson.loads(notification.state)
        reads.notifications += len(notifications)
        start = notifications[-1].id + 1
    reads.raw_seconds = time.perf_counter() - started
    feed = log_feed(engine)
    started = time.perf_counter()
    while (batch := feed.poll(page)).read:
        reads.events += len(batch.events)
    reads.feed_seconds = time.perf_counter() - started
    say(
        f"    raw log: {reads.notifications:,} notifications in {reads.raw_seconds:.2f} s "
        f"({rate(reads.notifications, reads.raw_seconds):,.0f}/s)"
    )
    say(
        f"    LogFeed: {reads.events:,} published events in {reads.feed_seconds:.2f} s "
        f"({rate(reads.events, reads.feed_seconds):,.0f} events/s, "
        f"{rate(reads.notifications, reads.feed_seconds):,.0f} notifications/s)"
    )
    return reads


def decoded_batches(engine: Engine, size: int) -> list[Batch]:
    feed = log_feed(engine)
    batches = []
    while (batch := feed.poll(size)).read:
        batches.append(batch)
    return batches


def rebuild(
    folder: Path, engine: Engine, names: list[str], label: str, batches: list[Batch], size: int
) -> Rebuild:
    result = Rebuild()
    runner = ProjectionRunner(SqliteReadStore(folder / f"read-{label}-feed.sqlite"), catalog.build(names))
    started = time.perf_counter()
    done = runner.run(log_feed(engine), batch_size=size)
    result.seconds = time.perf_counter() - started
    result.events, result.applied = done.events, sum(done.per_projection.values())
    runner = ProjectionRunner(SqliteReadStore(folder / f"read-{label}-decoded.sqlite"), catalog.build(names))
    started = time.perf_counter()
    for batch in batches:
        runner.apply(batch)
    result.apply_seconds = time.perf_counter() - started
    say(
        f"    {label}: {result.events:,} events ({result.applied:,} handled) in {result.seconds:.2f} s -> "
        f"{rate(result.events, result.seconds):,.0f} events/s from the feed, "
        f"{rate(result.events, result.apply_seconds):,.0f} events/s applying decoded events"
    )
    return result


def part_rebuild(folder: Path, engine: Engine, size: int) -> dict[str, Rebuild]:
    say(f"[2] rebuild into a fresh SQLite read store, {size} events per transaction")
    batches = decoded_batches(engine, size)
    results = {}
    for name in catalog.CATALOG:
        results[name] = guarded(f"2 ({name})", partial(rebuild, folder, engine, [name], name, batches, size))
    results[ALL] = guarded(
        "2 (all)", lambda: rebuild(folder, engine, list(catalog.CATALOG), "all", batches, size)
    )
    return {name: r for name, r in results.items() if r is not None}


def profile(folder: Path, engine: Engine, size: int, top: int = 12) -> None:
    """Where each projection's apply time goes (cProfile, own time), events decoded beforehand."""
    say("[profile] per projection, top functions by own time")
    batches = decoded_batches(engine, size)
    for name in catalog.CATALOG:
        say(f"--- {name}")
        guarded(f"profile ({name})", partial(_say_profiled, folder, name, batches, top))


def _say_profiled(folder: Path, name: str, batches: list[Batch], top: int) -> None:
    say(_profiled(folder, name, batches, top))


def _profiled(folder: Path, name: str, batches: list[Batch], top: int) -> str:
    runner = ProjectionRunner(SqliteReadStore(folder / f"profile-{name}.sqlite"), catalog.build([name]))
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        for batch in batches:
            runner.apply(batch)
    finally:
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def table(results: Results) -> None:
    rows = []

    def row(what: str, figure: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, figure, target, mark(ok)))

    if results.reads:
        reads = results.reads
        row(
            "[1] raw log read + orjson decode, notifications/s",
            f"{rate(reads.notifications, reads.raw_seconds):,.0f}",
        )
        row("[1] LogFeed decode, published events/s", f"{rate(reads.events, reads.feed_seconds):,.0f}")
    for name, rebuilt in results.rebuilds.items():
        events_per_s = rate(rebuilt.events, rebuilt.seconds)
        target = f">= {TARGET_REBUILD_EVENTS_PER_S:,}" if name == ALL else ""
        ok = events_per_s >= TARGET_REBUILD_EVENTS_PER_S if name == ALL else None
        row(f"[2] rebuild {name}, events/s from the feed", f"{events_per_s:,.0f}", target, ok)
        row(
            f"[2] rebuild {name}, events/s from decoded events",
            f"{rate(rebuilt.events, rebuilt.apply_seconds):,.0f}",
        )
    if results.lag:
        lag = results.lag
        row("[3] engine lines/s while projections follow", f"{lag.lines_per_s:,.0f}")
        row(
            "[3] lag recorded -> applied, p50 (s)",
            f"{lag.p50:.3f}",
            f"< {TARGET_LAG_S:g}",
            lag.p50 < TARGET_LAG_S,
        )
        row(
            "[3] lag recorded -> applied, p99 (s)",
            f"{lag.p99:.3f}",
            f"< {TARGET_LAG_S:g}",
            lag.p99 < TARGET_LAG_S,
        )
        row("[3] lag, worst (s)", f"{lag.worst:.3f}")
    if results.kafka:
        k = results.kafka
        row("[4] relay to Kafka, events/s", f"{k.relay_per_s:,.0f}")
        row("[4] KafkaFeed decode, records/s", f"{k.decode_per_s:,.0f}")
        row(
            "[4] rebuild all from Kafka, events/s",
            f"{k.rebuild_per_s:,.0f}",
            f">= {TARGET_REBUILD_EVENTS_PER_S:,}",
            k.rebuild_per_s >= TARGET_REBUILD_EVENTS_PER_S,
        )
    print_table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.projections", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument("--days", type=int, default=None, help="demo days (default 60)")
    parser.add_argument("--skus", type=int, default=40, help="demo SKUs")
    parser.add_argument("--orders-per-day", type=int, default=None, help="demo orders a day (default 120)")
    parser.add_argument("--batch", type=int, default=2000, help="events per transaction (`rebuild` default)")
    parser.add_argument("--lag-orders", type=int, default=None, help="orders in part 3 (default 3000)")
    parser.add_argument("--profile", action="store_true", help="print each projection's hotspots")
    args = parse_options(parser, argv, keep_help="keep the SQLite files (path printed)", parts="1234")
    options = DemoOptions(
        days=args.days or (15 if args.quick else 60),
        skus=args.skus,
        orders_per_day=args.orders_per_day or (40 if args.quick else 120),
    )
    lag_orders = args.lag_orders or (500 if args.quick else 3_000)
    with sqlite_bench(
        "projections", f"; projections: {', '.join(catalog.CATALOG)}", "antrian-bench-proj-", args.keep
    ) as folder:
        results = Results()
        engine = guarded("history", lambda: history(folder, options))
        if engine is not None:
            if "1" in args.parts:
                results.reads = guarded("1", lambda: part_reads(engine, args.batch))
            if "2" in args.parts:
                results.rebuilds = guarded("2", lambda: part_rebuild(folder, engine, args.batch)) or {}
            if args.profile:
                guarded("profile", lambda: profile(folder, engine, args.batch))
            engine.close()
        if "3" in args.parts:
            results.lag = guarded("3", lambda: part_lag(folder, lag_orders, 300))
        if "4" in args.parts and engine is not None:
            bootstrap = running_broker()
            if bootstrap is None:
                say("[4] Kafka feed: no broker answers (ANTRIAN_KAFKA_BOOTSTRAP, `make kafka-up`): skipped")
            else:
                results.kafka = guarded("4", lambda: part_kafka(folder, folder / "events.sqlite", bootstrap))
        guarded("table", lambda: table(results))
    return 0


if __name__ == "__main__":
    exit_zero(main)
