"""Promises kept: whether each waiting line came by the date it was promised.

A line's promise is judged once it is settled: a line filled is kept if it was
filled on or before the date; a line that ended without being filled (cancelled,
served by a substitute) or still waits is not kept once the date has passed
before it ended (or before the day the figures are made for), and is not counted
while the date may still come true. The first promise is the first dated one; the
latest the one it held when filled (or ended, or now). Each promise names the
supplier it rested on and the confidence it was made with; promises recorded
before they named them count under "unknown" (and, if made by eta-v1, at its
nominal 0.9).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

UNKNOWN = "unknown"
# Confidence buckets of the calibration table: (label, lowest confidence in it).
BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 0.80", 0.0),
    ("0.80-0.90", 0.8),
    ("0.90-0.95", 0.9),
    ("0.95-0.99", 0.95),
    (">= 0.99", 0.99),
)


@dataclass(frozen=True)
class Promise:
    made_at: int  # orders the line's promises: the version of its Stock that made it
    eta: date | None
    supplier_id: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class Judged:
    supplier_id: str
    confidence: float | None
    kept: bool
    eta: date | None = None  # the date promised


def judge(
    promises: Iterable[Promise],
    filled_on: date | None,
    filled_at: int | None,
    ended_on: date | None,
    today: date,
) -> tuple[Judged | None, Judged | None]:
    """(first promise, latest promise) of one line, each None while it is not settled.

    `filled_at`: the Stock version of the fill that left nothing waiting (promises made
    from then on are not the line's); `ended_on`: when it stopped waiting unfilled.
    """
    ordered = sorted(promises, key=lambda p: p.made_at)
    if filled_at is not None:
        ordered = [p for p in ordered if p.made_at < filled_at]
    first = next((p for p in ordered if p.eta is not None), None)
    latest = ordered[-1] if ordered else None
    return _judged(first, filled_on, ended_on, today), _judged(latest, filled_on, ended_on, today)


def _judged(
    promise: Promise | None, filled_on: date | None, ended_on: date | None, today: date
) -> Judged | None:
    if promise is None or promise.eta is None:
        return None
    if filled_on is not None:
        kept = filled_on <= promise.eta
    elif (ended_on or today) > promise.eta:
        kept = False
    else:
        return None
    return Judged(promise.supplier_id or UNKNOWN, promise.confidence, kept, promise.eta)


def bucket(confidence: float | None) -> str:
    if confidence is None:
        return UNKNOWN
    return [label for label, low in BUCKETS if confidence >= low][-1]


@dataclass
class Share:
    kept: int = 0
    judged: int = 0

    def add(self, kept: bool) -> None:
        self.kept += kept
        self.judged += 1

    @property
    def rate(self) -> float | None:
        return self.kept / self.judged if self.judged else None


@dataclass
class PromiseTally:
    """Promises kept, overall and per supplier, and by confidence (the calibration table)."""

    first: Share = field(default_factory=Share)
    latest: Share = field(default_factory=Share)
    first_by_supplier: dict[str, Share] = field(default_factory=dict)
    latest_by_supplier: dict[str, Share] = field(default_factory=dict)
    first_by_confidence: dict[str, Share] = field(default_factory=dict)
    latest_by_confidence: dict[str, Share] = field(default_factory=dict)
    confidence_sum: dict[str, float] = field(default_factory=dict)  # of first promises, per bucket
    # First promises judged per supplier and date promised: lines promised one date by one supplier
    # mostly wait for one delivery, and are kept or broken together (one run's: `pooled` leaves it).
    first_dates: dict[str, Counter[date]] = field(default_factory=dict)

    def add(self, first: Judged | None, latest: Judged | None) -> None:
        if first is not None:
            self.first.add(first.kept)
            self.first_by_supplier.setdefault(first.supplier_id, Share()).add(first.kept)
            label = bucket(first.confidence)
            self.first_by_confidence.setdefault(label, Share()).add(first.kept)
            if first.confidence is not None:
                self.confidence_sum[label] = self.confidence_sum.get(label, 0.0) + first.confidence
            if first.eta is not None:
                self.first_dates.setdefault(first.supplier_id, Counter())[first.eta] += 1
        if latest is not None:
            self.latest.add(latest.kept)
            self.latest_by_supplier.setdefault(latest.supplier_id, Share()).add(latest.kept)
            self.latest_by_confidence.setdefault(bucket(latest.confidence), Share()).add(latest.kept)

    @property
    def suppliers(self) -> list[str]:
        return sorted(set(self.first_by_supplier) | set(self.latest_by_supplier))

    @property
    def first_confidence(self) -> float | None:
        """The mean confidence stated on the first promises judged that state one: calibrated
        promises are kept about as often (`first.rate`)."""
        stated = [label for label in self.confidence_sum if label != UNKNOWN]
        judged = sum(self.first_by_confidence[label].judged for label in stated)
        return sum(self.confidence_sum[label] for label in stated) / judged if judged else None

    def calibration(self) -> list[tuple[str, float | None, Share, Share]]:
        """(bucket, mean confidence promised, first promises, latest promises), buckets in order."""
        labels = [label for label, _ in BUCKETS] + [UNKNOWN]
        rows = []
        for label in labels:
            first = self.first_by_confidence.get(label, Share())
            latest = self.latest_by_confidence.get(label, Share())
            if first.judged or latest.judged:
                promised = self.confidence_sum.get(label)
                rows.append(
                    (label, promised / first.judged if promised and first.judged else None, first, latest)
                )
        return rows


def within_chance(sizes: Iterable[int], rate: float = 0.9, band: float = 0.05) -> float:
    """The probability that the share kept lands within `rate` +/- `band`, if each group of
    promises (of `sizes` lines) is kept or broken whole, each with probability `rate`: how
    often perfectly calibrated promises would meet such a target, in a run with these groups.

    A figure for a bench, not for a decision: floats, exact over the groups (a distribution of
    lines kept, built group by group).
    """
    counts = [size for size in sizes if size > 0]
    total = sum(counts)
    if not total:
        return 0.0
    kept: dict[int, float] = {0: 1.0}
    for size in counts:
        grown: dict[int, float] = {}
        for lines, chance in kept.items():
            grown[lines + size] = grown.get(lines + size, 0.0) + chance * rate
            grown[lines] = grown.get(lines, 0.0) + chance * (1 - rate)
        kept = grown
    low, high = (rate - band) * total, (rate + band) * total
    return sum(chance for lines, chance in kept.items() if low - 1e-9 <= lines <= high + 1e-9)


def pooled(tallies: Iterable[PromiseTally]) -> PromiseTally:
    """Several runs' promises as one tally: per supplier, and by the confidence stated."""
    total = PromiseTally()
    for tally in tallies:
        _add(total.first, tally.first)
        _add(total.latest, tally.latest)
        for mine, theirs in (
            (total.first_by_supplier, tally.first_by_supplier),
            (total.latest_by_supplier, tally.latest_by_supplier),
            (total.first_by_confidence, tally.first_by_confidence),
            (total.latest_by_confidence, tally.latest_by_confidence),
        ):
            for key, share in theirs.items():
                _add(mine.setdefault(key, Share()), share)
        for label, stated in tally.confidence_sum.items():
            total.confidence_sum[label] = total.confidence_sum.get(label, 0.0) + stated
    return total


def _add(into: Share, share: Share) -> None:
    into.kept += share.kept
    into.judged += share.judged
