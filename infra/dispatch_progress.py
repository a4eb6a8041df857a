"""What `antrian notifications dispatch` says while it sends: a progress line every few seconds.

A backlog of thousands of notifications through a slow webhook takes minutes,
and the command prints its one summary line only at the end; these lines say it
is moving, how fast, and how many failed so far.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from infra.progress import Pace
from projections.notifications.dispatcher import Report

log = logging.getLogger("antrian.notifications")


class DispatchProgress:
    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.pace = Pace(every, clock=clock)

    def __call__(self, report: Report) -> None:
        pace = self.pace.report(len(report.keys), busy=True)
        if pace is None:
            return
        done, rate = pace
        log.info(
            "notifications dispatch: +%d sent (%.1f/s); %d so far: delivered %d, failed %d, dead %d",
            done,
            rate,
            len(report.keys),
            report.delivered,
            report.failed,
            report.dead,
            extra={"sent": len(report.keys), "delivered": report.delivered, "failed": report.failed},
        )
