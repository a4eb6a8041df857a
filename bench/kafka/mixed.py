"""Part 4: the realistic mixed stream (bench.traffic) through 1, 2 and 4 engines on one store.

Orders, receipts, POs, confirmations, delays, cancels, shipments, re-sends and
refusals, each published to its topic as the registry says, before the engines
start. One engine runs `antrian relay` beside it; the others run `--no-relay`,
so every event should be published once: duplicates are counted on the outbound
topics by `notification_id`. A run that does not catch up within its limit, or
whose engine dies, is a hang. Out-of-order allocations are counted from the store
(bench/kafka/fairness.py), and for the same lines ingested from a file in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson

from bench.kafka.engine_process import EngineProcess
from bench.kafka.fairness import OutOfOrder, out_of_order
from bench.kafka.kafka_io import upstream_producer
from bench.kafka.services import Sandbox, sandbox
from bench.report import say

T = TypeVar("T")
QUIET_S = 5.0  # no new outbound record for this long: the relay is done


@dataclass
class Mixed:
    engines: int
    messages: int
    seconds: float | None  # None: did not catch up (a hang)
    outbound: int
    duplicates: int
    unfair: OutOfOrder | None
    hangs: int

    @property
    def per_s(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def publish_lines(box: Sandbox, lines: list[bytes]) -> None:
    """Each line to its topic, keyed as the registry says; what is not a message goes to orders."""
    topics = box.topics
    producer = upstream_producer(box.bootstrap)
    try:
        for raw in lines:
            topic, key = topics.orders, None
            try:
                message = orjson.loads(raw)
                topic = topics.inbound_topic_for(message["type"])
                key = topic.key(message)
            except Exception:  # noqa: BLE001 - not JSON, no type, no key: refused by the engine
                pass
            producer.send(topic.name, key=key, value=raw)
        producer.flush(timeout=300)
    finally:
        producer.close(timeout=10)


def part_mixed(
    bootstrap: str, dsn: str, folder: Path, lines: list[bytes], engines: int, batch: int, limit: float
) -> Mixed:
    box = sandbox(bootstrap, dsn, f"mixed{engines}")
    publish_lines(box, lines)
    ends = _end_offsets(box, [t.name for t in box.topics.inbound()])
    total = sum(ends.values())
    started = time.perf_counter()
    procs = [EngineProcess(box, folder, batch, relay_process=True)]
    procs += [EngineProcess(box, folder, batch, relay=False) for _ in range(engines - 1)]
    seconds = None
    try:
        while time.perf_counter() - started < limit and all(p.alive for p in procs):
            if _applied(box) >= total:
                seconds = time.perf_counter() - started
                break
            time.sleep(0.5)
        outbound, duplicates = _outbound(box)
    finally:
        for p in procs:
            p.stop()
    if seconds is None:
        say(
            f"    !! {engines} engine(s) did not catch up within {limit:.0f} s; last lines:\n{procs[0].tail()}"
        )
    unfair = _unfair(box)
    return Mixed(engines, total, seconds, outbound, duplicates, unfair, hangs=int(seconds is None))


def file_baseline(lines: list[bytes]) -> OutOfOrder:
    """The same lines ingested in file order by an in-memory engine."""
    from infra.bootstrap import build_engine
    from infra.settings import Settings
    from services.parsing import parse_message

    engine = build_engine(Settings(store="memory"))
    for raw in lines:
        try:
            engine.handle(parse_message(raw))
        except Exception:  # noqa: BLE001 - refused as text: nothing to decide
            continue
    return out_of_order(engine)


def _end_offsets(box: Sandbox, names: list[str]) -> dict[Any, int]:
    from bench.kafka.kafka_io import end_offsets

    return end_offsets(box.bootstrap, names)


def _applied(box: Sandbox) -> int:
    """Inbound records past which the store's positions are, over every partition."""
    import psycopg

    with psycopg.connect(box.dsn, autocommit=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = %s and table_name like %s",
            (box.schema, "%tracking"),
        ).fetchall()
        applied = 0
        for (table,) in tables:
            row = connection.execute(
                f"select coalesce(sum(m), 0) from (select max(notification_id) m from {box.schema}.{table}"
                " where application_name like %s group by application_name) t",
                (box.prefix + "%",),
            ).fetchone()
            applied += int(row[0]) if row else 0
    return applied


def _outbound(box: Sandbox) -> tuple[int, int]:
    """Records on the outbound topics, once quiet, and how many repeat a notification_id."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        *[t.name for t in box.topics.outbound()],
        bootstrap_servers=box.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    seen: set[Any] = set()
    count = duplicates = 0
    quiet_since = time.perf_counter()
    try:
        while time.perf_counter() - quiet_since < QUIET_S:
            records = consumer.poll(timeout_ms=500, max_records=5_000)
            for batch in records.values():
                quiet_since = time.perf_counter()
                for record in batch:
                    count += 1
                    notification = orjson.loads(record.value).get("notification_id")
                    duplicates += notification in seen
                    seen.add(notification)
    finally:
        consumer.close()
    return count, duplicates


def _unfair(box: Sandbox) -> OutOfOrder | None:
    from infra.bootstrap import build_engine

    try:
        engine = build_engine(box.settings())
    except Exception as exc:  # noqa: BLE001 - a bench reports
        say(f"    (store not readable for the out-of-order count: {exc})")
        return None
    try:
        return out_of_order(engine)
    finally:
        engine.close()


def say_mixed(lines: int, baseline: OutOfOrder | None, runs: list[Mixed | None]) -> None:
    say(f"\n4. realistic mixed stream, {lines} lines (bench.traffic, seed 7), pre-published:")
    say(f"   file ingest in file order: out of placed_at order: {baseline or '?'}")
    say("   engines  messages/s  outbound  duplicates  hangs  out of placed_at order")
    say_rows(runs, _mixed_row)
    say("   (p99 latency is part 2's: a pre-published backlog's latency is its drain time)")


def _mixed_row(run: Mixed) -> str:
    rate = f"{run.per_s:10.0f}" if run.seconds else "         -"
    return f"   {run.engines:7d}  {rate}  {run.outbound:8d}  {run.duplicates:10d}  {run.hangs:5d}  {run.unfair or '?'}"


def say_rows(runs: Sequence[T | None], row: Callable[[T], str]) -> None:
    """One table row per run; a run that failed (its traceback printed above) says so."""
    for run in runs:
        say(row(run) if run is not None else "   (a run failed: see above)")
