"""Parts 3c and 3d: the engine alone on PostgreSQL (no Kafka), then the relay alone (store -> Kafka).

They split the end-to-end time between the engine's handling and the relay's publishing.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from dataclasses import dataclass

import orjson

from bench.kafka.kafka_io import (
    relay_settings_producer,
)
from bench.kafka.services import sandbox
from bench.report import Run, say
from bench.workload import Clock, MixedCatalogue


@dataclass
class Alone(Run):
    """3c: messages and lines handled, events stored; 3d: notifications read, events published."""

    events: int = 0


def part_engine_alone(bootstrap: str, dsn: str, orders: int, skus: int, batch: int) -> tuple[Alone, Alone]:
    """The engine on PostgreSQL without Kafka, then the relay draining what it stored."""
    from infra.bootstrap import build_engine
    from infra.kafka.relay import OutboundRelay
    from services.outcomes import Status
    from services.parsing import parse_message

    say(
        f"[3c] the engine alone on PostgreSQL: parse bytes + handle_batch({batch}), {orders:,} OrderPlaced x 2 lines"
    )
    box = sandbox(bootstrap, dsn, "alone")
    catalogue = MixedCatalogue(skus=skus)
    clock = Clock(prefix="k3")
    setup = catalogue.build(clock)
    stream = [orjson.dumps(m) for m in catalogue.orders(clock, orders)]
    engine = build_engine(box.settings())
    for i in range(0, len(setup), batch):
        engine.handle_batch([parse_message(m) for m in setup[i : i + batch]])
    stored0 = box.stored_events()
    engine_run = Alone("engine alone", messages=len(stream))
    statuses: Tally[Status] = Tally()
    t = time.perf_counter()
    for i in range(0, len(stream), batch):
        outcomes = engine.handle_batch([parse_message(raw) for raw in stream[i : i + batch]])
        statuses.update(o.status for o in outcomes)
        engine_run.lines += 2 * len(outcomes)
    engine_run.seconds = time.perf_counter() - t
    engine_run.events = box.stored_events() - stored0
    not_applied = {k.value: v for k, v in statuses.items() if k is not Status.APPLIED}
    say(
        f"    {engine_run.messages:,} msgs in {engine_run.seconds:.2f} s -> {engine_run.lines_per_s:,.0f} lines/s, "
        f"{engine_run.messages_per_s:,.0f} msgs/s, {engine_run.events_per_s:,.0f} events/s stored"
        + (f"; not applied: {not_applied}" if not_applied else "")
    )

    say("[3d] the relay alone: the same store (set-up + orders) to Kafka, page 1000, acks=all")
    relay_run = Alone("relay alone")
    producer = relay_settings_producer(bootstrap)
    relay = OutboundRelay(engine, producer, box.topics)
    producer.send(box.topics.order_events.name, key=b"warm", value=b"{}").get(timeout=30)
    t = time.perf_counter()
    while n := relay.relay_once():
        relay_run.messages += n
    relay_run.seconds = time.perf_counter() - t
    relay_run.events = relay.stats.published
    producer.close(timeout=10)
    engine.close()
    say(
        f"    {relay_run.messages:,} notifications read, {relay_run.events:,} events published in "
        f"{relay_run.seconds:.2f} s -> {relay_run.events_per_s:,.0f} events/s "
        f"(the engine run above stored {engine_run.events_per_s:,.0f}/s)"
    )
    return engine_run, relay_run
