"""Antrian engine benchmark: prints figures, asserts nothing, always exits 0.

    .venv/bin/python -m bench.engine            # full run (a few minutes)
    .venv/bin/python -m bench.engine --quick    # smaller sizes, for a smoke test

Three parts, all on SQLite files in a temporary folder on this machine:

1. Throughput on a realistic mixed workload: a few hundred SKUs, suppliers
   for all, stock for some, a PO or two per SKU, substitutes for a few; then
   2-line `OrderPlaced` messages with skewed SKU popularity, mixed tiers and
   maximum waits. Timed end to end from the upstream dict (`handle_raw`, the
   headline), from pre-parsed messages (`handle`), and on the in-memory store
   (the domain's own share of the cost).
2. The raw `eventsourcing` SQLite append ceiling: a trivial aggregate on a
   plain `Application`, one event per `save()`, and 100 events per `save()`.
3. Cost per line against queue depth: 1,000 versus 100,000 lines already
   waiting across 100 SKUs (a supplier, so ETAs are promised; no stock, no
   POs, so every line backorders), then time further 2-line orders.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sqlite3
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import ceiling as ceiling_mod
from bench import report
from bench.report import (
    exit_zero,
    guarded,
    load_average,
    mark,
    open_sqlite_bench,
    parse_options,
    print_table,
    say,
    say_load,
    say_total,
)
from bench.workload import Clock, MixedCatalogue, backorder_orders, deep_catalogue
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.engine import Engine
from services.outcomes import Status
from services.parsing import parse_message

TARGET_LINES_PER_S = 2_000
TARGET_DEPTH_RATIO = 1.5


# --------------------------------------------------------------------------
# helpers


@dataclass
class Run(report.Run):
    domain_events: int = 0  # as reported by the engine (inbox record excluded)
    stored_events: int = 0  # rows added to stored_events (inbox included)
    snapshots: int = 0  # rows added to stored_snapshots
    statuses: Tally = field(default_factory=Tally)
    rejections: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        """What events_per_s counts here: rows stored, the inbox's included."""
        return self.stored_events

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
    outcomes = []
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


def timed_batches(store: Store, label: str, messages: list[dict], size: int) -> Run:
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


def report(run: Run) -> None:
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


def line_outcomes(engine: Engine, order_ids: list[str]) -> Tally:
    tally: Tally = Tally()
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


# --------------------------------------------------------------------------
# part 1


@dataclass
class MixedResult:
    raw: Run | None = None
    parsed: Run | None = None
    memory: Run | None = None
    batched: Run | None = None
    parse_only_s: float = 0.0
    setup_messages: int = 0
    outcomes: Tally = field(default_factory=Tally)


def part_mixed(folder: Path, orders: int, skus: int, repeat: int) -> MixedResult:
    say(f"[1] mixed workload: {skus} SKUs, {orders:,} OrderPlaced messages x 2 lines")
    result = MixedResult()
    catalogue = MixedCatalogue(skus=skus)
    clock = Clock(prefix="mix")
    setup = catalogue.build(clock)
    stream = list(catalogue.orders(clock, orders))
    result.setup_messages = len(setup)
    order_ids = [m["order_id"] for m in stream]

    # (a) headline: end to end from the upstream dict
    store = Store(folder, "mixed-raw")
    t = time.perf_counter()
    s = feed(store, setup)
    say(
        f"    set-up: {s.messages} messages (suppliers, SKU config, receipts, POs, substitutes) "
        f"in {time.perf_counter() - t:.2f} s; not applied: "
        f"{ {k.value: v for k, v in s.statuses.items() if k is not Status.APPLIED} or 'none' }"
    )
    for r in s.rejections:
        say(f"    !! {r}")
    runs = [timed(store, "handle_raw(dict), SQLite, run 1", stream)]
    report(runs[0])
    result.outcomes = line_outcomes(store.engine, order_ids)
    store.close()
    for n in range(2, repeat + 1):  # the same again on fresh stores: the median resists noisy neighbours
        store = Store(folder, f"mixed-raw-{n}")
        feed(store, setup)
        runs.append(timed(store, f"handle_raw(dict), SQLite, run {n}", stream))
        report(runs[-1])
        store.close()
    runs.sort(key=lambda r: r.seconds)
    result.raw = runs[len(runs) // 2]
    if repeat > 1:
        say(
            f"    median of {repeat} runs: {result.raw.lines_per_s:,.0f} lines/s "
            f"(best {runs[0].lines_per_s:,.0f}, worst {runs[-1].lines_per_s:,.0f})"
        )
    with_eta = result.outcomes.pop("with an ETA", 0)
    total = sum(result.outcomes.values())
    mix = ", ".join(f"{k} {v:,} ({v / max(total, 1):.0%})" for k, v in result.outcomes.most_common())
    say(f"    line outcomes after run 1 ({total:,} lines): {mix}; {with_eta:,} lines carry an ETA")

    # (b) parsing outside the clock
    t = time.perf_counter()
    parsed = [parse_message(m) for m in stream]
    result.parse_only_s = time.perf_counter() - t
    say(
        f"    parsing alone: {len(stream):,} msgs in {result.parse_only_s:.2f} s "
        f"({result.parse_only_s / len(stream) * 1e6:,.0f} us/msg)"
    )
    store = Store(folder, "mixed-parsed")
    feed(store, setup)
    result.parsed = timed(store, "handle(parsed), SQLite", parsed, raw=False)
    report(result.parsed)
    store.close()

    # (b2) the `antrian ingest` path: parsed and applied in batches of 500 per transaction
    store = Store(folder, "mixed-batched")
    feed(store, setup)
    result.batched = timed_batches(store, "ingest path (parse + handle_batch of 500), SQLite", stream, 500)
    report(result.batched)
    store.close()

    # (c) the same on the in-memory store: what the domain alone costs
    store = Store(folder, "mixed-memory", store="memory")
    feed(store, setup)
    result.memory = timed(store, "handle_raw(dict), in-memory store", stream)
    report(result.memory)
    store.close()
    return result


# --------------------------------------------------------------------------
# part 2


def part_ceiling(budget_s: float) -> list[ceiling_mod.Ceiling]:
    say("[2] raw eventsourcing SQLite append ceiling (plain Application, trivial aggregate)")
    results = []
    for pydantic in (False, True):
        for fn in (ceiling_mod.single_event_saves, ceiling_mod.batched_saves):
            c = fn(pydantic, budget_s=budget_s)
            results.append(c)
            say(
                f"    {c.label}: {c.events:,} events in {c.saves:,} saves, {c.seconds:.2f} s -> "
                f"{c.events_per_s:,.0f} events/s, {c.saves_per_s:,.0f} saves/s"
            )
    return results


# --------------------------------------------------------------------------
# part 3


@dataclass
class DepthResult:
    waiting: int
    preload_s: float = 0.0
    preload_lines: int = 0
    first: Run | None = None  # the first `window` lines
    long: Run | None = None  # first + rest: amortises Stock snapshots
    priority: Run | None = None  # gold/platinum lines jumping the standard queue


def part_depth(
    folder: Path,
    waiting: int,
    skus: int,
    window: int,
    long_window: int,
    priority_lines: int,
    preload_lpo: int,
) -> DepthResult:
    say(f"[3] queue depth: {waiting:,} lines waiting across {skus} SKUs")
    res = DepthResult(waiting)
    store = Store(folder, f"depth-{waiting}")
    clock = Clock(prefix=f"d{waiting}")
    feed(store, deep_catalogue(clock, skus))
    # preload through the engine, with big orders (one line per SKU per order)
    step = max(waiting // 10, preload_lpo)
    next_mark = step
    done = 0
    t0 = time.perf_counter()
    t_mark, done_mark = t0, 0
    for message in backorder_orders(clock, skus, waiting, preload_lpo, prefix=f"P{waiting}"):
        outcome = store.engine.handle_raw(message)
        if outcome.status is not Status.APPLIED:
            say(f"    !! preload message not applied: {outcome.detail}")
        done += len(message["lines"])
        if done >= next_mark:
            now = time.perf_counter()
            say(
                f"    preload {done:>7,}/{waiting:,} lines, {now - t0:6.1f} s "
                f"(last chunk {(done - done_mark) / (now - t_mark):,.0f} lines/s)"
            )
            t_mark, done_mark = now, done
            next_mark += step
    res.preload_s = time.perf_counter() - t0
    res.preload_lines = done
    stock = store.engine.get_stock("SKU-00000")
    say(
        f"    preloaded {done:,} lines in {res.preload_s:.1f} s ({done / res.preload_s:,.0f} lines/s); "
        f"SKU-00000 queue {len(stock.queue):,} lines, Stock version {stock.version:,}"
    )
    # the timed window: 2-line orders, standard tier, all backorder at the tail
    stream = list(backorder_orders(clock, skus, long_window, 2, prefix=f"W{waiting}", start_sku=0))
    head, rest = _split_lines(stream, window)
    res.first = timed(store, f"first {window:,} lines (2-line msgs) @ {waiting:,} waiting", head)
    report(res.first)
    chunks = [res.first]
    while rest:
        head, rest = _split_lines(rest, window)
        chunks.append(timed(store, "chunk", head))
    res.long = _combine(f"all {long_window:,} lines (2-line msgs) @ {waiting:,} waiting", *chunks)
    report(res.long)
    say(
        f"    per {window:,}-line chunk: "
        + ", ".join(f"{c.us_per_line:,.0f} us/line ({c.snapshots} snaps)" for c in chunks)
    )
    # priority customers: lines that join at the front of a standard queue
    if priority_lines:
        pri = list(backorder_orders(clock, skus, priority_lines, 2, prefix=f"G{waiting}", start_sku=0))
        for i, m in enumerate(pri):
            m["customer_tier"] = "gold" if i % 2 else "platinum"
        res.priority = timed(store, f"{priority_lines:,} gold/platinum lines @ {waiting:,} waiting", pri)
        report(res.priority)
    if preload_lpo > 2 and res.first.lines_per_s:
        say(
            f"    note: preloaded with {preload_lpo}-line orders; at the 2-line-message rate measured "
            f"above ({res.first.lines_per_s:,.0f} lines/s at this depth) the same preload would take "
            f"at least ~{waiting / res.first.lines_per_s:,.0f} s"
        )
    store.close()
    return res


def _split_lines(stream: list[dict], lines: int) -> tuple[list[dict], list[dict]]:
    count = 0
    for i, m in enumerate(stream):
        if count >= lines:
            return stream[:i], stream[i:]
        count += len(m["lines"])
    return stream, []


def _combine(label: str, *parts: Run) -> Run:
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


# --------------------------------------------------------------------------
# the final table


def table(mixed: MixedResult | None, ceilings: list, depth: dict[int, DepthResult]) -> None:
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, figure: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, figure, target, mark(ok)))

    if mixed and mixed.raw:
        r = mixed.raw
        row(
            "[1] lines/s, end to end from dict (HEADLINE)",
            f"{r.lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}",
            r.lines_per_s >= TARGET_LINES_PER_S,
        )
        row("[1] messages/s, end to end from dict", f"{r.messages_per_s:,.0f}")
        row("[1] events/s stored (incl. 1 inbox event/msg)", f"{r.events_per_s:,.0f}")
        row("[1] us per line, end to end", f"{r.us_per_line:,.0f}")
    if mixed and mixed.parsed:
        r = mixed.parsed
        row("[1] lines/s, pre-parsed messages", f"{r.lines_per_s:,.0f}")
        row("[1] messages/s, pre-parsed messages", f"{r.messages_per_s:,.0f}")
        row("[1] events/s stored, pre-parsed", f"{r.events_per_s:,.0f}")
    if mixed and mixed.batched:
        row(
            "[1] lines/s, ingest path (batches of 500)",
            f"{mixed.batched.lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}",
            mixed.batched.lines_per_s >= TARGET_LINES_PER_S,
        )
    if mixed and mixed.memory:
        row("[1] lines/s, in-memory store (domain only)", f"{mixed.memory.lines_per_s:,.0f}")
    single = next((c for c in ceilings if c.label.startswith("1 event") and "library" in c.label), None)
    batch = next((c for c in ceilings if c.label.startswith("100 events") and "library" in c.label), None)
    for c in ceilings:
        row(f"[2] ceiling {c.label}, events/s", f"{c.events_per_s:,.0f}")
    if mixed and mixed.raw and single and batch:
        e = mixed.raw.events_per_s
        row("[2] engine events/s / 1-event-per-save ceiling", f"{e / single.events_per_s:.2f}")
        row("[2] engine events/s / 100-events-per-save ceiling", f"{e / batch.events_per_s:.2f}")
        row(
            "[2] engine msgs/s / ceiling saves/s (1 save per msg)",
            f"{mixed.raw.messages_per_s / single.saves_per_s:.2f}",
        )
    for waiting, d in sorted(depth.items()):
        if d.first:
            row(f"[3] us/line, first window @ {waiting:,} waiting", f"{d.first.us_per_line:,.0f}")
            row(
                f"[3] lines/s, first window @ {waiting:,} waiting",
                f"{d.first.lines_per_s:,.0f}",
                f">= {TARGET_LINES_PER_S:,}",
                d.first.lines_per_s >= TARGET_LINES_PER_S,
            )
        if d.long:
            row(
                f"[3] us/line, long window @ {waiting:,} waiting ({d.long.snapshots} snaps)",
                f"{d.long.us_per_line:,.0f}",
            )
        if d.priority:
            row(f"[3] us/line, gold/platinum lines @ {waiting:,} waiting", f"{d.priority.us_per_line:,.0f}")
        row(f"[3] preload lines/s via engine (to {waiting:,})", f"{d.preload_lines / d.preload_s:,.0f}")
    depths = sorted(depth)
    if len(depths) >= 2:
        lo, hi = depth[depths[0]], depth[depths[-1]]
        if lo.first and hi.first:
            ratio = hi.first.us_per_line / lo.first.us_per_line
            row(
                f"[3] cost ratio {depths[-1]:,} / {depths[0]:,} waiting, first window",
                f"{ratio:.2f}",
                f"<= {TARGET_DEPTH_RATIO}",
                ratio <= TARGET_DEPTH_RATIO,
            )
        if lo.long and hi.long:
            ratio = hi.long.us_per_line / lo.long.us_per_line
            row(
                f"[3] cost ratio {depths[-1]:,} / {depths[0]:,} waiting, long window",
                f"{ratio:.2f}",
                f"<= {TARGET_DEPTH_RATIO}",
                ratio <= TARGET_DEPTH_RATIO,
            )
        if lo.priority and hi.priority:
            ratio = hi.priority.us_per_line / lo.priority.us_per_line
            row(
                "[3] cost ratio, gold/platinum lines",
                f"{ratio:.2f}",
                f"<= {TARGET_DEPTH_RATIO}",
                ratio <= TARGET_DEPTH_RATIO,
            )
    print_table(rows)


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument(
        "--orders", type=int, default=None, help="OrderPlaced messages in part 1 (default 3000)"
    )
    parser.add_argument("--skus", type=int, default=300, help="SKUs in part 1")
    parser.add_argument("--repeat", type=int, default=3, help="part 1 headline runs (median reported)")
    parser.add_argument(
        "--deep", type=int, default=None, help="the deep case's waiting lines (default 100000)"
    )
    parser.add_argument("--shallow", type=int, default=1_000, help="the shallow case's waiting lines")
    parser.add_argument("--depth-skus", type=int, default=100)
    parser.add_argument("--window", type=int, default=2_000, help="lines timed in part 3's first window")
    parser.add_argument("--long-window", type=int, default=None, help="lines timed in all (default 8000)")
    parser.add_argument("--priority-lines", type=int, default=400)
    parser.add_argument("--preload-lines-per-order", type=int, default=100)
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    args = parse_options(parser, argv, keep_help="keep the SQLite files (path printed)")
    orders = args.orders or (300 if args.quick else 3_000)
    deep = args.deep or (10_000 if args.quick else 100_000)
    long_window = args.long_window or (4_000 if args.quick else 8_000)

    folder, remove_folder = open_sqlite_bench(
        "engine", f", {platform.platform()}", "antrian-bench-", args.keep
    )
    load0 = load_average()
    say_load(load0)
    started = time.perf_counter()
    mixed: MixedResult | None = None
    ceilings: list = []
    depth: dict[int, DepthResult] = {}

    if "1" in args.parts:
        mixed = guarded("1", lambda: part_mixed(folder, orders, args.skus, args.repeat))
    if "2" in args.parts:
        ceilings = guarded("2", lambda: part_ceiling(args.ceiling_seconds)) or []
    if "3" in args.parts:
        for waiting in (args.shallow, deep):
            r = guarded(
                f"3 ({waiting:,} waiting)",
                lambda w=waiting: part_depth(
                    folder,
                    w,
                    args.depth_skus,
                    args.window,
                    long_window,
                    args.priority_lines,
                    args.preload_lines_per_order,
                ),
            )
            if r is not None:
                depth[waiting] = r
    guarded("table", lambda: table(mixed, ceilings, depth))
    say_total(started, load0)
    remove_folder()
    return 0


if __name__ == "__main__":
    exit_zero(main)
