"""Fairness across partitions against a real broker: the earlier-placed order gets the stock."""

from __future__ import annotations

import uuid
from datetime import timedelta

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from domain.order import order_uuid
from infra.kafka.fairness import FairnessBuffer
from infra.kafka.inbound import InboundConsumer
from tests import messages as m
from tests.conftest import make_engine
from tests.integration.test_kafka_inbound import consumer_for

pytestmark = pytest.mark.kafka

WINDOW = timedelta(minutes=5)


def two_partitions(bootstrap: str) -> str:
    topic = f"t-{uuid.uuid4().hex[:10]}.inbound"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        admin.close()
    return topic


def publish(bootstrap: str, topic: str, partition: int, *messages: dict) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        for message in messages:
            producer.send(topic, value=orjson.dumps(message), partition=partition)
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)


def backordered_inputs(engine, order_id: str) -> dict:
    """The inputs of the decision that backordered the order's line, as stored."""
    for event in engine.events.get(order_uuid(order_id)):
        if type(event).__name__ == "LineBackordered":
            return event.decision.inputs
    raise AssertionError(f"{order_id} was not backordered")


def test_an_order_placed_earlier_in_another_partition_gets_the_stock_and_one_past_the_window_is_flagged(
    kafka_bootstrap, tmp_path
):
    # Given one unit of stock, and in partition 0 an order placed at 10:10 for it,
    # while partition 1 holds an order placed at 10:05, read after it
    topic = two_partitions(kafka_bootstrap)
    publish(
        kafka_bootstrap,
        topic,
        0,
        m.supplier_registered("s1", "S1", ["A"]),
        m.stock_received("r1", "A", 1, at=m.ts(0, minutes=1)),
        m.order_placed("o-later", "LATER", [("1", "A", 1)], at=m.ts(0, minutes=10)),
    )
    publish(
        kafka_bootstrap,
        topic,
        1,
        m.order_placed("o-earlier", "EARLIER", [("1", "A", 1)], at=m.ts(0, minutes=5)),
    )
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    inbound = InboundConsumer(
        engine, consumer_for(kafka_bootstrap, f"{topic}-g"), [topic], fairness=FairnessBuffer(WINDOW)
    )

    # When the engine consumes both partitions
    inbound.run(idle_polls=10)

    # Then the order placed first is allocated, the later one waits
    assert engine.get_order("EARLIER").lines["1"].allocated == {"A": 1}
    assert engine.get_order("LATER").lines["1"].backordered == 1

    # When an order placed at 10:02 arrives after both were decided (past the window)
    publish(
        kafka_bootstrap, topic, 1, m.order_placed("o-past", "PAST", [("1", "A", 1)], at=m.ts(0, minutes=2))
    )
    for _ in range(50):
        inbound.poll_once()
        if inbound.stats.applied == 6:
            break
    inbound.settle()
    inbound.consumer.close()

    # Then it is decided as the policy says (it waits, ahead of the later order) and flagged late by 8 minutes
    past = engine.get_order("PAST").lines["1"]
    assert past.backordered == 1
    inputs = backordered_inputs(engine, "PAST")
    assert inputs["late_by_seconds"] == 8 * 60
    assert inputs["position"] == 1
    assert "late_by_seconds" not in backordered_inputs(engine, "LATER")
