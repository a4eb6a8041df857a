"""How a world's messages are sent: each with the time it happened and the time it arrives.

Upstream clocks run late and early and topics are read out of order, so a message's
`occurred_at` and its place in the stream differ from when it happened (world.py, noise.py).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.workload import Clock

Msg = dict[str, Any]
T0 = datetime(2026, 2, 2, 0, 0, tzinfo=UTC)


@dataclass(order=True)
class Timed:
    arrives: datetime
    seq: int
    message: Msg = field(compare=False)


class Sender:
    """Collects messages with their true time and the time they arrive (late, early, reordered)."""

    def __init__(self, rng: random.Random, noise: bool) -> None:
        self.rng, self.noise = rng, noise
        self.out: list[Timed] = []
        self.count = 0
        self.sent: dict[str, int] = {}

    def ident(self) -> str:
        self.count += 1
        return f"a-{self.count:07d}"

    def send(self, message: Msg, at: datetime, kind: str = "", skew: bool = True) -> None:
        """`at`: when it happened. Its clock may be off, and it may arrive later than it happened."""
        occurred, arrives = at, at
        if self.noise and skew:
            roll = self.rng.random()
            if roll < 0.06:  # a clock hours late / a message held up in a queue
                delay = timedelta(hours=self.rng.uniform(1, 30))
                arrives = at + delay
            elif roll < 0.09:  # a clock running a few minutes ahead
                occurred = at + timedelta(minutes=self.rng.uniform(1, 10))
        message["occurred_at"] = iso(occurred)
        if "placed_at" in message:
            message["placed_at"] = iso(min(at, occurred))
        self.out.append(Timed(arrives, len(self.out), message))
        self.sent[kind or message["type"]] = self.sent.get(kind or message["type"], 0) + 1

    def ordered(self) -> list[Msg]:
        return [t.message for t in sorted(self.out)]


def poisson(rng: random.Random, mean: float) -> int:
    """Events in a day at `mean` a day (Knuth's method, small means; normal approximation above 30)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = math.e**-mean, 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def still(at: datetime, prefix: str) -> Clock:
    """bench.workload's builders take a Clock; this one stands still at `at` (ids are set after)."""
    return Clock(prefix=prefix, step=timedelta(0), now=at)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
