"""Progress lines of the long-running commands: at least every N seconds while busy, never silent for long.

A process that applies thousands of messages a minute and says nothing looks
stuck to the person watching its log; one that logs every batch buries what
matters. So each loop says where it is when `every` seconds have passed and
something happened, and once in a while (`quiet_factor` times longer) when idle.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Every:
    """True once per `seconds` (monotonic clock), when asked."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.last = clock()

    def due(self) -> bool:
        now = self.clock()
        if now - self.last < self.seconds:
            return False
        self.last = now
        return True


class Pace:
    """How much was done since the last progress line, and at what rate."""

    def __init__(
        self, every: float, quiet_factor: int = 6, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self.quiet_after = every * quiet_factor
        self.clock = clock
        self.last_at = clock()
        self.last_count = 0

    def report(self, count: int, busy: bool) -> tuple[int, float] | None:
        """(done since the last line, per second) when a line is due, else None."""
        now = self.clock()
        elapsed = now - self.last_at
        done = count - self.last_count
        if elapsed < self.every or (not busy and not done and elapsed < self.quiet_after):
            return None
        self.last_at, self.last_count = now, count
        return done, done / elapsed if elapsed else 0.0
