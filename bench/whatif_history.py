"""What-if over real history against the original ingest of the same messages (issue 17).

    .venv/bin/python -m bench.whatif_history            # the default demo (seed 7, 42 days, 20 SKUs)
    .venv/bin/python -m bench.whatif_history --quick    # 14 days

Not bench/whatif.py (which sizes the engine's hotspots). The demo's shop is run once
(`antrian demo`'s defaults); the messages it applied are read back from its store and
written to a JSONL file, as upstream would hand them in. Then, in the same run:

part 1: the original ingest (`antrian ingest FILE`'s path: lines parsed and applied in
        batches of 500 into a new SQLite store; and one message per transaction, as the
        demo and a consumer of one record at a time apply them) against `antrian whatif` over that store
        (its contents read, re-applied into a scratch store with fifo-v1 on every SKU, and
        both outcomes computed), and once more with each SKU's own policy.
        Target: the what-if at least as fast as the ingest.
part 2: what keeping each applied message's content costs: the same ingest with the
        inbox entry's `content` kept and left out (as before it was kept; in-process),
        three rounds each, alternating: store size and the best ingest rate side by side.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import orjson

from bench.report import mark, parse_options, print_table, say, sqlite_bench
from infra.bootstrap import build_engine
from infra.settings import Settings
from infra.whatif import run_whatif
from services.inbox import AppliedMessage, fingerprint
from services.ingest import apply_lines
from services.outcomes import Status
from services.whatif_rewrite import Change
from services.whatif_sources import applied_sources
from simulation import DemoOptions, run_demo

BATCH = 500  # `antrian ingest`'s default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.whatif_history", description=__doc__.split("\n")[0]
    )
    defaults = DemoOptions()
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--days", type=int, default=defaults.days)
    parser.add_argument("--quick", action="store_true", help="14 days of the demo")
    args = parse_options(parser, argv, "keep the SQLite files", parts="12")
    options = DemoOptions(seed=args.seed, days=14 if args.quick else args.days)
    detail = (
        f"; demo seed {options.seed}, {options.days} days, {options.skus} SKUs, {options.orders_per_day}/day"
    )
    with sqlite_bench("what-if history", detail, "antrian-whatif-history-", args.keep) as folder:
        source = demo_messages(folder, options)
        rows: list[tuple[str, str, str, str]] = []
        if "1" in args.parts:
            rows += part1(folder, source)
        if "2" in args.parts:
            rows += part2(folder, source)
        print_table(rows)
    return 0


def demo_messages(folder: Path, options: DemoOptions) -> Path:
    """The demo's applied messages, as upstream's JSONL file, in the order they took effect."""
    settings = Settings(sqlite_path=folder / "demo.sqlite")
    engine = build_engine(settings)
    started = time.perf_counter()
    run_demo(engine, options)
    say(f"demo shop simulated in {time.perf_counter() - started:.1f} s")
    contents = applied_sources(engine.recorder, engine.mapper).contents()
    engine.close()
    source = folder / "demo.jsonl"
    source.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in contents))
    say(f"{len(contents):,} messages written to {source}")
    return source


def ingest(path: Path, source: Path, batch: int = BATCH) -> tuple[float, int, int]:
    """(seconds, messages applied, order lines) of ingesting `source` into a new store at `path`."""
    raw = source.read_bytes().splitlines()
    lines = sum(len(orjson.loads(r).get("lines", ())) for r in raw if b'"OrderPlaced"' in r)
    engine = build_engine(Settings(sqlite_path=path))
    started = time.perf_counter()
    applied = 0
    for i in range(0, len(raw), batch):
        applied += sum(o.status is Status.APPLIED for o in apply_lines(engine, raw[i : i + batch]))
    engine.close()
    return time.perf_counter() - started, applied, lines


def part1(folder: Path, source: Path) -> list[tuple[str, str, str, str]]:
    store = folder / "ingested.sqlite"
    seconds, applied, _ = ingest(store, source)
    say(f"part 1: original ingest {applied:,} messages in {seconds:.2f} s (batches of {BATCH})")
    single, _, _ = ingest(folder / "one-by-one.sqlite", source, batch=1)
    say(
        f"part 1: original ingest one message per transaction (as `antrian demo` applies them): {single:.2f} s"
    )
    rows = [
        (f"part 1: original ingest, batches of {BATCH}", f"{seconds:.2f} s", f"{applied:,} messages", ""),
        ("  original ingest, one message a transaction", f"{single:.2f} s", "", ""),
    ]
    settings = Settings(sqlite_path=store)
    for label, policy in (("fifo-v1 on every SKU", "fifo-v1"), ("each SKU's own policy", "priority-fifo-v1")):
        engine = build_engine(settings)
        started = time.perf_counter()
        result = run_whatif(engine, settings, Change(policy))
        took = time.perf_counter() - started
        engine.close()
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
        say(f"part 1: what-if {label}: {took:.2f} s ({parts}); {len(result.reapplied.refused)} refused")
        rows += [
            (f"  what-if, {label}", f"{took:.2f} s", "<= ingest (batches)", mark(took <= seconds)),
            (f"  what-if / ingest in batches, {label}", f"{took / seconds:.2f}", "<= 1.00", ""),
            (
                f"  what-if / ingest one by one, {label}",
                f"{took / single:.2f}",
                "<= 1.00",
                mark(took <= single),
            ),
        ]
    return rows


@contextmanager
def contents_left_out() -> Iterator[None]:
    """The inbox entry as it was before contents were kept (in this process only)."""
    kept: Any = AppliedMessage.__dict__["of"]

    def without_content(cls: type[AppliedMessage], message: Any) -> AppliedMessage:
        return cls(message.message_id, message.type, fingerprint(message), message.by)

    AppliedMessage.of = classmethod(without_content)  # type: ignore[assignment, method-assign]
    try:
        yield
    finally:
        AppliedMessage.of = kept  # type: ignore[method-assign]


def part2(folder: Path, source: Path, rounds: int = 3) -> list[tuple[str, str, str, str]]:
    """Each side ingested `rounds` times, alternating (the machine's noise falls on both): the best rate."""
    rates: dict[str, list[float]] = {"without content": [], "with content": []}
    sizes: dict[str, int] = {}
    for n in range(rounds):
        for label in rates:
            path = folder / f"content-{label.split()[0]}-{n}.sqlite"
            with contents_left_out() if label == "without content" else nullcontext():
                seconds, _, lines = ingest(path, source)
            sizes[label] = sum(
                p.stat().st_size for p in folder.glob(path.name + "*") if not p.name.endswith(".lock")
            )
            rates[label].append(lines / seconds)
    rows = []
    for label, found in rates.items():
        say(
            f"part 2: {label}: {sizes[label] / 1e6:.2f} MB; order lines/s {', '.join(f'{r:,.0f}' for r in found)}"
        )
        rows += [
            (f"part 2: store {label}", f"{sizes[label] / 1e6:.2f} MB", "", ""),
            (f"  ingest lines/s {label} (best of {rounds})", f"{max(found):,.0f}", "", ""),
        ]
    bare, full = max(rates["without content"]), max(rates["with content"])
    rows += [
        (
            "  store size, content kept",
            f"{sizes['with content'] / sizes['without content'] - 1:+.1%}",
            "",
            "",
        ),
        ("  ingest lines/s, content kept", f"{full / bare - 1:+.1%}", "", ""),
    ]
    return rows


if __name__ == "__main__":
    from bench.report import exit_zero

    exit_zero(main)
