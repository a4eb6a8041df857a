"""The topic registry: each topic named once, with one key rule, one contract set and one writer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.kafka.topics import (
    TOPICS,
    TopicRegistry,
    dead_letter_record,
    inbound_topic_for,
    outbound_topic_for,
    retried_record,
)
from services.contracts import BY_TYPE, MESSAGE_TYPES
from services.dead_letters import DeadLetter, RetryOutcome, dead_letter_id
from services.outbound import OutboundEventV1
from services.parsing import parse_message
from tests import messages as m


def test_every_inbound_message_type_travels_on_exactly_one_inbound_topic():
    carried = [t for topic in TOPICS.inbound() for t in topic.message_types]
    assert sorted(carried) == sorted(BY_TYPE)
    assert sorted(c.__name__ for t in TOPICS.inbound() for c in t.contract) == sorted(
        c.__name__ for c in MESSAGE_TYPES
    )


def test_topic_names_are_the_agreed_ones_and_unique():
    assert [t.name for t in TOPICS] == [
        "antrian.orders",
        "antrian.operations",
        "antrian.inventory",
        "antrian.purchasing",
        "antrian.warehouses",
        "antrian.deadletter",
        "antrian.order.events",
        "antrian.stock.events",
        "antrian.supplier.events",
        "antrian.notice.events",
        "antrian.warehouse.events",
    ]
    assert all(t.partitions == 4 and t.writer for t in TOPICS)


def test_inbound_messages_are_keyed_by_order_sku_or_supplier():
    placed = parse_message(m.order_placed("m1", "O-9"))
    assert inbound_topic_for("OrderPlaced").name == "antrian.orders"
    assert inbound_topic_for(placed) is inbound_topic_for(type(placed)) is TOPICS.orders
    assert TOPICS.orders.key(placed) == b"O-9"
    assert TOPICS.orders.key(m.order_cancelled("m2", "O-9")) == b"O-9"  # plain dicts too
    assert inbound_topic_for("SkuConfigured").key(m.sku_configured("m3", "TEA-1")) == b"TEA-1"
    assert (
        inbound_topic_for("PurchaseOrderDelayed").key(m.po_delayed("m4", "PO", m.day(3), "acme")) == b"acme"
    )
    released = m.line_released_ahead("m5", "O-9")
    assert (
        inbound_topic_for("LineReleasedAhead") is TOPICS.operations
        and TOPICS.operations.key(released) == b"O-9"
    )
    assert TOPICS.orders.writer.startswith("shop") and TOPICS.operations.writer.startswith("ops")
    with pytest.raises(KeyError, match="no inbound topic"):
        inbound_topic_for("Nope")


def test_outbound_events_go_to_their_aggregate_topic_keyed_by_aggregate_id():
    assert outbound_topic_for("Order").name == "antrian.order.events"
    assert outbound_topic_for("Supplier").contract == (OutboundEventV1,)

    class Envelope:
        aggregate_id = "6a1c0a8e-0000-5000-8000-000000000000"

    assert outbound_topic_for("Stock").key(Envelope()) == b"6a1c0a8e-0000-5000-8000-000000000000"
    with pytest.raises(KeyError):
        outbound_topic_for("AppliedMessage")


def test_dead_letters_keep_the_original_key():
    assert TOPICS.deadletter.key(b"O-1") == b"O-1"
    assert TOPICS.deadletter.key(None) is None


def test_a_stored_dead_letter_becomes_the_original_record_with_kafka_connects_error_headers_and_its_id():
    letter = DeadLetter.of(
        "antrian.orders:2:41", b'{"x":1}', b"O-1", "m-7", "OrderShipped", "lines", "bad", "domain.errors.Nope"
    )
    recorded = letter.collect_events()[0]
    record = dead_letter_record(recorded)
    assert (record.key, record.value) == (b"O-1", b'{"x":1}')
    assert record.headers == [
        ("__connect.errors.topic", b"antrian.orders"),
        ("__connect.errors.partition", b"2"),
        ("__connect.errors.offset", b"41"),
        ("__connect.errors.exception.class.name", b"domain.errors.Nope"),
        ("__connect.errors.exception.message", b"bad"),
        ("antrian.dead_letter.id", str(dead_letter_id("antrian.orders:2:41")).encode()),
        ("antrian.dead_letter.timestamp", recorded.timestamp.isoformat().encode()),
        ("antrian.dead_letter.attempt", b"1"),
        ("antrian.dead_letter.field", b"lines"),
        ("antrian.message_id", b"m-7"),
        ("antrian.message_type", b"OrderShipped"),
    ]


def test_a_dead_letter_not_from_kafka_names_its_source_and_an_older_one_its_refusal_class():
    from_file = DeadLetter.of("messages.jsonl:12", b"nope", None, None, None, None, "not JSON")
    record = dead_letter_record(from_file.collect_events()[0])
    assert record.key is None and record.value == b"nope"
    headers = dict(record.headers)
    assert headers["antrian.dead_letter.source"] == b"messages.jsonl:12"
    assert headers["__connect.errors.exception.class.name"] == b"services.errors.MessageRejected"
    assert "__connect.errors.topic" not in headers


def test_a_retry_refused_again_is_the_letters_next_attempt_with_the_bytes_judged():
    letter = DeadLetter.of("antrian.orders:2:41", b'{"x":1}', b"O-1", "m-7", "OrderShipped", None, "bad")
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    letter.retry("ops", at, RetryOutcome.REFUSED, "still bad", "lines", "domain.errors.Nope", b'{"x":2}')
    retried = letter.collect_events()[-1]
    record = retried_record(letter, retried)
    headers = dict(record.headers)
    assert (record.key, record.value) == (b"O-1", b'{"x":2}')
    assert headers["antrian.dead_letter.id"] == str(letter.id).encode()
    assert headers["antrian.dead_letter.attempt"] == b"2"
    assert headers["antrian.dead_letter.timestamp"] == at.isoformat().encode()
    assert headers["__connect.errors.exception.message"] == b"still bad"
    assert headers["__connect.errors.offset"] == b"41"


def test_a_prefix_renames_every_topic_so_tests_on_one_broker_do_not_collide():
    registry = TopicRegistry(prefix="test-xyz.")
    assert all(t.name.startswith("test-xyz.antrian.") for t in registry)
    assert registry.inbound_topic_for("StockReceived").name == "test-xyz.antrian.inventory"
    assert registry.outbound_topic_for("Order").name == "test-xyz.antrian.order.events"
    assert registry.by_name("test-xyz.antrian.deadletter") is registry.deadletter
    with pytest.raises(ValueError, match="prefix"):
        TopicRegistry(prefix="bad prefix/")
