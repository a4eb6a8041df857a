"""What bench.allocation prints: each run's table, the pooled summary with the issue's target, JSON."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.allocation.metrics import TierFigures, combined
from bench.allocation.policies import BASELINE, RESERVES, VARIANTS
from bench.allocation.runner import Result
from bench.allocation.world import World
from bench.report import mark, print_table, say

TARGET_TOP_ON_TIME = 0.98  # issue 17: with tier reserve, the top tier fills at least 98% on time
TARGET_FILL_POINTS = 0.01  # ... while the overall fill rate stays within 1 point of priority-fifo-v1


@dataclass
class Pooled:
    variant: str
    seeds: list[int] = field(default_factory=list)
    tiers: list[TierFigures] = field(default_factory=list)
    bound: float = 0.0
    ceiling_units: float = 0.0  # fill ceiling x units ordered, summed
    on_shelf: int = 0  # units received no line holds at the horizon, summed
    mismatched: int = 0
    unread: Counter[str] = field(default_factory=Counter)

    @property
    def overall(self) -> TierFigures:
        return self.tiers[-1]

    @property
    def fill_ceiling(self) -> float:
        return self.ceiling_units / self.overall.ordered if self.overall.ordered else 1.0


def world_line(world: World) -> str:
    sent = ", ".join(f"{k} {v:,}" for k, v in sorted(world.sent.items()))
    return (
        f"world seed {world.seed}: {len(world.skus)} SKUs, {world.shape.days} days, "
        f"{len(world.stream):,} messages ({sent})"
    )


def say_result(r: Result) -> None:
    applied = ", ".join(f"{k} {v:,}" for k, v in r.statuses.most_common())
    say(f"  {r.variant} (seed {r.seed}): {applied}; {r.seconds:.1f} s")
    _tier_table(r.tiers, "    ")
    say(
        f"    shortage cost {r.overall.cost:,.0f}, lower bound (hindsight optimum) {r.bound:,.0f}"
        f"{_ratio(r.overall.cost, r.bound)}; fill rate {r.overall.fill_rate:.1%}, "
        f"ceiling (units received) {r.fill_ceiling:.1%}; {r.on_shelf:,} units on the shelf at the horizon"
    )
    _warn(r.outcome.mismatched, r.outcome.unread)


def _tier_table(tiers: list[TierFigures], indent: str) -> None:
    say(
        f"{indent}{'tier':<9} {'lines':>6} {'units':>6} {'fill rate':>9} {'on time':>8} {'undecided':>9} "
        f"{'wait mean':>9} {'wait p90':>8} {'cost':>10}"
    )
    for t in tiers:
        say(
            f"{indent}{t.tier:<9} {t.lines:>6,} {t.ordered:>6,} {t.fill_rate:>9.1%} {t.on_time_share:>8.1%} {t.undecided:>9,} "
            f"{_days(t.wait_mean):>9} {_days(t.wait_p90):>8} {t.cost:>10,.0f}"
        )


def _warn(mismatched: int, unread: Counter[str]) -> None:
    if mismatched or unread:
        say(
            f"    !! {mismatched} line(s) whose units the Stock's events do not explain; Stock events "
            f"not read: {dict(unread) or 'none'}: these figures are not to be trusted"
        )


def pool(results: list[Result]) -> dict[str, Pooled]:
    pooled: dict[str, Pooled] = {}
    for r in results:
        p = pooled.setdefault(r.variant, Pooled(r.variant))
        p.seeds.append(r.seed)
        p.bound += r.bound
        p.ceiling_units += r.fill_ceiling * r.overall.ordered
        p.on_shelf += r.on_shelf
        p.mismatched += r.outcome.mismatched
        p.unread.update(r.outcome.unread)
    for p in pooled.values():
        mine = [r for r in results if r.variant == p.variant]
        p.tiers = [combined(t.tier, [r.tiers[i] for r in mine]) for i, t in enumerate(mine[0].tiers)]
    return pooled


def summary(pooled: dict[str, Pooled], skipped: dict[str, str], seeds: int) -> None:
    say()
    say(f"pooled over {seeds} world(s):")
    rows: list[tuple[str, str, str, str]] = []
    for variant in VARIANTS:
        p = pooled.get(variant.name)
        if p is None:
            rows.append((variant.name, "skipped", "(why: see above)", ""))
            continue
        say(f"  {p.variant}")
        _tier_table(p.tiers, "    ")
        _warn(p.mismatched, p.unread)
        top = p.tiers[0]
        rows.append(
            (
                f"{p.variant}: fill rate, all tiers",
                f"{p.overall.fill_rate:.1%}",
                f"ceiling {p.fill_ceiling:.1%}",
                "",
            )
        )
        rows.append((f"{p.variant}: units on the shelf at the horizon", f"{p.on_shelf:,}", "", ""))
        rows.append((f"{p.variant}: {top.tier} on time", f"{top.on_time_share:.1%}", "", ""))
        rows.append(
            (
                f"{p.variant}: shortage cost",
                f"{p.overall.cost:,.0f}",
                f"bound {p.bound:,.0f}{_ratio(p.overall.cost, p.bound)}",
                "",
            )
        )
    for reserve in RESERVES:
        met, text = target(pooled, skipped, reserve)
        rows.append(
            (
                f"{reserve}: top on time >= 98%, fill within 1 pt of priority-fifo-v1",
                text,
                "issue 17",
                mark(met),
            )
        )
    print_table(rows, title="policy: measure")


def target(pooled: dict[str, Pooled], skipped: dict[str, str], name: str) -> tuple[bool | None, str]:
    """The issue's target for one tier-reserve version: (met, what the figures were); None when it or
    the baseline did not run."""
    reserve, base = pooled.get(name), pooled.get(BASELINE)
    if reserve is None or base is None:
        return None, "not run"
    top = reserve.tiers[0].on_time_share
    gap = base.overall.fill_rate - reserve.overall.fill_rate
    met = top >= TARGET_TOP_ON_TIME and abs(gap) <= TARGET_FILL_POINTS
    shelved = (reserve.on_shelf - base.on_shelf) / reserve.overall.ordered if reserve.overall.ordered else 0.0
    return met, (
        f"top {top:.1%} on time, fill {gap * 100:+.1f} pt below the baseline "
        f"(the units left on the shelf at the horizon: {shelved * 100:+.1f} pt of those ordered)"
    )


def as_json(pooled: dict[str, Pooled], skipped: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    targets = {name: target(pooled, skipped, name) for name in RESERVES}
    return {
        "seeds": args.seeds,
        "costs": args.costs,
        "skipped": skipped,
        "target": {name: {"met": met, "figures": text} for name, (met, text) in targets.items()},
        "policies": {
            p.variant: {
                "bound": p.bound,
                "fill_ceiling": p.fill_ceiling,
                "units_on_shelf_at_horizon": p.on_shelf,
                "mismatched_lines": p.mismatched,
                "tiers": {
                    t.tier: {
                        "lines": t.lines,
                        "units": t.ordered,
                        "filled": t.filled,
                        "fill_rate": t.fill_rate,
                        "on_time": t.on_time_share,
                        "undecided_lines": t.undecided,
                        "wait_mean_days": t.wait_mean,
                        "wait_p90_days": t.wait_p90,
                        "shortage_cost": t.cost,
                    }
                    for t in p.tiers
                },
            }
            for p in pooled.values()
        },
    }


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} d"


def _ratio(cost: float, bound: float) -> str:
    return f" ({cost / bound:.2f}x)" if bound > 0 else ""
