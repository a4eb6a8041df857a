"""Order by order: how each line fared in the real history and in a what-if's, and how far apart.

A line's fate is how its wait ended (allocated at once, filled after some days,
cancelled, still waiting); its effective wait is the days it waited until it
stopped waiting (until its last fact when it never was filled, until the latest
time of either history while it still waits). An order differs by
the sum over its lines of the change in effective wait, plus one per line whose fate
changed, so a line served at once instead of never counts more than a day's shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from projections.analytics.lines import LineOutcome
from projections.whatif_outcome import HistoryOutcome

NOT_PLACED = "not placed"


@dataclass(frozen=True)
class Fate:
    status: str
    wait_days: float  # effective wait (0: allocated at once)

    def render(self) -> str:
        if self.status in ("allocated at once", NOT_PLACED):
            return self.status
        return f"{self.status} ({self.wait_days:.1f} d)"


@dataclass(frozen=True)
class LineDiff:
    line_id: str
    sku: str
    real: Fate
    simulated: Fate


@dataclass(frozen=True)
class OrderDiff:
    order_id: str
    tier: str
    score: float
    lines: tuple[LineDiff, ...]


def fate(line: LineOutcome | None, now: datetime | None = None) -> Fate:
    """`now`: the history's latest time, which a line still waiting has waited until."""
    if line is None:
        return Fate(NOT_PLACED, 0.0)
    if line.backordered == 0:
        return Fate("allocated at once", 0.0)
    if line.filled_at is not None:
        return Fate("filled", _days(line.filled_at, line))
    status = (
        "cancelled automatically"
        if line.cancelled_automatically
        else "cancelled by customer"
        if line.cancelled_by_customer
        else "still waiting"
        if line.waiting
        else "ended unfilled"
    )
    until = now if line.waiting and now is not None else line.last_fact_at or line.requested_at
    return Fate(status, _days(until, line))


def _days(until: datetime, line: LineOutcome) -> float:
    return max(0.0, (until - line.requested_at).total_seconds() / 86400)


def _times(line: LineOutcome) -> list[datetime]:
    return [t for t in (line.requested_at, line.filled_at, line.last_fact_at) if t is not None]


def differences(real: HistoryOutcome, simulated: HistoryOutcome) -> list[OrderDiff]:
    """Every order whose lines fared differently, the most different first."""
    ours = {(o.order_id, o.line_id): o for o in real.lines}
    theirs = {(o.order_id, o.line_id): o for o in simulated.lines}
    by_order: dict[str, list[LineDiff]] = {}
    now = max((t for o in (*real.lines, *simulated.lines) for t in _times(o)), default=None)
    for key in sorted(ours.keys() | theirs.keys()):
        line = ours.get(key) or theirs[key]
        before, after = fate(ours.get(key), now), fate(theirs.get(key), now)
        if before != after:
            by_order.setdefault(key[0], []).append(LineDiff(key[1], line.sku, before, after))
    found = [
        OrderDiff(
            order_id,
            real.tiers.get(order_id) or simulated.tiers.get(order_id) or "unknown",
            sum(
                abs(d.real.wait_days - d.simulated.wait_days) + (d.real.status != d.simulated.status)
                for d in lines
            ),
            tuple(lines),
        )
        for order_id, lines in by_order.items()
    ]
    return sorted(found, key=lambda d: (-d.score, d.order_id))
