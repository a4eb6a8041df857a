"""What `antrian projections run` shows of itself: metrics (events applied, lag, the outbox) and progress lines.

It is called by the runner's loop (`on_batch`, `on_idle`), in the runner's
thread: the feed's consumer and the read store are never touched from the
metrics server's thread. Lag and the outbox are read at most every
`GAUGES_EVERY_SECONDS` (a Kafka feed's ends cost a broker round trip).
"""

from __future__ import annotations

import logging
from typing import Any

from infra.metrics import Metrics
from infra.progress import Every, Pace
from projections.runner import Applied, Feed, ProjectionRunner
from projections.store import ReadStore

log = logging.getLogger("antrian.projections")

GAUGES_EVERY_SECONDS = 2.0


class ProjectionObserver:
    def __init__(self, metrics: Metrics, runner: ProjectionRunner, feed: Feed, every: float) -> None:
        self.metrics = metrics
        self.runner = runner
        self.feed = feed
        self.pace = Pace(every)
        self.gauges = Every(GAUGES_EVERY_SECONDS)
        self.events = 0
        self.lag: dict[str, int] = {}
        self.refresh()

    def on_batch(self, applied: Applied) -> None:
        for name, count in applied.per_projection.items():
            self.metrics.projection_applied.labels(projection=name).inc(count)
        self.events += applied.events
        self._tick(busy=True)

    def on_idle(self) -> None:
        self._tick(busy=False)

    def _tick(self, busy: bool) -> None:
        if self.gauges.due():
            self.refresh()
        pace = self.pace.report(self.events, busy=busy or any(self.lag.values()))
        if pace is not None:
            done, rate = pace
            behind = ", ".join(f"{name} {lag}" for name, lag in self.lag.items())
            log.info(
                "projections: +%d event(s) (%.0f/s); applied %d so far; lag %s",
                done,
                rate,
                self.events,
                behind,
                extra={"applied": self.events, "lag": self.lag},
            )

    def refresh(self) -> None:
        """Lag per projection (records behind the feed's end, over its keys) and the outbox."""
        ends = self.feed.ends()
        positions = self.runner.positions()
        for name in self.runner.names:
            seen = positions.get(name, {})
            lag = sum(max(end - (seen[key].position if key in seen else 0), 0) for key, end in ends.items())
            self.lag[name] = lag
            self.metrics.projection_lag.labels(projection=name).set(lag)
        if "notifications" in self.runner.names:
            observe_outbox(self.runner.store, self.metrics)


def observe_outbox(store: ReadStore, metrics: Metrics) -> None:
    """The outbox's pending / failed / dead counts into the gauges (the HTTP service calls it per scrape)."""
    from projections.notifications.outbox import status_counts

    with store.reading() as tx:
        counts: dict[str, Any] = status_counts(tx)
    metrics.set_outbox(counts)
