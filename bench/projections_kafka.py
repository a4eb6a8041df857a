"""The read side from Kafka: the demo history relayed to the outbound topics, then read back.

Only when a broker already answers (ANTRIAN_KAFKA_BOOTSTRAP or the one
`make kafka-up` started): `make bench` runs the Kafka bench first, which
starts it. The topics (4 partitions each) live under a prefix of their own
and are deleted at the end.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench.kafka.services import _answers, _from_state, sandbox
from bench.report import rate, say
from infra.bootstrap import build_engine
from infra.kafka.projections import kafka_feed
from infra.kafka.relay import OutboundRelay, relay_producer
from infra.settings import Settings
from projections import catalog
from projections.runner import ProjectionRunner
from projections.store import SqliteReadStore


@dataclass
class KafkaRates:
    records: int = 0
    relay_seconds: float = 0.0
    decode_seconds: float = 0.0
    rebuild_events: int = 0
    rebuild_seconds: float = 0.0

    @property
    def relay_per_s(self) -> float:
        return rate(self.records, self.relay_seconds)

    @property
    def decode_per_s(self) -> float:
        return rate(self.records, self.decode_seconds)

    @property
    def rebuild_per_s(self) -> float:
        return rate(self.rebuild_events, self.rebuild_seconds)


def running_broker() -> str | None:
    address = os.environ.get("ANTRIAN_KAFKA_BOOTSTRAP", "").strip() or _from_state(".cache/kafka/bootstrap")
    if not address:
        return None
    host, _, port = address.split(",")[0].rpartition(":")
    return address if _answers(host or "127.0.0.1", int(port)) else None


def part_kafka(folder: Path, events_db: Path, bootstrap: str) -> KafkaRates:
    say(
        f"[4] Kafka feed: the history relayed to the outbound topics at {bootstrap}, then projected from them"
    )
    rates = KafkaRates()
    box = sandbox(bootstrap, "", "proj", schema=False, topics=True)
    try:
        settings = Settings(kafka_bootstrap=bootstrap, topic_prefix=box.prefix)
        engine = build_engine(Settings(store="sqlite", sqlite_path=events_db))
        relay = OutboundRelay(engine, relay_producer(bootstrap), box.topics)
        started = time.perf_counter()
        stats = relay.run(idle_polls=1, interval=0)
        rates.relay_seconds = time.perf_counter() - started
        relay.producer.close()
        engine.close()
        rates.records = stats.published
        say(
            f"    relay: {stats.published:,} events in {rates.relay_seconds:.1f} s ({rates.relay_per_s:,.0f} events/s)"
        )

        feed = kafka_feed(settings, group=f"{box.group}-decode")
        feed.start({})
        started, read = time.perf_counter(), 0
        while read < rates.records:
            read += feed.poll(2000).read
        rates.decode_seconds = time.perf_counter() - started
        feed.close()
        say(
            f"    KafkaFeed alone: {read:,} records decoded in {rates.decode_seconds:.2f} s ({rates.decode_per_s:,.0f}/s)"
        )

        feed = kafka_feed(settings, group=f"{box.group}-rebuild")
        runner = ProjectionRunner(SqliteReadStore(folder / "kafka-read.sqlite"), catalog.build())
        ends = feed.ends()
        started = time.perf_counter()
        done = runner.run(feed, batch_size=2000, until=lambda: runner.caught_up(ends))
        rates.rebuild_seconds = time.perf_counter() - started
        rates.rebuild_events = done.events
        feed.close()
        say(
            f"    rebuild of all projections from Kafka: {done.events:,} events in {rates.rebuild_seconds:.1f} s "
            f"({rates.rebuild_per_s:,.0f} events/s)"
        )
    finally:
        box.cleanup()
    return rates
