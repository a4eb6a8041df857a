"""A clean stop hands Kafka its offsets if it can, and stops anyway if it cannot."""

from __future__ import annotations

from kafka.errors import KafkaTimeoutError

from infra.kafka.inbound import STOP_COMMIT_TIMEOUT_MS, InboundConsumer
from tests.conftest import make_engine


class BrokerGone:
    """A consumer whose broker went away: nothing to poll, and a commit that times out."""

    def __init__(self) -> None:
        self.commits: list[dict] = []

    def subscribe(self, topics, listener=None) -> None:
        pass

    def assignment(self) -> set:
        return set()

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict:
        return {}

    def commit(self, **kwargs) -> None:
        self.commits.append(kwargs)
        raise KafkaTimeoutError("no coordinator")


def test_an_engine_stops_cleanly_when_the_broker_cannot_take_its_last_offsets():
    consumer = BrokerGone()
    inbound = InboundConsumer(make_engine("memory"), consumer, ["antrian.orders"])

    stats = inbound.run(idle_polls=1)

    assert stats.applied == 0
    assert consumer.commits == [{"timeout_ms": STOP_COMMIT_TIMEOUT_MS}]
