"""Latency figures of a load run: nearest-rank percentiles and the statuses seen, pure.

Nearest rank, as bench/kafka does: the p99 of 6,000 samples is the 5,940th
smallest, a latency some request really had, never an interpolation.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

TIMEOUT = 0  # the status of a request that got no answer (timed out or failed to connect)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank `q` quantile (0 < q <= 1) of `values`; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class Sample:
    """One request: when it was due, how late its sender was, how long its answer took from due, its status."""

    due_s: float  # seconds from the run's start
    send_lag_ms: float
    latency_ms: float
    status: int


@dataclass
class LoadRun:
    """What one endpoint did under a paced load."""

    label: str
    rate: float  # requests/s asked for
    seconds: float  # the schedule's length
    samples: list[Sample] = field(default_factory=list)
    elapsed_s: float = 0.0  # from the first due time to the last answer

    @property
    def latencies(self) -> list[float]:
        return [s.latency_ms for s in self.samples]

    def pct(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def worst_ms(self) -> float:
        return max(self.latencies, default=float("nan"))

    @property
    def statuses(self) -> Counter[int]:
        return Counter(s.status for s in self.samples)

    @property
    def answered_per_s(self) -> float:
        answered = sum(s.status != TIMEOUT for s in self.samples)
        return answered / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def max_send_lag_ms(self) -> float:
        """How far behind its schedule the sender ever was: large means the client, not the server, was slow."""
        return max((s.send_lag_ms for s in self.samples), default=0.0)


def statuses_text(statuses: Counter[int]) -> str:
    """`5,700 x 200, 300 x 404` (no answer: `12 x none`), most frequent first."""
    return ", ".join(
        f"{n:,} x {'none' if status == TIMEOUT else status}" for status, n in statuses.most_common()
    )
