"""Part 1: end-to-end throughput, upstream topic to outbound topic (1b: relay as its own process).

The clock runs from the engine subprocess's start until every pre-published order
has an event on the outbound order topic: start-up counts, as it would in production.
"""

from __future__ import annotations

import gc
import math
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.kafka.engine_process import EngineProcess, _say_setup, apply_setup
from bench.kafka.kafka_io import (
    Watcher,
    end_offsets,
    publish,
    quiet,
    upstream_producer,
)
from bench.kafka.services import sandbox
from bench.report import Rates, rate, say
from bench.workload import Clock, MixedCatalogue


@dataclass
class Throughput(Rates):
    orders: int = 0
    lines: int = 0
    seconds: float = 0.0  # process start -> every order's event on the outbound topic
    startup: float = 0.0  # process start -> first outbound event
    steady_lines_per_s: float = 0.0  # between 10% and 90% of the orders seen
    events: int = 0  # distinct outbound events (notification ids) published
    events_seconds: float = 0.0  # process start -> last outbound event
    stored_events: int = 0  # rows added to the store (inbox records and snapshots' events included)
    prepublish_msgs_per_s: float = 0.0
    inbound_bytes: int = 0
    outbound_bytes: int = 0
    seen: int = 0
    by_topic: Tally[str] = field(default_factory=Tally)
    engine_summary: str = ""
    engines: int = 1
    published_records: int = 0  # outbound records of the run, on every topic
    duplicates: int = 0  # of them, repeats of a notification id (at least once: 0 unless a relay restarted)
    samples: list[bytes] = field(default_factory=list)
    inbound_samples: list[bytes] = field(default_factory=list)

    @property
    def messages_per_s(self) -> float:
        return rate(self.orders, self.seconds)

    @property
    def events_per_s(self) -> float:
        return rate(self.events, self.events_seconds)

    @property
    def stored_per_s(self) -> float:
        return rate(self.stored_events, self.seconds)


def part_throughput(
    bootstrap: str,
    dsn: str,
    folder: Path,
    orders: int,
    skus: int,
    batch: int,
    limit: float,
    relay_process: bool = False,
    engines: int = 1,
) -> Throughput:
    how = (
        f"`antrian engine --kafka --no-relay --batch {batch}` + `antrian relay`, two subprocesses"
        if relay_process
        else f"`antrian engine --kafka --batch {batch}` (its relay a child process) as a subprocess"
    )
    if engines > 1:
        how = f"{engines} x {how} in one group, all consuming (ANTRIAN_ENGINE_ELECTION=false; one relay publishes)"
    part = "1b" if relay_process else "1" if engines == 1 else f"1c/{engines}"
    say(
        f"[{part}] end to end, Kafka + PostgreSQL: {orders:,} pre-published OrderPlaced "
        f"x 2 lines, {skus} SKUs, {how}"
    )
    result = Throughput(engines=engines)
    box = sandbox(bootstrap, dsn, "e2e2" if relay_process else "e2e" if engines == 1 else f"e2e{engines}")
    topics = box.topics
    catalogue = MixedCatalogue(skus=skus)
    clock = Clock(prefix="k1")
    setup = catalogue.build(clock)
    stream = list(catalogue.orders(clock, orders))
    _say_setup(apply_setup(box, setup))

    order_topic, dead_topic = topics.order_events.name, topics.deadletter.name
    outbound_names = [t.name for t in topics.outbound()] + [dead_topic]
    start = end_offsets(bootstrap, outbound_names)
    stored0 = box.stored_events()
    producer = upstream_producer(bootstrap)
    t = time.perf_counter()
    count, size = publish(producer, topics, stream)
    seconds = time.perf_counter() - t
    producer.close(timeout=10)
    result.orders = count
    result.lines = sum(len(m["lines"]) for m in stream)
    result.inbound_bytes = size
    result.prepublish_msgs_per_s = count / seconds
    result.inbound_samples = [orjson.dumps(m) for m in stream[:2_000]]
    say(
        f"    pre-published {count:,} messages ({size / count:,.0f} B avg) in {seconds:.2f} s "
        f"({count / seconds:,.0f} msgs/s)"
    )

    ids = {m["message_id"] for m in stream}
    # The watcher shares the machine with what it measures, and kafka-python spends ~25 us of
    # CPU per record read: it reads what completion needs (order events, dead letters) and the
    # other outbound topics are counted from their offsets afterwards. Its process's objects
    # so far are frozen out of the garbage collector's walks for the same reason.
    watched = {tp: offset for tp, offset in start.items() if tp.topic in (order_topic, dead_topic)}
    watcher = Watcher(bootstrap, watched, order_topic, expected=ids, samples=2_000)
    watcher.start()
    gc.freeze()
    engine = EngineProcess(box, folder, batch, relay_process=relay_process, engines=engines)
    t0 = engine.started
    next_report = t0 + 5
    try:
        while not watcher.done.wait(0.05):
            now = time.perf_counter()
            seen = len(watcher.first_seen)
            if now >= next_report:
                say(f"    {now - t0:5.1f} s: {seen:,}/{len(ids):,} orders out, {watcher.events:,} events")
                next_report += 5
            if not engine.alive:
                raise RuntimeError(f"the engine exited ({engine.process.returncode}):\n{engine.tail()}")
            if watcher.error is not None:
                raise RuntimeError(f"the outbound watcher failed: {watcher.error!r}")
            if now - t0 > limit:
                raise RuntimeError(f"not all orders came out within {limit:.0f} s: {seen:,}/{len(ids):,}")
        seen_times = sorted(watcher.first_seen[i] for i in ids if i in watcher.first_seen)
        done = seen_times[-1]
        marks = {q: seen_times[max(0, math.ceil(q * len(seen_times)) - 1)] for q in (0.1, 0.9)}
        quiet(watcher)
    finally:
        gc.unfreeze()
        result.engine_summary = engine.stop()
        watcher.stop()
    ends = end_offsets(bootstrap, outbound_names)
    counted = {tp: end - start[tp] for tp, end in ends.items()}
    result.published_records, result.duplicates = published_and_repeated(bootstrap, start, ends)
    unwatched: Tally[str] = Tally()
    for tp, records in counted.items():
        if tp not in watched:
            unwatched[tp.topic.rsplit(".", 2)[-2]] += records
    result.seconds = done - t0
    result.startup = (watcher.first_event or done) - t0
    span = marks[0.9] - marks[0.1]
    result.steady_lines_per_s = 0.8 * result.lines / span if span > 0 else 0.0
    result.events = watcher.events + sum(unwatched.values())
    result.events_seconds = (watcher.last_event or done) - t0
    result.outbound_bytes = watcher.value_bytes
    result.by_topic = watcher.by_topic + unwatched
    result.seen = len(watcher.first_seen)
    result.samples = watcher.samples
    result.stored_events = box.stored_events() - stored0
    say(
        f"    all {result.orders:,} orders out {result.seconds:.2f} s after the engine process started "
        f"(first outbound event after {result.startup:.2f} s: interpreter, engine, group join, first batch)"
    )
    say(
        f"    -> {result.lines_per_s:,.0f} lines/s, {result.messages_per_s:,.0f} msgs/s end to end; "
        f"steady state (10%..90% of orders) {result.steady_lines_per_s:,.0f} lines/s"
    )
    say(
        f"    outbound: {result.events:,} events ({dict(result.by_topic)}; order events read, the others "
        f"counted from offsets), {result.events_per_s:,.0f} events/s, "
        f"{result.outbound_bytes / max(watcher.events, 1):,.0f} B avg order event, "
        f"{watcher.duplicates} repeats dropped, "
        f"{watcher.dead_letters} dead letters; stored {result.stored_events:,} events "
        f"({result.stored_per_s:,.0f}/s, {result.stored_events / max(result.orders, 1):.1f}/msg incl. inbox)"
    )
    say(
        f"    published {result.published_records:,} outbound records (dead letters included), "
        f"{result.duplicates:,} of them repeats of a notification id already published"
    )
    say(f"    engine: {result.engine_summary}")
    return result


def published_and_repeated(bootstrap: str, start: dict[Any, int], ends: dict[Any, int]) -> tuple[int, int]:
    """Every outbound record of the run, read back after the clock stopped: (records, repeats).

    The watcher reads only the order events while the clock runs; a relay per engine once
    published everything once per engine, on every topic, so all of them are counted here.
    """
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        todo = {tp: end for tp, end in ends.items() if end > start[tp]}
        consumer.assign(list(todo))
        for tp in todo:
            consumer.seek(tp, start[tp])
        seen: set[bytes] = set()
        records = repeats = 0
        deadline = time.perf_counter() + 120
        while any(consumer.position(tp) < end for tp, end in todo.items()):
            if time.perf_counter() > deadline:
                raise RuntimeError("could not read the outbound topics back within 120 s")
            for batch in consumer.poll(timeout_ms=200, max_records=5_000).values():
                for record in batch:
                    records += 1
                    nid = dict(record.headers).get("notification_id")
                    if nid is None:
                        continue  # a dead letter: no notification id
                    if nid in seen:
                        repeats += 1
                    seen.add(nid)
        return records, repeats
    finally:
        consumer.close()


def say_scale_out(runs: list[Throughput | None]) -> None:
    """Part 1c's summary: one line per engine count."""
    say(
        "[1c] engines in one group, all consuming (each starts a relay; one publishes): lines/s end to end, duplicates"
    )
    for run in runs:
        if run is not None:
            say(
                f"    {run.engines} engine(s): {run.lines_per_s:,.0f} lines/s end to end, "
                f"{run.steady_lines_per_s:,.0f} steady; {run.published_records:,} records published, "
                f"{run.duplicates} duplicate(s)"
            )
