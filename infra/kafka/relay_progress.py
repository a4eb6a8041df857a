"""What `antrian relay` (and the engine's relay child) says while it publishes: a progress line every few seconds.

Called by the relay after each read of the log, in the relay's own thread. A
relay draining a long log after a restart publishes for minutes; without these
lines its log is silent between "active" and "stopped".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from infra.progress import Pace

if TYPE_CHECKING:
    from infra.kafka.relay import RelayStats

log = logging.getLogger("antrian.relay")


class RelayProgress:
    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.pace = Pace(every, clock=clock)

    def __call__(self, stats: RelayStats, busy: bool) -> None:
        pace = self.pace.report(stats.published + stats.dead_letters, busy)
        if pace is None:
            return
        done, rate = pace
        log.info(
            "relay: +%d record(s) (%.0f/s); published %d event(s) and %d dead letter(s) so far; "
            "at notification %d",
            done,
            rate,
            stats.published,
            stats.dead_letters,
            stats.position,
            extra={
                "published": stats.published,
                "dead_letters": stats.dead_letters,
                "position": stats.position,
            },
        )
