"""Smoke tests: the real Kafka broker and PostgreSQL server answer (ops/provision.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.support.fixtures import kafka_bootstrap, postgres_dsn  # noqa: F401 - fixtures


@pytest.mark.kafka
def test_kafka_round_trip(kafka_bootstrap: str) -> None:  # noqa: F811
    from kafka import KafkaConsumer, KafkaProducer

    from tests.support.kafka_topics import create_topic

    topic = create_topic(kafka_bootstrap, f"antrian-smoke-{uuid.uuid4().hex[:12]}")
    key, value = b"order-1", f"hello {topic}".encode()

    producer_config: dict[str, object] = {"bootstrap_servers": kafka_bootstrap, "acks": "all", "retries": 5}
    if "enable_idempotence" in KafkaProducer.DEFAULT_CONFIG:
        producer_config["enable_idempotence"] = True
    producer = KafkaProducer(**producer_config)
    try:
        sent = producer.send(topic, key=key, value=value).get(timeout=60)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)
    assert sent.topic == topic and sent.offset == 0

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{topic}-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=60_000,
    )
    try:
        received = next(iter(consumer), None)
        assert received is not None, f"no message came back from {topic} within 60s"
        consumer.commit()  # exercises the group coordinator and __consumer_offsets
    finally:
        consumer.close()
    assert (received.key, received.value, received.partition) == (key, value, sent.partition)


@pytest.mark.postgres
def test_postgres_select_one(postgres_dsn: str) -> None:  # noqa: F811
    import psycopg

    with psycopg.connect(postgres_dsn, connect_timeout=10) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
