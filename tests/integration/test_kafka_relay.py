"""The outbound relay against a real broker: every stored event, at least once, resumable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from kafka import KafkaConsumer

from infra.kafka.relay import RELAY_FEED, OutboundRelay, relay_producer
from infra.kafka.topics import CONNECT, TopicRegistry
from services.dead_letter_retry import Retrying, retry_letters
from services.dead_letters import DeadLetter, RetryOutcome, dead_letter_id
from services.outbound import HEADER_NOTIFICATION_ID, CausationTracker, decode
from services.parsing import parse_message
from tests import messages as m
from tests.conftest import make_engine
from tests.support.kafka_topics import ensure_topics

pytestmark = pytest.mark.kafka

HISTORY = [
    m.supplier_registered("s1", "S1", ["A"]),
    m.stock_received("r1", "A", 3, at=m.ts(0, 1)),
    m.order_placed("o1", "O1", [("1", "A", 5)], at=m.ts(0, 2)),
    m.order_cancelled("c1", "O1", at=m.ts(0, 3)),
]


def read_all(bootstrap: str, topics: TopicRegistry) -> list:
    consumer = KafkaConsumer(
        *[t.name for t in topics.outbound()],
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    try:
        return list(consumer)
    finally:
        consumer.close()


def published_events(engine) -> int:
    notes = engine.recorder.select_notifications(1, 10_000)
    return sum(1 for n in notes if n.topic.startswith("domain."))


def test_every_domain_event_is_published_once_with_its_notification_id_and_cause(kafka_bootstrap, tmp_path):
    # Given a store with a short history
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    for message in HISTORY:
        engine.handle_raw(message)
    topics = ensure_topics(kafka_bootstrap, TopicRegistry(f"t{uuid.uuid4().hex[:8]}."))

    # When the relay runs until the log is drained
    relay = OutboundRelay(engine, relay_producer(kafka_bootstrap), topics)
    stats = relay.run(idle_polls=2)
    relay.producer.close()

    # Then each domain event is on its aggregate type's topic once, keyed by aggregate id
    records = read_all(kafka_bootstrap, topics)
    envelopes = [decode(r.value) for r in records]
    assert len(envelopes) == stats.published == published_events(engine)
    assert len({e.notification_id for e in envelopes}) == len(envelopes)
    assert all(r.key == str(decode(r.value).aggregate_id).encode() for r in records)
    assert all(
        dict(r.headers)[HEADER_NOTIFICATION_ID] == str(decode(r.value).notification_id).encode()
        for r in records
    )
    allocated = [e for e in envelopes if e.event_type == "Order.LineAllocated"]
    assert allocated and allocated[0].causation_message_id == "o1"
    # And the relay's position is in the store
    assert engine.position(RELAY_FEED) == stats.position > 0


def test_a_restarted_relay_resumes_after_what_it_already_published(kafka_bootstrap, tmp_path):
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    topics = ensure_topics(kafka_bootstrap, TopicRegistry(f"t{uuid.uuid4().hex[:8]}."))
    for message in HISTORY[:2]:
        engine.handle_raw(message)
    first = OutboundRelay(engine, relay_producer(kafka_bootstrap), topics)
    first.run(idle_polls=2)
    first.producer.close()

    # When more happens and a new relay process starts on the same store
    for message in HISTORY[2:]:
        engine.handle_raw(message)
    fresh = make_engine("sqlite", tmp_path / "s.sqlite")
    second = OutboundRelay(fresh, relay_producer(kafka_bootstrap), topics)
    second.run(idle_polls=2)
    second.producer.close()

    # Then nothing is published twice and nothing is missing
    ids = [decode(r.value).notification_id for r in read_all(kafka_bootstrap, topics)]
    assert len(ids) == len(set(ids)) == published_events(engine)


def read_dead_letters(bootstrap: str, topics: TopicRegistry) -> list:
    consumer = KafkaConsumer(
        topics.deadletter.name,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    try:
        return list(consumer)
    finally:
        consumer.close()


def receipt_for_a_cancelled_po(engine) -> bytes:
    """A receipt refused for good (an early one would park instead: services/parking.py)."""
    engine.handle_raw(HISTORY[0])
    m.apply(
        engine,
        m.po_placed("p9", "po-9", [("A", 2)], at=m.ts(0, 0, 10)),
        m.po_cancelled("x9", "po-9", at=m.ts(0, 0, 20)),
    )
    return orjson.dumps(m.stock_received("r9", "A", 2, po="po-9", supplier_id="S1", at=m.ts(0, 1)))


def test_a_dead_letter_published_again_after_a_restart_carries_connects_headers_and_the_same_id(
    kafka_bootstrap, tmp_path
):
    # Given a store with a receipt refused (its PO was cancelled) and kept as a dead letter
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    receipt = receipt_for_a_cancelled_po(engine)

    def letters(outcomes):
        return [
            DeadLetter.of(
                "antrian.inventory:3:17",
                receipt,
                b"A",
                o.message_id,
                o.message_type,
                o.field,
                o.detail,
                o.error,
            )
            for o in outcomes
            if o.status.refused
        ]

    engine.handle_batch([parse_message(receipt)], dead_letters=letters)
    topics = ensure_topics(kafka_bootstrap, TopicRegistry(f"t{uuid.uuid4().hex[:8]}."))

    # When a relay publishes it, and another starting from scratch publishes it again (at least once)
    for _ in range(2):
        relay = OutboundRelay(engine, relay_producer(kafka_bootstrap), topics)
        relay.stats.position, relay.next_read = 0, 1
        relay.tracker = CausationTracker(engine.mapper)
        relay.run(idle_polls=2)
        relay.producer.close()

    # Then both records are the refused record as it came, with Kafka Connect's error headers and one id
    first, again = read_dead_letters(kafka_bootstrap, topics)
    assert (first.key, first.value) == (b"A", receipt) == (again.key, again.value)
    headers = {name: value.decode() for name, value in first.headers}
    assert {name: value.decode() for name, value in again.headers} == headers
    assert headers[CONNECT + "topic"] == "antrian.inventory"
    assert (headers[CONNECT + "partition"], headers[CONNECT + "offset"]) == ("3", "17")
    assert headers[CONNECT + "exception.class.name"] == "domain.errors.PurchaseOrderClosed"
    assert "po-9 is cancelled" in headers[CONNECT + "exception.message"]
    assert headers["antrian.dead_letter.id"] == str(dead_letter_id("antrian.inventory:3:17"))
    assert headers["antrian.dead_letter.attempt"] == "1"
    assert headers["antrian.message_id"] == "r9"


def test_a_retry_refused_again_is_published_as_the_letters_next_attempt(kafka_bootstrap, tmp_path):
    # Given the receipt's dead letter retried while its PO is still cancelled
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    receipt = receipt_for_a_cancelled_po(engine)
    engine.handle_batch(
        [parse_message(receipt)],
        dead_letters=lambda outcomes: [
            DeadLetter.of(
                "antrian.inventory:0:5", receipt, b"A", o.message_id, o.message_type, o.field, o.detail
            )
            for o in outcomes
            if o.status.refused
        ],
    )
    letter_id = dead_letter_id("antrian.inventory:0:5")
    (report,) = retry_letters(engine, [letter_id], Retrying(by="ops", at=datetime.now(UTC), corrected={}))
    assert report.outcome is RetryOutcome.REFUSED
    topics = ensure_topics(kafka_bootstrap, TopicRegistry(f"t{uuid.uuid4().hex[:8]}."))

    # When the relay runs
    relay = OutboundRelay(engine, relay_producer(kafka_bootstrap), topics)
    relay.run(idle_polls=2)
    relay.producer.close()

    # Then the letter is on the dead-letter topic twice: attempt 1 and attempt 2, one id
    records = read_dead_letters(kafka_bootstrap, topics)
    seen = [{n: v.decode() for n, v in r.headers} for r in records]
    assert [h["antrian.dead_letter.attempt"] for h in seen] == ["1", "2"]
    assert {h["antrian.dead_letter.id"] for h in seen} == {str(letter_id)}
    assert all(r.value == receipt for r in records)
