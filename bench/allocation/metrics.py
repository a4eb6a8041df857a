"""The figures per tier, with their definitions (the bench prints these same words).

Population: every line requested of a SKU, except lines the customer cancelled (their
demand left; an automatic cancel at a line's maximum wait stays in, as a lost line).
- fill rate: units allocated to the population's lines and still theirs at the end
  (allocated or shipped) / units they ordered.
- on time: share of lines whose every unit came by their first promise: at once for a
  line allocated when it asked (a line served in the decision that took its request is on
  time whatever it was told), by the end (UTC) of its first ETA's day for a backordered
  one; a backordered line promised no date is not on time. A line still waiting at the
  horizon for a first promise that falls after it has not kept nor broken it yet: it is
  left out of the share (right-censored, `undecided`, printed beside it), where counting
  it late would charge every policy for the horizon's cut, not for its promises.
- wait mean / p90: days from a completed line's request to its last unit; lines never
  completed are not in it (the fill rate counts them).
- shortage cost: per tier cost x unit-days waited: each unit from its line's request to the
  time it was (last) allocated, or to the horizon if it never was (an auto-cancelled line's
  units wait to the horizon: a lost sale costs its whole wait). `--costs` sets the costs.
- on the shelf: units received (with stock counts' corrections) that no line holds at the
  horizon, whoever's lines they could have served. Where supply is short of demand, a policy
  that gives out every unit leaves almost none; a reserve leaves the units it keeps back for
  top-tier lines still to come. Those units count as unfilled, so a reserve's fill-rate gap
  to priority-fifo-v1 is mostly this figure's difference (the report prints both).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bench.allocation.outcomes import LineOutcome

DAY = 86_400.0
DEFAULT_COSTS = {"platinum": 10.0, "gold": 4.0, "standard": 1.0}


@dataclass(frozen=True)
class TierFigures:
    tier: str
    lines: int
    ordered: int  # units
    filled: int  # units
    on_time: int  # lines
    undecided: int  # lines still waiting at the horizon for a first promise after it
    waits: tuple[float, ...]  # days, one per completed line
    cost: float

    @property
    def wait_mean(self) -> float | None:
        return statistics.fmean(self.waits) if self.waits else None

    @property
    def wait_p90(self) -> float | None:
        return p90(list(self.waits))

    @property
    def unfilled(self) -> int:
        return self.ordered - self.filled

    @property
    def fill_rate(self) -> float:
        return self.filled / self.ordered if self.ordered else 1.0

    @property
    def on_time_share(self) -> float:
        decided = self.lines - self.undecided
        return self.on_time / decided if decided else 1.0


def population(lines: Iterable[LineOutcome]) -> list[LineOutcome]:
    return [line for line in lines if not line.customer_cancelled]


def on_time(line: LineOutcome) -> bool:
    done = line.completed_at
    if done is None:
        return False
    if done <= line.requested_at:  # served in the decision that took its request (a redistribution too)
        return True
    if line.immediate:
        return False
    if line.first_eta is None:
        return False
    return done < datetime.combine(line.first_eta + timedelta(days=1), time(), tzinfo=done.tzinfo)


def undecided(line: LineOutcome, end: datetime) -> bool:
    """Still waiting at the horizon, first promised for a day after it: its promise is not yet due."""
    return (
        line.completed_at is None
        and not line.auto_cancelled
        and line.first_eta is not None
        and line.first_eta >= end.date()
    )


def line_cost(line: LineOutcome, cost: float, end: datetime) -> float:
    """cost x unit-days: each unit to when it was allocated for good, the rest to the horizon."""
    times = line.unit_times()
    waited = sum((at - line.requested_at).total_seconds() for at in times)
    waited += (line.quantity - len(times)) * (end - line.requested_at).total_seconds()
    return cost * waited / DAY


def tier_figures(tier: str, lines: list[LineOutcome], cost: float, end: datetime) -> TierFigures:
    waits = [
        (done - line.requested_at).total_seconds() / DAY
        for line in lines
        if (done := line.completed_at) is not None
    ]
    return TierFigures(
        tier=tier,
        lines=len(lines),
        ordered=sum(line.quantity for line in lines),
        filled=sum(line.filled for line in lines),
        on_time=sum(on_time(line) for line in lines),
        undecided=sum(undecided(line, end) for line in lines),
        waits=tuple(waits),
        cost=sum(line_cost(line, cost, end) for line in lines),
    )


def on_shelf(lines: Iterable[LineOutcome], received: Mapping[str, int]) -> int:
    """Units received that no line holds at the horizon: every line's, a cancelled one's too (it holds none)."""
    return sum(received.values()) - sum(line.filled for line in lines)


def p90(values: list[float]) -> float | None:
    """The 90th percentile (inclusive method: within the values' range)."""
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def by_tier(lines: Iterable[LineOutcome], costs: Mapping[str, float], end: datetime) -> list[TierFigures]:
    """Figures for each tier in `costs` (top first), then 'all' over every tier."""
    counted = population(lines)
    rows = [
        tier_figures(tier, [line for line in counted if line.tier == tier], costs[tier], end)
        for tier in costs
    ]
    return [*rows, combined("all", rows)]


def combined(tier: str, parts: Iterable[TierFigures]) -> TierFigures:
    """The figures of several tiers (or of one tier in several worlds) as one."""
    parts = list(parts)
    return TierFigures(
        tier=tier,
        lines=sum(p.lines for p in parts),
        ordered=sum(p.ordered for p in parts),
        filled=sum(p.filled for p in parts),
        on_time=sum(p.on_time for p in parts),
        undecided=sum(p.undecided for p in parts),
        waits=tuple(w for p in parts for w in p.waits),
        cost=sum(p.cost for p in parts),
    )
