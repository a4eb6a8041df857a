"""Upstream topics into the engine against a real broker: exactly once, nothing lost."""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from infra.kafka.inbound import InboundConsumer, feed_name
from tests import messages as m
from tests.conftest import make_engine
from tests.support.kafka_topics import create_topic

pytestmark = pytest.mark.kafka


def publish(bootstrap: str, topic: str, values: list[bytes]) -> None:
    create_topic(bootstrap, topic)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        for value in values:
            producer.send(topic, key=b"k", value=value)  # one key: one partition, in order
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)


def consumer_for(bootstrap: str, group: str) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
    )


def dead_letters(engine) -> list:
    notes = engine.recorder.select_notifications(
        1, 10_000, topics=["services.dead_letters:DeadLetter.Recorded"]
    )
    return [engine.mapper.to_domain_event(n) for n in notes]


def consume_until(engine, bootstrap: str, group: str, topics: list[str], done) -> Any:
    """Poll until `done(stats)`, or two minutes (a hang, not a measure), then stop cleanly."""
    inbound = InboundConsumer(engine, consumer_for(bootstrap, group), topics)
    inbound.start()
    deadline = time.monotonic() + 120
    try:
        while not done(inbound.stats) and time.monotonic() < deadline:
            inbound.poll_once()
            inbound.settle()
        for _ in range(3):  # anything more that came would show
            inbound.poll_once()
        inbound.settle()
    finally:
        inbound.consumer.close()
    return inbound.stats


GOOD = [
    m.supplier_registered("s1", "S1", ["A"]),
    m.stock_received("r1", "A", 3, at=m.ts(0, 1)),
    m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2)),
    m.order_placed("o2", "O2", [("1", "A", 4)], at=m.ts(0, 3)),
]


def test_good_messages_are_applied_and_bad_ones_kept_as_dead_letters_with_their_reason(
    kafka_bootstrap, tmp_path
):
    # Given a topic with good messages, a line that is not JSON and an order placed twice
    topic = f"t-{uuid.uuid4().hex[:10]}.inbound"
    again = m.order_placed("o3", "O1", [("1", "A", 1)], at=m.ts(0, 4))
    values = [orjson.dumps(GOOD[0]), b"{not json", *map(orjson.dumps, GOOD[1:]), orjson.dumps(again)]
    publish(kafka_bootstrap, topic, values)
    engine = make_engine("sqlite", tmp_path / "s.sqlite")

    # When the engine consumes it
    inbound = InboundConsumer(engine, consumer_for(kafka_bootstrap, f"{topic}-g"), [topic])
    stats = inbound.run(idle_polls=10)
    inbound.consumer.close()

    # Then every good one is applied, every bad one is a dead letter with its source and reason
    assert (stats.applied, stats.dead_letters) == (4, 2)
    assert engine.get_order("O2").lines["1"].backordered == 3
    letters = {letter.source: letter for letter in dead_letters(engine)}
    assert set(letters) == {f"{topic}:0:1", f"{topic}:0:5"}
    assert "not valid JSON" in letters[f"{topic}:0:1"].reason
    assert letters[f"{topic}:0:5"].field == "order_id" and "already placed" in letters[f"{topic}:0:5"].reason
    assert engine.position(feed_name(topic, 0)) == 6


def test_lag_tools_see_a_cleanly_stopped_engine_at_the_end_of_its_partitions(kafka_bootstrap, tmp_path):
    """Offsets go to Kafka without waiting (a hint, the store holds the truth), and once more at a clean stop."""
    topic = f"t-{uuid.uuid4().hex[:10]}.inbound"
    publish(kafka_bootstrap, topic, [orjson.dumps(v) for v in GOOD])
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    group = f"{topic}-g"
    inbound = InboundConsumer(engine, consumer_for(kafka_bootstrap, group), [topic])
    applying = inbound.apply

    def apply_then_stop(tp, records):  # as a SIGTERM during the last batch would
        inbound.stopping.set()
        return applying(tp, records)

    inbound.apply = apply_then_stop
    assert inbound.run().applied == len(GOOD)
    inbound.consumer.close()

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    reader = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    try:
        committed = {tp: meta.offset for tp, meta in admin.list_consumer_group_offsets(group).items()}
        ends = reader.end_offsets(list(committed))
    finally:
        admin.close()
        reader.close()
    assert committed == ends
    assert sum(ends.values()) == len(GOOD)


def test_a_restarted_engine_resumes_from_the_store_and_applies_nothing_twice(kafka_bootstrap, tmp_path):
    topic = f"t-{uuid.uuid4().hex[:10]}.inbound"
    publish(kafka_bootstrap, topic, [orjson.dumps(v) for v in GOOD])
    first = InboundConsumer(
        make_engine("sqlite", tmp_path / "s.sqlite"), consumer_for(kafka_bootstrap, "g1"), [topic]
    )
    first.run(idle_polls=10)
    first.consumer.close()

    # When a new instance starts in a NEW consumer group (no Kafka offsets at all) on the same store
    publish(kafka_bootstrap, topic, [orjson.dumps(m.order_placed("o9", "O9", [("1", "A", 1)], at=m.ts(1)))])
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    again = InboundConsumer(engine, consumer_for(kafka_bootstrap, "g2"), [topic])
    stats = again.run(idle_polls=10)
    again.consumer.close()

    # Then it seeks to the position recorded in the store: only the new message is read
    assert (stats.applied, stats.duplicates, stats.dead_letters) == (1, 0, 0)
    assert engine.get_order("O9").lines["1"].backordered == 1


def test_a_partition_whose_oldest_records_were_deleted_is_read_from_its_first_remaining_record(
    kafka_bootstrap, tmp_path
):
    # Given a topic whose first record is gone (retention), and a store that never read it
    from kafka import TopicPartition

    topic = f"t-{uuid.uuid4().hex[:10]}.inbound"
    publish(kafka_bootstrap, topic, [orjson.dumps(v) for v in GOOD])
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.delete_records({TopicPartition(topic, 0): 1})
    finally:
        admin.close()
    engine = make_engine("sqlite", tmp_path / "s.sqlite")

    # When the engine consumes it from the beginning
    inbound = InboundConsumer(engine, consumer_for(kafka_bootstrap, f"{topic}-g"), [topic])
    stats = inbound.run(idle_polls=10)
    inbound.consumer.close()

    # Then it starts at the first record still there and reads every one after it
    assert (stats.applied, stats.dead_letters) == (len(GOOD) - 1, 0)
    assert engine.get_stock("A").total_on_hand == 3
    assert engine.position(feed_name(topic, 0)) == len(GOOD)


def test_a_receipt_read_before_its_purchase_order_on_another_topic_is_applied_once_the_po_comes(
    kafka_bootstrap, tmp_path
):
    # Given a receipt on the inventory topic whose PO's placement is not on the purchasing topic yet
    prefix = f"t-{uuid.uuid4().hex[:10]}"
    inventory, purchasing = f"{prefix}.inventory", f"{prefix}.purchasing"
    publish(kafka_bootstrap, purchasing, [orjson.dumps(m.supplier_registered("s1", "S1", ["A"]))])
    receipt = m.stock_received("r1", "A", 7, po="PO-1", supplier_id="S1", at=m.ts(0, 3))
    publish(kafka_bootstrap, inventory, [orjson.dumps(receipt)])
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    group = f"{prefix}-g"
    topics = [inventory, purchasing]
    waited = consume_until(engine, kafka_bootstrap, group, topics, lambda s: s.applied + s.parked >= 2)
    # (parked once or twice: read before the supplier too, it waits for it, then for the PO)
    assert (waited.applied, waited.dead_letters) == (1, 0) and waited.parked in (1, 2)
    assert engine.get_stock("A").total_on_hand == 0

    # When the placement (and a confirmation sent before the goods came) arrive on the purchasing topic
    placed = m.po_placed("p1", "PO-1", [("A", 7)], expected=m.day(2), at=m.ts(0, 1))
    confirmed = m.po_confirmed("c1", "PO-1", m.day(2), at=m.ts(0, 2))
    publish(kafka_bootstrap, purchasing, [orjson.dumps(placed), orjson.dumps(confirmed)])
    stats = consume_until(engine, kafka_bootstrap, group, topics, lambda s: s.applied >= 3)

    # Then the receipt is counted against the PO, the confirmation kept as late, nothing dead-lettered
    assert (stats.applied, stats.dead_letters) == (3, 0)
    assert engine.get_stock("A").total_on_hand == 7
    po = engine.get_supplier("S1").purchase_orders["PO-1"]
    assert po.status.value == "received" and po.lines["A"].received == 7
    assert dead_letters(engine) == [] and engine.parked_waiting() == 0
