"""How late a supplier will be, as a calibrated quantile of its delivery history (`eta-v2`).

A supplier's history is how many days each delivered purchase order came after the
date it was promised (negative: early). A promise made at confidence 0.9 must come
true nine times in ten, so `eta-v2` promises the 0.9 quantile of the supplier's
lateness, not of its raw sample: while the history is short the sample's own p90 is
mostly luck (three deliveries on time say little about the fourth), so it is shrunk
towards a prior distribution worth `PRIOR_WEIGHT` deliveries. With no history the
prior alone speaks; with many deliveries the history does.

Everything is integer arithmetic on weights (the prior in per-mille), so a quantile
is the same number on every machine and on every replay.

A purchase order already known not to have come by some day (`at_least`: it is
overdue, or a delay notice moved it) is promised the quantile of the lateness
*given* that it is at least that late: an overdue order is not about to arrive
just because its expected date passed.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.base import Value

TARGET_CONFIDENCE = 0.9  # what every eta-v2 promise aims at: kept 9 times in 10
# A generic supplier's lateness in days, per mille: usually on time, a long right tail.
# Not fitted to any one history; wide on purpose, since it speaks for suppliers never seen.
PRIOR: tuple[tuple[int, int], ...] = (
    (-1, 50),
    (0, 450),
    (1, 130),
    (2, 100),
    (3, 80),
    (4, 60),
    (5, 45),
    (6, 35),
    (7, 25),
    (9, 15),
    (12, 10),
)
PRIOR_WEIGHT = 2  # the prior counts as this many deliveries
CLIP = (-14, 60)  # a delivery more than this early or late counts as this
BEYOND_DAYS = 2  # later than anything the history or the prior knows: promise this much more


class DelayHistory(Value):
    """Delivered purchase orders by days late: ((days, deliveries), ...), days ascending."""

    counts: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, delays: Iterable[int]) -> DelayHistory:
        tally: dict[int, int] = {}
        for delay in delays:
            clipped = min(max(delay, CLIP[0]), CLIP[1])
            tally[clipped] = tally.get(clipped, 0) + 1
        return cls(counts=tuple(sorted(tally.items())))

    @property
    def observations(self) -> int:
        return sum(n for _, n in self.counts)


class Lateness(Value):
    """Days late to promise, and the probability (history and prior) of arriving by then."""

    days: int
    confidence: float


def _weights(history: DelayHistory) -> list[tuple[int, int]]:
    """The posterior predictive's weights: each delivery 1000, the prior PRIOR_WEIGHT * its per mille."""
    weights: dict[int, int] = {}
    for days, per_mille in PRIOR:
        weights[days] = weights.get(days, 0) + PRIOR_WEIGHT * per_mille
    for days, count in history.counts:
        weights[days] = weights.get(days, 0) + 1000 * count
    return sorted(weights.items())


def calibrated(
    history: DelayHistory,
    at_least: int | None = None,
    target: float = TARGET_CONFIDENCE,
    nearest: bool = False,
) -> Lateness:
    """The smallest lateness whose probability of not being exceeded reaches `target`.

    `at_least`: the order is known to be at least that many days late; the quantile is
    then of the lateness given that (and never below it).

    `nearest` (eta-v6): the lateness whose probability is nearest `target` instead, the
    later one on a tie. Lateness comes in whole days, so the first day reaching 0.9 is
    often far above it: a supplier on time six times in seven and a day late once is
    certain to come a day late at the most, and promising that day keeps every promise
    where 0.9 were meant; the day before keeps six in seven, nearer nine in ten.
    """
    weights = _weights(history)
    if at_least is not None:
        weights = [(d, w) for d, w in weights if d >= at_least]
    total = sum(w for _, w in weights)
    if not total:  # later than anything known
        return Lateness(days=(at_least or 0) + BEYOND_DAYS, confidence=target)
    goal = _per_mille(target) * total
    cumulative = 0
    below: tuple[int, int] | None = None  # the last day short of the target, and its weight so far
    for days, weight in weights:
        cumulative += weight
        if cumulative * 1000 >= goal:
            if nearest and below is not None and goal - below[1] * 1000 < cumulative * 1000 - goal:
                return Lateness(days=below[0], confidence=round(below[1] / total, 3))
            return Lateness(days=days, confidence=round(cumulative / total, 3))
        below = (days, cumulative)
    raise AssertionError("the cumulative weight reaches the total")  # pragma: no cover


def probability_by(history: DelayHistory, days: int, at_least: int | None = None) -> float:
    """The probability of being no more than `days` late (given at least `at_least`), to 3 decimals."""
    weights = _weights(history)
    if at_least is not None:
        weights = [(d, w) for d, w in weights if d >= at_least]
    total = sum(w for _, w in weights)
    if not total:
        return TARGET_CONFIDENCE
    return round(sum(w for d, w in weights if d <= days) / total, 3)


def _per_mille(share: float) -> int:
    return round(share * 1000)
