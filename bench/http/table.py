"""The bench's one table: each figure beside its target, PASS or MISS, in bench/report.py's layout."""

from __future__ import annotations

from bench.http.figures import LoadRun, statuses_text
from bench.http.writes import Applied, difference, outcomes_text
from bench.report import Row, mark

READ_P99_MS = 50.0
WRITE_RATIO = 0.8


def read_rows(runs: list[LoadRun]) -> list[Row]:
    rows: list[Row] = []
    for run in runs:
        if not run.rate:  # a part of the run above
            figures = f"p50 {run.pct(0.5):.1f} / p90 {run.pct(0.9):.1f} / p99 {run.pct(0.99):.1f} ms"
            rows.append((run.label, figures, f"{len(run.samples):,} requests", ""))
            continue
        ceiling = run.label.startswith("GET /health")
        p99 = run.pct(0.99)
        rows.append(
            (
                f"{run.label}, {run.rate:.0f}/s x {run.seconds:.0f} s",
                f"p50 {run.pct(0.5):.1f} / p90 {run.pct(0.9):.1f} / p99 {p99:.1f} / max {run.worst_ms:.1f} ms",
                "" if ceiling else f"p99 < {READ_P99_MS:.0f} ms",
                "" if ceiling else mark(p99 < READ_P99_MS),
            )
        )
        rows.append(
            (
                "  answered, statuses",
                f"{run.answered_per_s:.1f}/s; {statuses_text(run.statuses)}",
                f"sender at most {run.max_send_lag_ms:.0f} ms late",
                "",
            )
        )
    return rows


def write_rows(ingested: Applied, startup_s: float, posted: Applied, paced: Applied | None) -> list[Row]:
    ratio = posted.per_s / ingested.per_s if ingested.per_s else 0.0
    warm = ingested.lines / (ingested.seconds - startup_s) if ingested.seconds > startup_s else 0.0
    rows: list[Row] = [
        (
            f"antrian ingest, {ingested.lines:,} lines",
            f"{ingested.per_s:,.0f} lines/s ({ingested.seconds:.1f} s)",
            "",
            "",
        ),
        (f"  its start-up left out ({startup_s:.1f} s)", f"{warm:,.0f} lines/s", "", ""),
        (
            f"POST /messages, {posted.lines:,} lines in 500s, flat out",
            f"{posted.per_s:,.0f} lines/s ({posted.seconds:.1f} s)",
            "",
            "",
        ),
        ("  ratio to antrian ingest", f"{ratio:.2f}", f">= {WRITE_RATIO}", mark(ratio >= WRITE_RATIO)),
        (
            "  ratio to ingest without its start-up",
            f"{posted.per_s / warm:.2f}" if warm else "-",
            f">= {WRITE_RATIO}",
            mark(bool(warm) and posted.per_s / warm >= WRITE_RATIO),
        ),
    ]
    if paced is not None and paced.batches is not None:
        batches = paced.batches
        rows.append(
            (
                f"{paced.label}, a batch a second",
                f"batch p50 {batches.pct(0.5):,.0f} / p99 {batches.pct(0.99):,.0f} / max {batches.worst_ms:,.0f} ms",
                "max < 1,000 ms (kept pace)",
                mark(batches.worst_ms < 1000),
            )
        )
    rows += [
        ("outcomes, antrian ingest", outcomes_text(ingested.outcomes), "", ""),
        ("  the parked ones, later", ingested.later, "", ""),
    ]
    for other in [posted] + ([paced] if paced is not None else []):
        rows += same_work(ingested, other)
    return rows


def same_work(ingested: Applied, other: Applied) -> list[Row]:
    """The outcomes, and the stored events kind by kind, of a POST run against ingest's."""
    differ = difference(ingested.kinds, other.kinds)
    events = f"{sum(other.kinds.values()):,} events in {len(other.kinds)} kinds" + (
        f"; {differ}" if differ else ""
    )
    return [
        (
            f"outcomes, {other.label}",
            outcomes_text(other.outcomes),
            "ingest's",
            mark(other.outcomes == ingested.outcomes),
        ),
        ("  stored events (dead letters aside)", events, "ingest's", mark(not differ)),
    ]
