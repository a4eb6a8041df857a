"""Parts 3a and 3b: what Kafka and PostgreSQL alone can do on this broker and server.

The end-to-end figures mean little without them: they say how far from the
services' own limits the engine runs. 3b times bench/ceiling.py's loops on PostgreSQL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.ceiling import Ceiling, batched_saves, single_event_saves
from bench.kafka.common import BATCH
from bench.kafka.kafka_io import (
    _describe,
    partitions_of,
    relay_settings_producer,
)
from bench.kafka.services import Sandbox, sandbox
from bench.report import rate, say


@dataclass
class KafkaCeiling:
    label: str
    messages: int
    avg_bytes: float
    produce_s: float
    consume_s: float
    settings: str = ""

    @property
    def produce_per_s(self) -> float:
        return rate(self.messages, self.produce_s)

    @property
    def consume_per_s(self) -> float:
        return rate(self.messages, self.consume_s)


def kafka_ceiling(
    bootstrap: str, dsn: str, label: str, values: list[bytes], count: int, budget_s: float
) -> KafkaCeiling:
    from kafka import KafkaConsumer

    box = sandbox(bootstrap, dsn, "kc", schema=False, topics=False)
    name = f"{box.prefix}ceiling"
    box.create_topics([name])
    producer = relay_settings_producer(bootstrap)
    settings = _describe(producer)
    keys = [f"K-{i:07d}".encode() for i in range(count)]
    producer.send(name, key=b"warm", value=values[0]).get(timeout=30)  # metadata, connection, producer id
    sent = 1
    size = len(values[0])
    t = time.perf_counter()
    deadline = t + budget_s
    for i in range(count - 1):
        value = values[i % len(values)]
        producer.send(name, key=keys[i], value=value)
        sent += 1
        size += len(value)
        if i % 1000 == 999 and time.perf_counter() > deadline:
            break
    producer.flush(timeout=120)
    produce_s = time.perf_counter() - t
    producer.close(timeout=10)

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, max_poll_records=BATCH
    )
    tps = partitions_of(consumer, [name])
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    consumer.poll(timeout_ms=0)  # connect and resolve offsets, untimed
    got = 0
    t = time.perf_counter()
    deadline = t + 120
    while got < sent and time.perf_counter() < deadline:
        got += sum(len(r) for r in consumer.poll(timeout_ms=200).values())
    consume_s = time.perf_counter() - t
    consumer.close()
    return KafkaCeiling(
        label, sent, size / sent, produce_s, consume_s if got >= sent else float("inf"), settings
    )


def part_kafka_ceiling(
    bootstrap: str, dsn: str, sizes: list[tuple[str, list[bytes]]], count: int, budget_s: float
) -> list[KafkaCeiling]:
    say(
        "[3a] raw kafka-python ceiling on the same broker: the relay's producer settings (relay_producer), "
        "flush at the end; a plain consumer, max_poll_records 500"
    )
    results = []
    for label, values in sizes:
        c = kafka_ceiling(bootstrap, dsn, label, values, count, budget_s)
        results.append(c)
        if len(results) == 1:
            say(f"    producer: {c.settings}")
        say(
            f"    {label} ({c.avg_bytes:,.0f} B avg): produced {c.messages:,} in {c.produce_s:.2f} s -> "
            f"{c.produce_per_s:,.0f} msgs/s ({c.produce_per_s * c.avg_bytes / 1e6:,.1f} MB/s); consumed in "
            f"{c.consume_s:.2f} s -> {c.consume_per_s:,.0f} msgs/s"
        )
    return results


def _postgres(box: Sandbox) -> dict[str, str]:
    """The eventsourcing environment for the sandbox's own (fresh) PostgreSQL schema."""
    from infra.bootstrap import postgres_env

    return {"PERSISTENCE_MODULE": "eventsourcing.postgres", **postgres_env(box.settings())}


def part_pg_ceiling(bootstrap: str, dsn: str, budget_s: float) -> list[Ceiling]:
    say(
        "[3b] raw eventsourcing PostgreSQL append ceiling (plain Application, trivial aggregate, fresh schema)"
    )
    results = []
    for pydantic in (False, True):
        for fn in (single_event_saves, batched_saves):
            box = sandbox(bootstrap, dsn, "pgc", topics=False)
            c = fn(pydantic, budget_s=budget_s, persistence=_postgres(box))
            results.append(c)
            say(
                f"    {c.label}: {c.events:,} events in {c.saves:,} saves, {c.seconds:.2f} s -> "
                f"{c.events_per_s:,.0f} events/s, {c.saves_per_s:,.0f} saves/s"
            )
    return results
