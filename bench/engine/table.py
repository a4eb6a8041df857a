"""The engine bench's final table, with its targets."""

from __future__ import annotations

from collections.abc import Callable

from bench.allocation.policies import BASELINE, VARIANTS
from bench.ceiling import Ceiling
from bench.engine.parts import DepthResult, MixedResult, PoliciesResult, ReplenishResult
from bench.report import (
    mark,
    print_table,
)

TARGET_LINES_PER_S = 2_000
TARGET_DEPTH_RATIO = 1.5


TARGET_REPLENISH_SLOWER = 0.10  # issue 16: proactive replenishment no more than 10% slower
TARGET_POLICY_SLOWER = 0.15  # issue 17: each new policy no more than 15% slower than priority-fifo-v1


def table(
    mixed: MixedResult | None,
    ceilings: list[Ceiling],
    depth: dict[int, DepthResult],
    replenish: ReplenishResult | None = None,
    policies: PoliciesResult | None = None,
) -> None:
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
        deep_over_shallow = f"cost ratio {depths[-1]:,} / {depths[0]:,} waiting"
        for window, label in (
            ("first", f"{deep_over_shallow}, first window"),
            ("long", f"{deep_over_shallow}, long window"),
            ("priority", "cost ratio, gold/platinum lines"),
        ):
            low, high = getattr(lo, window), getattr(hi, window)
            if low and high:
                ratio = high.us_per_line / low.us_per_line
                row(
                    f"[3] {label}",
                    f"{ratio:.2f}",
                    f"<= {TARGET_DEPTH_RATIO}",
                    ratio <= TARGET_DEPTH_RATIO,
                )
    if replenish is not None:
        row("[4] lines/s, every SKU configured, reactive (eta-v1 rule)", f"{replenish.off.lines_per_s:,.0f}")
        row("[4] lines/s, the same buying ahead (replenish-v2)", f"{replenish.on.lines_per_s:,.0f}")
        row(
            "[4] proactive replenishment: slower by",
            f"{replenish.slower:.1%}",
            f"<= {TARGET_REPLENISH_SLOWER:.0%}",
            replenish.slower <= TARGET_REPLENISH_SLOWER,
        )
        row(
            "[4] the same on the realistic stream (refusals, re-sends, PO churn)",
            f"{replenish.traffic_slower:.1%} ({replenish.traffic_off:,.0f} -> {replenish.traffic_on:,.0f} lines/s)",
            f"<= {TARGET_REPLENISH_SLOWER:.0%}",
            replenish.traffic_slower <= TARGET_REPLENISH_SLOWER,
        )
    if policies is not None:
        _policy_rows(policies, row)
    print_table(rows)


def _policy_rows(policies: PoliciesResult, row: Callable[..., None]) -> None:
    """Part 5: the baseline's lines/s, then each policy's and how much slower it is; skipped ones named."""
    if BASELINE not in policies.runs:
        return
    row(f"[5] lines/s, {BASELINE} (the baseline)", f"{policies.median(BASELINE).lines_per_s:,.0f}")
    new = {v.name for v in VARIANTS if v.needs}  # issue 17's policies: the target is theirs

    def slower_row(name: str, label: str, slower: float, figure: str) -> None:
        target = f"<= {TARGET_POLICY_SLOWER:.0%}" if name in new else ""
        row(label, figure, target, slower <= TARGET_POLICY_SLOWER if name in new else None)

    for name in (n for n in policies.runs if n != BASELINE):
        slower = policies.slower(name)
        lines_per_s = policies.median(name).lines_per_s
        slower_row(
            name,
            f"[5] {name}: slower by (median of rounds)",
            slower,
            f"{slower:.1%} ({lines_per_s:,.0f} lines/s)",
        )
    if BASELINE in policies.traffic:
        base = sorted(policies.traffic[BASELINE])[len(policies.traffic[BASELINE]) // 2]
        row(f"[5] realistic stream lines/s, {BASELINE}", f"{base:,.0f}")
    for name in (n for n in policies.traffic if n != BASELINE):
        slower = policies.traffic_slower(name)
        slower_row(name, f"[5] realistic stream, {name}: slower by", slower, f"{slower:.1%}")
    for name in policies.skipped:
        row(f"[5] {name}", "skipped (the engine lacks it)")
