"""The final table of the Kafka bench: every part's headline figures, targets and ratios to the ceilings.

The layout is bench/report.py's, shared with bench/engine/.
"""

from __future__ import annotations

from bench.ceiling import Ceiling
from bench.kafka.alone import Alone
from bench.kafka.ceilings import KafkaCeiling
from bench.kafka.common import BATCH, LATENCY_LINES_PER_S, TARGET_LINES_PER_S, TARGET_P99_MS
from bench.kafka.latency import Latency
from bench.kafka.throughput import Throughput
from bench.report import mark, print_table, say


def table(
    e2e: Throughput | None,
    split: Throughput | None,
    lat: Latency | None,
    lat_split: Latency | None,
    kafka: list[KafkaCeiling],
    pg: list[Ceiling],
    alone: tuple[Alone, Alone] | None,
    runs: tuple[list[Throughput | None], list[Throughput | None]] = ([], []),
) -> None:
    """`e2e` and `split` are the median runs of `runs` (each part 1 / 1b run, None if it failed)."""
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, figure: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, figure, target, mark(ok)))

    def lines_rows(
        part: str, run: Throughput, every: list[Throughput | None], headline: str, steady: str
    ) -> None:
        """A part 1 run's lines/s against the target, end to end and in steady state, and every run."""
        for what, figure in ((headline, run.lines_per_s), (steady, run.steady_lines_per_s)):
            row(
                f"{part} {what}", f"{figure:,.0f}", f">= {TARGET_LINES_PER_S:,}", figure >= TARGET_LINES_PER_S
            )
        if len(every) > 1:
            row(
                f"{part} lines/s end to end, every run (median above)",
                _each(every),
            )

    if e2e:
        lines_rows(
            "[1]",
            e2e,
            runs[0],
            "lines/s end to end, engine start -> all out (HEADLINE)",
            "lines/s steady state (10%..90% of orders out)",
        )
        row("[1] messages/s end to end", f"{e2e.messages_per_s:,.0f}")
        row("[1] outbound events/s published", f"{e2e.events_per_s:,.0f}")
        row("[1] events/s stored (incl. inbox)", f"{e2e.stored_per_s:,.0f}")
        row("[1] engine start -> first outbound event, s", f"{e2e.startup:.2f}")
    if split:
        lines_rows(
            "[1b]",
            split,
            runs[1],
            "lines/s end to end, relay started on its own",
            "lines/s steady state, relay started on its own",
        )
        row("[1b] outbound events/s published, relay started on its own", f"{split.events_per_s:,.0f}")
    if lat and lat.ms:
        row(f"[2] achieved load, lines/s (target {LATENCY_LINES_PER_S})", f"{lat.achieved_lines_per_s:,.0f}")
        row("[2] latency p50, ms", f"{lat.pct(0.5):,.0f}")
        row("[2] latency p90, ms", f"{lat.pct(0.9):,.0f}")
        row(
            f"[2] latency p99, ms @ {LATENCY_LINES_PER_S} lines/s",
            f"{lat.pct(0.99):,.0f}",
            f"< {TARGET_P99_MS:.0f}",
            lat.pct(0.99) < TARGET_P99_MS and lat.received == lat.sent,
        )
        row("[2] latency max, ms", f"{max(lat.ms):,.0f}")
        if lat.received < lat.sent:
            row("[2] messages that never came out (20 s grace)", f"{lat.sent - lat.received:,}")
    if lat_split and lat_split.ms:
        row(
            "[2b] latency p50 / p90, ms, relay started on its own",
            f"{lat_split.pct(0.5):,.0f} / {lat_split.pct(0.9):,.0f}",
        )
        row(
            f"[2b] latency p99, ms @ {LATENCY_LINES_PER_S} lines/s, relay started on its own",
            f"{lat_split.pct(0.99):,.0f}",
            f"< {TARGET_P99_MS:.0f}",
            lat_split.pct(0.99) < TARGET_P99_MS and lat_split.received == lat_split.sent,
        )
        row("[2b] latency max, ms, relay started on its own", f"{max(lat_split.ms):,.0f}")
    for k in kafka:
        row(f"[3a] kafka produce, {k.label} ({k.avg_bytes:,.0f} B), msgs/s", f"{k.produce_per_s:,.0f}")
        row(f"[3a] kafka consume, {k.label} ({k.avg_bytes:,.0f} B), msgs/s", f"{k.consume_per_s:,.0f}")
    for p in pg:
        row(f"[3b] PG ceiling {p.label}, events/s", f"{p.events_per_s:,.0f}")
    if alone:
        engine_run, relay_run = alone
        row(
            f"[3c] engine alone on PG (handle_batch {BATCH}), lines/s",
            f"{engine_run.lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}",
            engine_run.lines_per_s >= TARGET_LINES_PER_S,
        )
        row("[3c] engine alone on PG, events/s stored", f"{engine_run.events_per_s:,.0f}")
        row("[3d] relay alone, outbound events/s published", f"{relay_run.events_per_s:,.0f}")
    # ratios to the ceilings
    inbound = next((c for c in kafka if c.label.startswith("inbound")), None)
    outbound = next((c for c in kafka if c.label.startswith("outbound")), None)
    batch = next((c for c in pg if c.label.startswith("100") and "pydantic" in c.label), None)
    single = next((c for c in pg if c.label.startswith("1 event") and "pydantic" in c.label), None)
    if e2e:
        if inbound:
            row(
                "[r] e2e msgs/s / kafka consume ceiling (inbound size)",
                f"{e2e.messages_per_s / inbound.consume_per_s:.3f}",
            )
            row(
                "[r] e2e msgs/s / kafka produce ceiling (inbound size)",
                f"{e2e.messages_per_s / inbound.produce_per_s:.3f}",
            )
        if outbound:
            row(
                "[r] e2e events/s / kafka produce ceiling (outbound size)",
                f"{e2e.events_per_s / outbound.produce_per_s:.3f}",
            )
        if batch:
            row(
                "[r] e2e stored events/s / PG 100-events/save ceiling",
                f"{e2e.stored_per_s / batch.events_per_s:.3f}",
            )
        if single:
            row("[r] e2e msgs/s / PG 1-event/save saves/s", f"{e2e.messages_per_s / single.saves_per_s:.2f}")
        if alone:
            row(
                "[r] e2e lines/s / engine alone on PG lines/s",
                f"{e2e.lines_per_s / alone[0].lines_per_s:.2f}",
            )
            row(
                "[r] e2e events/s published / relay alone events/s",
                f"{e2e.events_per_s / alone[1].events_per_s:.2f}",
            )
    if alone and batch:
        row(
            "[r] engine alone stored events/s / PG 100-events/save ceiling",
            f"{alone[0].events_per_s / batch.events_per_s:.3f}",
        )
    if not rows:
        say("(no figures)")
        return
    print_table(rows, "measure (Kafka + PostgreSQL)")


def _each(runs: list[Throughput | None]) -> str:
    return " / ".join("failed" if r is None else f"{r.lines_per_s:,.0f}" for r in runs)
