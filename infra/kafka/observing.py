"""What `antrian engine --kafka` shows of itself: its metrics, and a progress line every few seconds.

It watches the consumer from outside (the consumer calls `settled` and `polled`,
infra/kafka/inbound.py): the engine and the services stay unaware of metrics.
Lag is read from the consumer's own fetch metadata (its high watermark), which
costs no broker round trip.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Tracking

from infra.metrics import Metrics
from infra.progress import Every, Pace
from services.engine import DEAD_LETTER_TOPIC
from services.outcomes import Outcome, Status

log = logging.getLogger("antrian.engine")

GAUGES_EVERY_SECONDS = 2.0  # lag and parked messages: read at most this often


class EngineObserver:
    def __init__(self, metrics: Metrics, engine: Any, consumer: Any, every: float) -> None:
        self.metrics = metrics
        self.engine = engine
        self.consumer = consumer
        self.pace = Pace(every)
        self.gauges = Every(GAUGES_EVERY_SECONDS)
        self.applied = self.repeated = self.refused = self.parked = 0
        self.lag = 0
        metrics.dead_letters.set(count_dead_letters(engine))
        metrics.parked_waiting.set(engine.parked_waiting())

    def settled(self, outcomes: Sequence[Outcome], seconds: float, position: Tracking) -> None:
        topic, _, partition = position.application_name.rpartition(":")
        self.metrics.engine_position.labels(topic=topic, partition=partition).set(position.notification_id)
        if not outcomes:
            return  # a position recorded after a batch of several partitions: no batch of its own
        self.metrics.batch_seconds.observe(seconds)
        self.metrics.count_outcomes(outcomes)
        for outcome in outcomes:
            self._count(outcome)

    def _count(self, outcome: Outcome) -> None:
        if outcome.status is Status.APPLIED:
            self.applied += 1
        elif outcome.status is Status.DUPLICATE:
            self.repeated += 1
        elif outcome.status is Status.PARKED:
            self.parked += 1
        else:
            self.refused += 1
            self.metrics.dead_letters_made.inc()
            self.metrics.dead_letters.inc()

    def polled(self, found: int) -> None:
        if self.gauges.due():
            self.lag = self._lag()
            self.metrics.parked_waiting.set(self.engine.parked_waiting())
        handled = self.applied + self.repeated + self.refused + self.parked
        pace = self.pace.report(handled, busy=bool(found or self.lag))
        if pace is not None:
            done, rate = pace
            log.info(
                "engine: +%d message(s) (%.0f/s); so far applied %d, repeated %d, refused %d, parked %d; lag %d",
                done,
                rate,
                self.applied,
                self.repeated,
                self.refused,
                self.parked,
                self.lag,
                extra={"applied": self.applied, "lag": self.lag},
            )

    def _lag(self) -> int:
        total = 0
        for tp in self.consumer.assignment():
            end = self.consumer.highwater(tp)
            if end is None:
                continue
            behind = max(end - self.consumer.position(tp), 0)
            self.metrics.engine_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(behind)
            total += behind
        return total


def count_dead_letters(engine: Any) -> int:
    """Dead letters in the store, counted without decoding them (once, at start)."""
    engine.settle()
    count, start = 0, 1
    while notes := engine.recorder.select_notifications(start, 1000, topics=[DEAD_LETTER_TOPIC]):
        count += len(notes)
        start = notes[-1].id + 1
    return count
