"""`python -m bench.traffic`: the ingest path on realistic traffic, SQLite default.

Figures a user gets, not the clean-input ones: a stream with refusals and
re-sends against the same stream's applied messages alone (the clean
stream), a full re-ingest of an applied file, a re-run after a crash part
way through, and the events and bytes stored per applied message, with the
raw SQLite append ceiling of this machine measured in the same run.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench.ceiling import batched_saves
from bench.report import mark, parse_options, print_table, say, sqlite_bench
from bench.traffic.generator import realistic
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.ingest import apply_lines
from services.outcomes import Outcome, Status

BATCH = 500  # antrian ingest's default


@dataclass
class Ingest:
    lines: int
    seconds: float
    counts: dict[Status, int]
    outcomes: list[Outcome]

    @property
    def per_s(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


def ingest(db: Path, lines: list[bytes]) -> Ingest:
    """What `antrian ingest` does with a file, timed from opening the store to closing it."""
    started = time.perf_counter()
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    outcomes: list[Outcome] = []
    for start in range(0, len(lines), BATCH):
        outcomes += apply_lines(engine, lines[start : start + BATCH])
    engine.close()
    seconds = time.perf_counter() - started
    counts = {status: sum(o.status is status for o in outcomes) for status in Status}
    return Ingest(len(lines), seconds, counts, outcomes)


def stored(db: Path) -> tuple[int, int]:
    """Events and bytes of event state in the store (snapshots not counted)."""
    with sqlite3.connect(db) as connection:
        events, size = connection.execute("SELECT COUNT(*), SUM(LENGTH(state)) FROM stored_events").fetchone()
    return events, size or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.traffic", description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=4_000, help="lines in the realistic stream")
    parser.add_argument("--skus", type=int, default=5)
    parser.add_argument("--waiting", type=int, default=200, help="waiting lines per SKU the stream grows to")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument(
        "--tame", action="store_true", help="no absurd values (to compare with older versions)"
    )
    args = parse_options(parser, argv, keep_help="keep the SQLite files (path printed)")
    size = 400 if args.quick else args.messages
    waiting = 20 if args.quick else args.waiting
    with sqlite_bench(
        "traffic", f": {size} messages, {args.skus} SKUs", "antrian-traffic-", args.keep
    ) as folder:
        rows = run(folder, size, args.skus, waiting, not args.tame)
        print_table(rows)
    return 0


def run(folder: Path, size: int, skus: int, waiting: int, absurd: bool) -> list[tuple[str, str, str, str]]:
    traffic = realistic(size, skus, waiting_per_sku=waiting, absurd=absurd)
    say(f"stream: {len(traffic.lines)} lines, {traffic.nasty} sent to be refused, {traffic.resent} re-sent")
    first = ingest(folder / "real.sqlite", traffic.lines)
    seen: set[str] = set()
    clean = []
    for raw, outcome in zip(traffic.lines, first.outcomes, strict=True):
        if outcome.status is Status.APPLIED and outcome.message_id not in seen:
            seen.add(outcome.message_id or "")
            clean.append(raw)
    clean_run = ingest(folder / "clean.sqlite", clean)
    again = ingest(folder / "real.sqlite", traffic.lines)
    cut = len(traffic.lines) * 3 // 10
    ingest(folder / "crash.sqlite", traffic.lines[:cut])
    rerun = ingest(folder / "crash.sqlite", traffic.lines)
    events, size_bytes = stored(folder / "clean.sqlite")
    ceiling = batched_saves(pydantic=True, aggregates_per_save=100, budget_s=2.0)
    applied = clean_run.counts[Status.APPLIED]
    refused = sum(n for status, n in first.counts.items() if status not in (Status.APPLIED, Status.DUPLICATE))
    say(
        f"realistic: applied {first.counts[Status.APPLIED]}, already applied {first.counts[Status.DUPLICATE]}, "
        f"refused {refused} ({refused / len(traffic.lines):.0%})"
    )
    ratio = first.per_s / clean_run.per_s
    reingest = again.per_s / clean_run.per_s
    after_crash = rerun.per_s / clean_run.per_s
    per_message = events / applied
    kb = size_bytes / applied / 1024
    budget = 60 * len(traffic.lines) / 41_000  # the target: the 41,000-line file in under 60 s
    return [
        (
            f"realistic stream, all {len(traffic.lines):,} lines",
            f"{first.seconds:,.1f} s",
            f"< {budget:,.0f} s",
            mark(first.seconds < budget),
        ),
        ("clean stream (its applied messages alone)", f"{clean_run.per_s:,.0f} msgs/s", "", ""),
        ("realistic stream (refusals, re-sends)", f"{first.per_s:,.0f} msgs/s", "", ""),
        ("  ratio to clean", f"{ratio:.2f}", ">= 0.8", mark(ratio >= 0.8)),
        ("full re-ingest of the applied file", f"{again.per_s:,.0f} msgs/s", "", ""),
        ("  ratio to clean", f"{reingest:.2f}", ">= 0.8", mark(reingest >= 0.8)),
        (f"re-run after a crash at line {cut}", f"{rerun.per_s:,.0f} msgs/s", "", ""),
        ("  ratio to clean", f"{after_crash:.2f}", ">= 0.8", mark(after_crash >= 0.8)),
        ("stored events per applied message", f"{per_message:.1f}", "<= 20", mark(per_message <= 20)),
        ("stored KB per applied message", f"{kb:.1f}", "<= 20", mark(kb <= 20)),
        ("ceiling: SQLite append, 100 events/save", f"{ceiling.events_per_s:,.0f} events/s", "", ""),
        (
            "  clean stream's events/s over the ceiling",
            f"{events / clean_run.seconds / ceiling.events_per_s:.2f}",
            "",
            "",
        ),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
