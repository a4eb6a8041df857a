"""`antrian relay` is never silent while it publishes: progress lines with what it did and its rate."""

from __future__ import annotations

import logging
import re
import uuid

import pytest

from infra.kafka.relay import OutboundRelay, relay_producer
from infra.kafka.relay_progress import RelayProgress
from infra.kafka.topics import TopicRegistry
from tests import messages as m
from tests.conftest import make_engine
from tests.support.kafka_topics import ensure_topics

pytestmark = pytest.mark.kafka

LINE = re.compile(r"relay: \+(\d+) record\(s\) \((\d+)/s\); published (\d+) event\(s\) and (\d+) dead letter")


class Ticking:
    """A clock that moves 1 s each time it is read: every read of the log is a line's worth of time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_a_relay_draining_the_log_logs_its_progress_with_totals_and_rate(kafka_bootstrap, tmp_path, caplog):
    # Given a store with a history of a few dozen events, and a relay reading it 5 at a time
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", ["A"]),
        m.stock_received("r1", "A", 3, at=m.ts(0, 1)),
        *[m.order_placed(f"o{i}", f"O{i}", [("1", "A", 1)], at=m.ts(0, 2 + i)) for i in range(8)],
    )
    topics = ensure_topics(kafka_bootstrap, TopicRegistry(f"t{uuid.uuid4().hex[:8]}."))
    progress = RelayProgress(every=1, clock=Ticking())
    relay = OutboundRelay(engine, relay_producer(kafka_bootstrap), topics, page=5, progress=progress)

    # When it publishes until the log is drained
    with caplog.at_level(logging.INFO, logger="antrian.relay"):
        stats = relay.run(idle_polls=2)
    relay.producer.close()
    engine.close()

    # Then a line came after each busy read, what each added sums to what was published,
    # each names its rate, and the last one's totals are the relay's
    lines = [LINE.search(r.getMessage()) for r in caplog.records if r.name == "antrian.relay"]
    found = [match for match in lines if match]
    assert len(found) >= 3 and stats.published > 10
    assert sum(int(match[1]) for match in found) == stats.published + stats.dead_letters
    assert all(int(match[2]) == int(match[1]) for match in found)  # done in 1 s each
    assert (int(found[-1][3]), int(found[-1][4])) == (stats.published, stats.dead_letters)
