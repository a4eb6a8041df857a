"""Antrian on Kafka + PostgreSQL: a benchmark that prints figures, asserts nothing, always exits 0.

    .venv/bin/python -m bench.kafka            # full run (about 3 minutes)
    .venv/bin/python -m bench.kafka --quick    # smaller sizes, for a smoke test

Needs a Kafka broker and a PostgreSQL server: ANTRIAN_KAFKA_BOOTSTRAP /
ANTRIAN_POSTGRES_DSN if set, else the addresses in .cache/kafka/bootstrap and
.cache/pg/dsn (`make kafka-up pg-up`), else the services are started the way
the tests start them (tests/support/services.py). Every part works in its own
PostgreSQL schema and under its own topic prefix, both dropped at the end.

1. End-to-end throughput, upstream topic to outbound topic. The realistic
   mixed catalogue of bench/workload.py (suppliers, SKU config, stock, POs,
   substitutes) is published to the inbound topics and applied first (in
   this process, topic by topic, so set-up never races); then N 2-line
   `OrderPlaced` messages are pre-published to the orders topic, and only
   then is `antrian engine --kafka` started as a subprocess (inbound consumer
   plus relay thread). The clock runs from the subprocess's start until the
   outbound order topic carries an event caused by every one of the N
   messages (a plain KafkaConsumer reads the outbound topics, de-duplicating
   by notification_id). 1b: the same with the relay as its own process
   (`antrian engine --kafka --no-relay` + `antrian relay`).
2. Latency at a steady 500 lines/s (250 `OrderPlaced`/s of 2 lines): a paced
   producer records each message's publish time; a consumer on the outbound
   order topic records when the first event caused by it (header
   causation_message_id) arrives. p50/p90/p99/max. 2b: the same with the
   relay as its own process.
3. Ceilings, same broker, same server, same run: (a) kafka-python produce
   and consume rates at the inbound and outbound message sizes, with the
   relay's producer settings (infra/kafka_relay.py: acks=all, idempotence); (b) the raw
   eventsourcing PostgreSQL append rate (plain Application, trivial
   aggregate, 1 and 100 events per save); (c) the engine alone on PostgreSQL
   (parse + handle_batch, no Kafka); (d) the relay alone (store -> Kafka).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from bench.ceiling import Ceiling, Counter, PCounter
from bench.workload import Clock, MixedCatalogue, Msg

REPO = Path(__file__).resolve().parents[1]
TARGET_LINES_PER_S = 2_000
TARGET_P99_MS = 250.0
LATENCY_LINES_PER_S = 500
PARTITIONS = 4
BATCH = 500  # `antrian engine --batch` default


def say(text: str = "") -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------
# services and sandboxes


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _from_state(relative: str) -> str | None:
    path = REPO / relative
    try:
        value = path.read_text().strip()
    except OSError:
        return None
    return value or None


def find_services() -> tuple[str, str]:
    """(Kafka bootstrap, PostgreSQL DSN): the environment, the state files, else start them like the tests."""
    found: dict[str, str | None] = {}
    for name, variable, state in (
        ("kafka", "ANTRIAN_KAFKA_BOOTSTRAP", ".cache/kafka/bootstrap"),
        ("postgres", "ANTRIAN_POSTGRES_DSN", ".cache/pg/dsn"),
    ):
        given = os.environ.get(variable, "").strip()
        address = given or _from_state(state)
        if address:
            if name == "kafka":
                host, _, port = address.split(",")[0].rpartition(":")
                up = _answers(host or "127.0.0.1", int(port))
            else:
                url = urlsplit(address)
                up = _answers(url.hostname or "127.0.0.1", url.port or 5432)
            if not up and given:
                raise RuntimeError(f"{variable}={given} does not answer")
            address = address if up else None
        found[name] = address
    if not found["kafka"] or not found["postgres"]:
        from tests.support import services  # ops/*/*.sh up, as the tests do (stopped again at exit)

        found["kafka"] = found["kafka"] or services.kafka_bootstrap()
        found["postgres"] = found["postgres"] or services.postgres_dsn()
    return str(found["kafka"]), str(found["postgres"])


@dataclass
class Sandbox:
    """One part's own PostgreSQL schema and topic prefix."""

    bootstrap: str
    dsn: str
    label: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    schema: str | None = None
    topic_names: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"bench-{self.label}-{self.tag}."

    @property
    def group(self) -> str:
        return f"bench-{self.label}-{self.tag}"

    @property
    def topics(self) -> Any:
        from infra.topics import TopicRegistry

        return TopicRegistry(self.prefix, partitions=PARTITIONS)

    def settings(self) -> Any:
        from infra.settings import Settings

        return Settings(
            store="postgres",
            postgres_dsn=self.dsn,
            postgres_schema=self.schema,
            kafka_bootstrap=self.bootstrap,
            kafka_group=self.group,
            topic_prefix=self.prefix,
        )

    def create_schema(self) -> str:
        import psycopg

        self.schema = f"bench_{self.label}_{self.tag}"
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {self.schema}")
        return self.schema

    def create_topics(self, names: Iterable[str] | None = None) -> list[str]:
        from kafka.admin import KafkaAdminClient, NewTopic

        wanted = list(names) if names is not None else [t.name for t in self.topics]
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        try:
            admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in wanted], timeout_ms=30_000)
        finally:
            admin.close()
        self.topic_names += wanted
        return wanted

    def engine_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "ANTRIAN_STORE": "postgres",
                "ANTRIAN_POSTGRES_DSN": self.dsn,
                "ANTRIAN_POSTGRES_SCHEMA": self.schema or "",
                "ANTRIAN_KAFKA_BOOTSTRAP": self.bootstrap,
                "ANTRIAN_KAFKA_GROUP": self.group,
                "ANTRIAN_TOPIC_PREFIX": self.prefix,
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def stored_events(self) -> int:
        """Rows in the schema's stored-events table(s)."""
        import psycopg

        if not self.schema:
            return 0
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            tables = [
                r[0]
                for r in connection.execute(
                    "select table_name from information_schema.tables where table_schema = %s "
                    "and table_name like %s",
                    (self.schema, "%\\_events"),
                )
            ]
            return sum(connection.execute(f"select count(*) from {self.schema}.{t}").fetchone()[0] for t in tables)

    def cleanup(self) -> None:
        if self.schema:
            try:
                import psycopg

                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            except Exception as exc:  # noqa: BLE001 - a bench reports, it does not fail
                say(f"    (could not drop schema {self.schema}: {exc})")
        if self.topic_names:
            try:
                from kafka.admin import KafkaAdminClient

                admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
                try:
                    admin.delete_topics(self.topic_names, timeout_ms=30_000, raise_errors=False)
                finally:
                    admin.close()
            except Exception as exc:  # noqa: BLE001
                say(f"    (could not delete topics {self.prefix}*: {exc})")


SANDBOXES: list[Sandbox] = []


def sandbox(bootstrap: str, dsn: str, label: str, schema: bool = True, topics: bool = True) -> Sandbox:
    box = Sandbox(bootstrap, dsn, label)
    SANDBOXES.append(box)
    if schema:
        box.create_schema()
    if topics:
        box.create_topics()
    return box


# --------------------------------------------------------------------------
# Kafka helpers


UPSTREAM_PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 5}


def upstream_producer(bootstrap: str) -> Any:
    """An upstream system's producer: acks=all, idempotent, a short linger (it does not flush per message)."""
    from kafka import KafkaProducer

    return KafkaProducer(bootstrap_servers=bootstrap, **UPSTREAM_PRODUCER)


def relay_settings_producer(bootstrap: str) -> Any:
    """A producer with exactly the relay's settings (infra/kafka_relay.py)."""
    from infra.kafka_relay import relay_producer

    return relay_producer(bootstrap)


def _describe(producer: Any) -> str:
    c = producer.config
    return (f"acks={c['acks']}, idempotence={c['enable_idempotence']}, linger {c['linger_ms']} ms, "
            f"batch {c['batch_size'] // 1024} KB")


def publish(producer: Any, topics: Any, messages: Iterable[Msg]) -> tuple[int, int]:
    """Send each message to its inbound topic, keyed as the registry says; (count, bytes)."""
    count = size = 0
    for message in messages:
        topic = topics.inbound_topic_for(message["type"])
        value = orjson.dumps(message)
        producer.send(topic.name, key=topic.key(message), value=value)
        count += 1
        size += len(value)
    producer.flush(timeout=120)
    return count, size


def partitions_of(consumer: Any, names: Iterable[str], timeout: float = 30.0) -> list[Any]:
    from kafka import TopicPartition

    found = []
    for name in names:
        deadline = time.monotonic() + timeout
        parts = consumer.partitions_for_topic(name)
        while not parts and time.monotonic() < deadline:
            time.sleep(0.1)
            consumer.topics()  # refresh metadata
            parts = consumer.partitions_for_topic(name)
        if not parts:
            raise RuntimeError(f"topic {name} has no partitions after {timeout:.0f} s")
        found += [TopicPartition(name, p) for p in sorted(parts)]
    return found


def end_offsets(bootstrap: str, names: Iterable[str]) -> dict[Any, int]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        return dict(consumer.end_offsets(partitions_of(consumer, names)))
    finally:
        consumer.close()


def _header(record: Any, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode() if isinstance(value, bytes) else value
    return None


class Watcher(threading.Thread):
    """Reads outbound topics from given offsets: new events (de-duplicated by notification_id),
    and when the first order event caused by each inbound message arrived."""

    def __init__(
        self,
        bootstrap: str,
        start: dict[Any, int],
        order_topic: str,
        expected: set[str] | None = None,
        samples: int = 0,
    ) -> None:
        super().__init__(name="outbound-watcher", daemon=True)
        from kafka import KafkaConsumer

        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, max_poll_records=2_000
        )
        self.consumer.assign(list(start))
        for tp, offset in start.items():
            self.consumer.seek(tp, offset)
        self.order_topic = order_topic
        self.pending = set(expected or ())
        self.expected = len(self.pending)
        self.done = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.first_seen: dict[str, float] = {}  # causation message id -> first order event's arrival
        self.notification_ids: set[int] = set()
        self.events = 0
        self.duplicates = 0
        self.dead_letters = 0
        self.by_topic: Tally = Tally()
        self.value_bytes = 0
        self.first_event: float | None = None
        self.last_event: float | None = None
        self.samples: list[bytes] = []
        self.max_samples = samples
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                batches = self.consumer.poll(timeout_ms=50)
                now = time.perf_counter()
                for tp, records in batches.items():
                    for record in records:
                        self._one(tp.topic, record, now)
        except BaseException as exc:  # noqa: BLE001 - reported by the part
            self.error = exc
        finally:
            self.consumer.close()

    def _one(self, topic: str, record: Any, now: float) -> None:
        nid = _header(record, "notification_id")
        if nid is None:  # a dead letter: its message will never have an order event
            self.dead_letters += 1
            refused = _header(record, "message_id")
            with self.lock:
                if refused in self.pending:
                    self.pending.discard(refused)
                    if not self.pending and self.expected:
                        self.done.set()
            return
        nid_int = int(nid)
        if nid_int in self.notification_ids:
            self.duplicates += 1
            return
        self.notification_ids.add(nid_int)
        self.events += 1
        self.by_topic[topic.rsplit(".", 2)[-2]] += 1
        self.value_bytes += len(record.value)
        if self.first_event is None:
            self.first_event = now
        self.last_event = now
        if len(self.samples) < self.max_samples:
            self.samples.append(record.value)
        if topic != self.order_topic:
            return
        cause = _header(record, "causation_message_id")
        if cause is None or cause in self.first_seen:
            return
        with self.lock:
            self.first_seen[cause] = now
            if cause in self.pending:
                self.pending.discard(cause)
                if not self.pending and self.expected:
                    self.done.set()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def quiet(watcher: Watcher, seconds: float = 1.0, limit: float = 15.0) -> None:
    """Wait until no new outbound event arrived for `seconds` (at most `limit`)."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        last = watcher.last_event or 0.0
        if time.perf_counter() - last >= seconds:
            return
        time.sleep(0.1)


# --------------------------------------------------------------------------
# the engine as a process


class EngineProcess:
    """`antrian engine --kafka` on the sandbox's schema and topics, stderr to a file."""

    def __init__(self, box: Sandbox, folder: Path, batch: int, relay_process: bool = False) -> None:
        """`relay_process`: `antrian engine --kafka --no-relay` plus `antrian relay` as a second process."""
        prelude = os.environ.get("ANTRIAN_BENCH_ENGINE_PRELUDE")  # python run before the CLI (experiments)
        script = Path(sys.executable).with_name("antrian")
        if prelude:
            base = [sys.executable, "-c", f"{prelude}\nfrom infra.cli import main; main()"]
        else:
            base = [str(script)] if script.exists() else [sys.executable, "-c", "from infra.cli import main; main()"]
        engine = [*base, "engine", "--kafka", "--batch", str(batch)]
        self.log = folder / f"engine-{box.label}-{box.tag}.log"
        self._out = self.log.open("wb")
        self.started = time.perf_counter()
        self.processes = [
            subprocess.Popen(
                engine + (["--no-relay"] if relay_process else []),
                cwd=REPO,
                env=box.engine_env(),
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=subprocess.STDOUT,
            )
        ]
        if relay_process:
            self.processes.append(
                subprocess.Popen(
                    [*base, "relay"],
                    cwd=REPO,
                    env=box.engine_env(),
                    stdin=subprocess.DEVNULL,
                    stdout=self._out,
                    stderr=subprocess.STDOUT,
                )
            )
        self.process = self.processes[0]

    @property
    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def stop(self) -> str:
        """SIGTERM (stops after the current batch), then the last line it printed."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._out.close()
        return self.summary()

    def summary(self) -> str:
        lines = [line for line in self.tail(50).splitlines() if line.startswith(("stopped:", "relay stopped"))]
        return "; ".join(lines) if lines else f"(no summary; exit code {self.process.poll()})"

    def tail(self, count: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-count:])
        except OSError:
            return ""


# --------------------------------------------------------------------------
# set-up: the mixed catalogue, applied through Kafka in this process


def _runs_by_topic(topics: Any, messages: list[Msg]) -> list[list[Msg]]:
    """Consecutive messages on the same inbound topic: published and applied run by run,
    so nothing read from one topic races ahead of what it needs from another."""
    runs: list[list[Msg]] = []
    last = None
    for message in messages:
        name = topics.inbound_topic_for(message["type"]).name
        if name != last:
            runs.append([])
            last = name
        runs[-1].append(message)
    return runs


def apply_setup(box: Sandbox, setup: list[Msg]) -> dict[str, Any]:
    """Publish the catalogue to the inbound topics and apply it with an in-process
    InboundConsumer and OutboundRelay (as the engine would), until caught up."""
    from kafka import KafkaConsumer

    from infra.bootstrap import build_engine
    from infra.kafka_inbound import InboundConsumer, feed_name
    from infra.kafka_relay import OutboundRelay

    topics = box.topics
    started = time.perf_counter()
    engine = build_engine(box.settings())
    consumer = KafkaConsumer(
        bootstrap_servers=box.bootstrap,
        group_id=f"{box.group}-setup",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=BATCH,
    )
    producer = upstream_producer(box.bootstrap)
    relay_producer_ = relay_settings_producer(box.bootstrap)
    inbound = InboundConsumer(engine, consumer, [t.name for t in topics.inbound()], batch_size=BATCH)
    relay = OutboundRelay(engine, relay_producer_, topics)
    try:
        inbound.start()
        inbound_tps = partitions_of(consumer, inbound.topics)
        for run in _runs_by_topic(topics, setup):
            publish(producer, topics, run)
            ends = consumer.end_offsets(inbound_tps)
            deadline = time.perf_counter() + 120
            while True:
                behind = [
                    tp for tp, end in ends.items() if end and (engine.position(feed_name(tp.topic, tp.partition)) or 0) < end
                ]
                if not behind:
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"set-up not applied within 120 s: behind on {behind}")
                inbound.poll_once()
        while relay.relay_once():
            pass
    finally:
        consumer.close()
        producer.close(timeout=10)
        relay_producer_.close(timeout=10)
        engine.close()
    stats = inbound.stats
    return {
        "messages": len(setup),
        "seconds": time.perf_counter() - started,
        "applied": stats.applied,
        "dead_letters": stats.dead_letters,
        "reasons": stats.last_reasons,
        "published": relay.stats.published,
    }


def _say_setup(info: dict[str, Any]) -> None:
    say(
        f"    set-up: {info['messages']} messages (suppliers, SKU config, receipts, POs, substitutes) through "
        f"Kafka, applied and relayed in-process in {info['seconds']:.1f} s: applied {info['applied']}, "
        f"dead letters {info['dead_letters']}, {info['published']} outbound events"
    )
    for reason in info["reasons"][:3]:
        say(f"    !! {reason}")


# --------------------------------------------------------------------------
# part 1: end-to-end throughput


@dataclass
class Throughput:
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
    by_topic: Tally = field(default_factory=Tally)
    engine_summary: str = ""
    samples: list[bytes] = field(default_factory=list)
    inbound_samples: list[bytes] = field(default_factory=list)

    @property
    def lines_per_s(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    @property
    def messages_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    @property
    def events_per_s(self) -> float:
        return self.events / self.events_seconds if self.events_seconds else 0.0

    @property
    def stored_per_s(self) -> float:
        return self.stored_events / self.seconds if self.seconds else 0.0


def part_throughput(
    bootstrap: str, dsn: str, folder: Path, orders: int, skus: int, batch: int, limit: float, relay_process: bool = False
) -> Throughput:
    how = (f"`antrian engine --kafka --no-relay --batch {batch}` + `antrian relay`, two subprocesses" if relay_process
           else f"`antrian engine --kafka --batch {batch}` (relay thread inside) as a subprocess")
    say(f"[{'1b' if relay_process else '1'}] end to end, Kafka + PostgreSQL: {orders:,} pre-published OrderPlaced "
        f"x 2 lines, {skus} SKUs, {how}")
    result = Throughput()
    box = sandbox(bootstrap, dsn, "e2e2" if relay_process else "e2e")
    topics = box.topics
    catalogue = MixedCatalogue(skus=skus)
    clock = Clock(prefix="k1")
    setup = catalogue.build(clock)
    stream = list(catalogue.orders(clock, orders))
    _say_setup(apply_setup(box, setup))

    outbound_names = [t.name for t in topics.outbound()] + [topics.deadletter.name]
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
    say(f"    pre-published {count:,} messages ({size / count:,.0f} B avg) in {seconds:.2f} s "
        f"({count / seconds:,.0f} msgs/s)")

    ids = {m["message_id"] for m in stream}
    watcher = Watcher(bootstrap, start, topics.order_events.name, expected=ids, samples=2_000)
    watcher.start()
    engine = EngineProcess(box, folder, batch, relay_process=relay_process)
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
        result.engine_summary = engine.stop()
        watcher.stop()
    result.seconds = done - t0
    result.startup = (watcher.first_event or done) - t0
    span = marks[0.9] - marks[0.1]
    result.steady_lines_per_s = 0.8 * result.lines / span if span > 0 else 0.0
    result.events = watcher.events
    result.events_seconds = (watcher.last_event or done) - t0
    result.outbound_bytes = watcher.value_bytes
    result.by_topic = watcher.by_topic
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
        f"    outbound: {result.events:,} events ({dict(result.by_topic)}), {result.events_per_s:,.0f} events/s, "
        f"{result.outbound_bytes / max(result.events, 1):,.0f} B avg, {watcher.duplicates} repeats dropped, "
        f"{watcher.dead_letters} dead letters; stored {result.stored_events:,} events "
        f"({result.stored_per_s:,.0f}/s, {result.stored_events / max(result.orders, 1):.1f}/msg incl. inbox)"
    )
    say(f"    engine: {result.engine_summary}")
    return result


# --------------------------------------------------------------------------
# part 2: latency at a steady rate


@dataclass
class Latency:
    sent: int = 0
    received: int = 0
    seconds: float = 0.0
    lines: int = 0
    ms: list[float] = field(default_factory=list)
    engine_summary: str = ""

    @property
    def achieved_lines_per_s(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return percentile(self.ms, q)


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def part_latency(
    bootstrap: str, dsn: str, folder: Path, seconds: float, skus: int, batch: int, relay_process: bool = False
) -> Latency:
    rate = LATENCY_LINES_PER_S / 2
    how = "engine + relay as two processes" if relay_process else "relay thread inside the engine"
    say(f"[{'2b' if relay_process else '2'}] latency, publish -> first outbound order event: {rate:.0f} "
        f"OrderPlaced/s x 2 lines ({LATENCY_LINES_PER_S} lines/s) for {seconds:.0f} s, {how}")
    result = Latency()
    box = sandbox(bootstrap, dsn, "lat2" if relay_process else "lat")
    topics = box.topics
    catalogue = MixedCatalogue(skus=skus)
    clock = Clock(prefix="k2")
    setup = catalogue.build(clock)
    total = int(rate * seconds)
    stream = list(catalogue.orders(clock, total + 1, prefix="L"))
    warm, stream = stream[0], stream[1:]
    _say_setup(apply_setup(box, setup))

    start = end_offsets(bootstrap, [topics.order_events.name])
    watcher = Watcher(bootstrap, start, topics.order_events.name)
    watcher.start()
    engine = EngineProcess(box, folder, batch, relay_process=relay_process)
    producer = upstream_producer(bootstrap)
    order_topic = topics.orders
    sent: dict[str, float] = {}
    try:
        # warm-up: one message, and wait until it comes out (the engine is up and assigned)
        producer.send(order_topic.name, key=order_topic.key(warm), value=orjson.dumps(warm))
        producer.flush()
        deadline = time.perf_counter() + 90
        while warm["message_id"] not in watcher.first_seen:
            if not engine.alive or time.perf_counter() > deadline:
                raise RuntimeError(f"the engine did not come up:\n{engine.tail()}")
            time.sleep(0.02)
        say(f"    engine up: warm-up message out {watcher.first_seen[warm['message_id']] - engine.started:.2f} s "
            "after the process started")
        values = [(m["message_id"], order_topic.key(m), orjson.dumps(m), len(m["lines"])) for m in stream]
        clock_ = time.perf_counter
        t0 = clock_()
        for i, (mid, key, value, lines) in enumerate(values):
            due = t0 + i / rate
            pause = due - clock_()
            if pause > 0:
                time.sleep(pause)
            sent[mid] = clock_()
            producer.send(order_topic.name, key=key, value=value)
            result.lines += lines
        producer.flush()
        result.seconds = clock_() - t0
        result.sent = len(sent)
        deadline = clock_() + 20
        while clock_() < deadline and not all(mid in watcher.first_seen for mid in sent):
            time.sleep(0.05)
    finally:
        producer.close(timeout=10)
        result.engine_summary = engine.stop()
        watcher.stop()
    result.ms = [(watcher.first_seen[mid] - at) * 1e3 for mid, at in sent.items() if mid in watcher.first_seen]
    result.received = len(result.ms)
    say(
        f"    sent {result.sent:,} msgs ({result.lines:,} lines) in {result.seconds:.1f} s = "
        f"{result.achieved_lines_per_s:,.0f} lines/s; {result.received:,} came out"
        + (f", {result.sent - result.received:,} NOT within 20 s" if result.received < result.sent else "")
    )
    if result.ms:
        say(
            f"    latency ms: p50 {result.pct(0.5):,.0f}, p90 {result.pct(0.9):,.0f}, p99 {result.pct(0.99):,.0f}, "
            f"max {max(result.ms):,.0f}, mean {sum(result.ms) / len(result.ms):,.0f}"
        )
        # per 5-second window: does latency creep up (the engine falling behind)?
        windows: dict[int, list[float]] = {}
        t_first = min(sent.values())
        for mid, at in sent.items():
            if mid in watcher.first_seen:
                windows.setdefault(int((at - t_first) // 5), []).append((watcher.first_seen[mid] - at) * 1e3)
        say("    p50/p99 ms per 5 s window: " + ", ".join(
            f"{percentile(v, 0.5):,.0f}/{percentile(v, 0.99):,.0f}" for _, v in sorted(windows.items())))
    say(f"    engine: {result.engine_summary}")
    return result


# --------------------------------------------------------------------------
# part 3: ceilings


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
        return self.messages / self.produce_s if self.produce_s else 0.0

    @property
    def consume_per_s(self) -> float:
        return self.messages / self.consume_s if self.consume_s else 0.0


def kafka_ceiling(bootstrap: str, dsn: str, label: str, values: list[bytes], count: int, budget_s: float) -> KafkaCeiling:
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

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, max_poll_records=BATCH)
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
    return KafkaCeiling(label, sent, size / sent, produce_s, consume_s if got >= sent else float("inf"), settings)


def part_kafka_ceiling(bootstrap: str, dsn: str, sizes: list[tuple[str, list[bytes]]], count: int, budget_s: float) -> list[KafkaCeiling]:
    say("[3a] raw kafka-python ceiling on the same broker: the relay's producer settings (relay_producer), "
        "flush at the end; a plain consumer, max_poll_records 500")
    results = []
    for label, values in sizes:
        c = kafka_ceiling(bootstrap, dsn, label, values, count, budget_s)
        results.append(c)
        if len(results) == 1:
            say(f"    producer: {c.settings}")
        say(f"    {label} ({c.avg_bytes:,.0f} B avg): produced {c.messages:,} in {c.produce_s:.2f} s -> "
            f"{c.produce_per_s:,.0f} msgs/s ({c.produce_per_s * c.avg_bytes / 1e6:,.1f} MB/s); consumed in "
            f"{c.consume_s:.2f} s -> {c.consume_per_s:,.0f} msgs/s")
    return results


def _pg_app(box: Sandbox, pydantic: bool) -> Any:
    from eventsourcing.application import Application

    from infra.bootstrap import postgres_env

    env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", **postgres_env(box.settings())}
    if pydantic:
        env["MAPPER_TOPIC"] = "infra.persistence:PydanticMapper"
        env["TRANSCODER_TOPIC"] = "infra.persistence:OrjsonTranscoder"
    return Application(env)


def pg_single_event_saves(box: Sandbox, pydantic: bool, budget_s: float, max_saves: int = 20_000) -> Ceiling:
    cls = PCounter if pydantic else Counter
    app = _pg_app(box, pydantic)
    counter = cls(name="c")
    app.save(counter)
    for _ in range(50):
        counter.increment(by=1)
        app.save(counter)
    saves = 0
    seconds = 0.0
    clock = time.perf_counter
    while saves < max_saves and seconds < budget_s:
        counter.increment(by=1)
        t = clock()
        app.save(counter)
        seconds += clock() - t
        saves += 1
    app.close()
    return Ceiling(f"1 event/save ({'pydantic+orjson' if pydantic else 'library Aggregate'})", saves, saves, seconds)


def pg_batched_saves(box: Sandbox, pydantic: bool, budget_s: float, per_save: int = 100, max_saves: int = 2_000) -> Ceiling:
    cls = PCounter if pydantic else Counter
    app = _pg_app(box, pydantic)
    for _ in range(5):
        app.save(*[cls(name="w") for _ in range(per_save)])
    saves = events = 0
    seconds = 0.0
    clock = time.perf_counter
    while saves < max_saves and seconds < budget_s:
        batch = [cls(name="c") for _ in range(per_save)]
        t = clock()
        app.save(*batch)
        seconds += clock() - t
        saves += 1
        events += len(batch)
    app.close()
    return Ceiling(f"{per_save} events/save ({'pydantic+orjson' if pydantic else 'library Aggregate'})", events, saves, seconds)


def part_pg_ceiling(bootstrap: str, dsn: str, budget_s: float) -> list[Ceiling]:
    say("[3b] raw eventsourcing PostgreSQL append ceiling (plain Application, trivial aggregate, fresh schema)")
    results = []
    for pydantic in (False, True):
        for fn in (pg_single_event_saves, pg_batched_saves):
            box = sandbox(bootstrap, dsn, "pgc", topics=False)
            c = fn(box, pydantic, budget_s)
            results.append(c)
            say(f"    {c.label}: {c.events:,} events in {c.saves:,} saves, {c.seconds:.2f} s -> "
                f"{c.events_per_s:,.0f} events/s, {c.saves_per_s:,.0f} saves/s")
    return results


@dataclass
class Alone:
    label: str
    messages: int = 0
    lines: int = 0
    events: int = 0
    seconds: float = 0.0

    @property
    def lines_per_s(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def part_engine_alone(bootstrap: str, dsn: str, orders: int, skus: int, batch: int) -> tuple[Alone, Alone]:
    """The engine on PostgreSQL without Kafka, then the relay draining what it stored."""
    from infra.bootstrap import build_engine
    from infra.kafka_relay import OutboundRelay
    from services.engine import Status
    from services.parsing import parse_message

    say(f"[3c] the engine alone on PostgreSQL: parse bytes + handle_batch({batch}), {orders:,} OrderPlaced x 2 lines")
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
    statuses: Tally = Tally()
    t = time.perf_counter()
    for i in range(0, len(stream), batch):
        outcomes = engine.handle_batch([parse_message(raw) for raw in stream[i : i + batch]])
        statuses.update(o.status for o in outcomes)
        engine_run.lines += 2 * len(outcomes)
    engine_run.seconds = time.perf_counter() - t
    engine_run.events = box.stored_events() - stored0
    not_applied = {k.value: v for k, v in statuses.items() if k is not Status.APPLIED}
    say(f"    {engine_run.messages:,} msgs in {engine_run.seconds:.2f} s -> {engine_run.lines_per_s:,.0f} lines/s, "
        f"{engine_run.messages_per_s:,.0f} msgs/s, {engine_run.events_per_s:,.0f} events/s stored"
        + (f"; not applied: {not_applied}" if not_applied else ""))

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
    say(f"    {relay_run.messages:,} notifications read, {relay_run.events:,} events published in "
        f"{relay_run.seconds:.2f} s -> {relay_run.events_per_s:,.0f} events/s "
        f"(the engine run above stored {engine_run.events_per_s:,.0f}/s)")
    return engine_run, relay_run


# --------------------------------------------------------------------------
# the final table


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def table(
    e2e: Throughput | None,
    split: Throughput | None,
    lat: Latency | None,
    lat_split: Latency | None,
    kafka: list[KafkaCeiling],
    pg: list[Ceiling],
    alone: tuple[Alone, Alone] | None,
) -> None:
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, figure: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, figure, target, mark(ok)))

    if e2e:
        row("[1] lines/s end to end, engine start -> all out (HEADLINE)", f"{e2e.lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}", e2e.lines_per_s >= TARGET_LINES_PER_S)
        row("[1] lines/s steady state (10%..90% of orders out)", f"{e2e.steady_lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}", e2e.steady_lines_per_s >= TARGET_LINES_PER_S)
        row("[1] messages/s end to end", f"{e2e.messages_per_s:,.0f}")
        row("[1] outbound events/s published", f"{e2e.events_per_s:,.0f}")
        row("[1] events/s stored (incl. inbox)", f"{e2e.stored_per_s:,.0f}")
        row("[1] engine start -> first outbound event, s", f"{e2e.startup:.2f}")
    if split:
        row("[1b] lines/s end to end, relay as its own process", f"{split.lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}", split.lines_per_s >= TARGET_LINES_PER_S)
        row("[1b] lines/s steady state, relay as its own process", f"{split.steady_lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}", split.steady_lines_per_s >= TARGET_LINES_PER_S)
        row("[1b] outbound events/s published, relay as its own process", f"{split.events_per_s:,.0f}")
    if lat and lat.ms:
        row(f"[2] achieved load, lines/s (target {LATENCY_LINES_PER_S})", f"{lat.achieved_lines_per_s:,.0f}")
        row("[2] latency p50, ms", f"{lat.pct(0.5):,.0f}")
        row("[2] latency p90, ms", f"{lat.pct(0.9):,.0f}")
        row(f"[2] latency p99, ms @ {LATENCY_LINES_PER_S} lines/s", f"{lat.pct(0.99):,.0f}",
            f"< {TARGET_P99_MS:.0f}", lat.pct(0.99) < TARGET_P99_MS and lat.received == lat.sent)
        row("[2] latency max, ms", f"{max(lat.ms):,.0f}")
        if lat.received < lat.sent:
            row("[2] messages that never came out (20 s grace)", f"{lat.sent - lat.received:,}")
    if lat_split and lat_split.ms:
        row("[2b] latency p50 / p90, ms, relay as its own process",
            f"{lat_split.pct(0.5):,.0f} / {lat_split.pct(0.9):,.0f}")
        row(f"[2b] latency p99, ms @ {LATENCY_LINES_PER_S} lines/s, relay as its own process",
            f"{lat_split.pct(0.99):,.0f}", f"< {TARGET_P99_MS:.0f}",
            lat_split.pct(0.99) < TARGET_P99_MS and lat_split.received == lat_split.sent)
        row("[2b] latency max, ms, relay as its own process", f"{max(lat_split.ms):,.0f}")
    for c in kafka:
        row(f"[3a] kafka produce, {c.label} ({c.avg_bytes:,.0f} B), msgs/s", f"{c.produce_per_s:,.0f}")
        row(f"[3a] kafka consume, {c.label} ({c.avg_bytes:,.0f} B), msgs/s", f"{c.consume_per_s:,.0f}")
    for c in pg:
        row(f"[3b] PG ceiling {c.label}, events/s", f"{c.events_per_s:,.0f}")
    if alone:
        engine_run, relay_run = alone
        row(f"[3c] engine alone on PG (handle_batch {BATCH}), lines/s", f"{engine_run.lines_per_s:,.0f}",
            f">= {TARGET_LINES_PER_S:,}", engine_run.lines_per_s >= TARGET_LINES_PER_S)
        row("[3c] engine alone on PG, events/s stored", f"{engine_run.events_per_s:,.0f}")
        row("[3d] relay alone, outbound events/s published", f"{relay_run.events_per_s:,.0f}")
    # ratios to the ceilings
    inbound = next((c for c in kafka if c.label.startswith("inbound")), None)
    outbound = next((c for c in kafka if c.label.startswith("outbound")), None)
    batch = next((c for c in pg if c.label.startswith("100") and "pydantic" in c.label), None)
    single = next((c for c in pg if c.label.startswith("1 event") and "pydantic" in c.label), None)
    if e2e:
        if inbound:
            row("[r] e2e msgs/s / kafka consume ceiling (inbound size)", f"{e2e.messages_per_s / inbound.consume_per_s:.3f}")
            row("[r] e2e msgs/s / kafka produce ceiling (inbound size)", f"{e2e.messages_per_s / inbound.produce_per_s:.3f}")
        if outbound:
            row("[r] e2e events/s / kafka produce ceiling (outbound size)", f"{e2e.events_per_s / outbound.produce_per_s:.3f}")
        if batch:
            row("[r] e2e stored events/s / PG 100-events/save ceiling", f"{e2e.stored_per_s / batch.events_per_s:.3f}")
        if single:
            row("[r] e2e msgs/s / PG 1-event/save saves/s", f"{e2e.messages_per_s / single.saves_per_s:.2f}")
        if alone:
            row("[r] e2e lines/s / engine alone on PG lines/s", f"{e2e.lines_per_s / alone[0].lines_per_s:.2f}")
            row("[r] e2e events/s published / relay alone events/s", f"{e2e.events_per_s / alone[1].events_per_s:.2f}")
    if alone and batch:
        row("[r] engine alone stored events/s / PG 100-events/save ceiling", f"{alone[0].events_per_s / batch.events_per_s:.3f}")
    if not rows:
        say("(no figures)")
        return
    widths = [max(len(r[i]) for r in rows + [("measure", "figure", "target", "mark")]) for i in range(4)]
    line = "-+-".join("-" * w for w in widths)
    say()
    say("=" * len(line))
    say(" | ".join(h.ljust(w) for h, w in zip(("measure (Kafka + PostgreSQL)", "figure", "target", ""), widths, strict=False)))
    say(line)
    for r in rows:
        say(f"{r[0].ljust(widths[0])} | {r[1].rjust(widths[1])} | {r[2].ljust(widths[2])} | {r[3]}")
    say("=" * len(line))


# --------------------------------------------------------------------------


def _load() -> tuple[float, ...] | None:
    try:
        return tuple(round(x, 2) for x in os.getloadavg())
    except OSError:
        return None


def _versions(bootstrap: str, dsn: str) -> str:
    parts = []
    try:
        import kafka

        parts.append(f"kafka-python {kafka.__version__}")
    except Exception:  # noqa: BLE001
        pass
    try:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as connection:
            version = connection.execute("show server_version").fetchone()[0]
        parts.append(f"PostgreSQL {version}")
    except Exception as exc:  # noqa: BLE001
        parts.append(f"PostgreSQL ? ({exc})")
    libs = sorted((REPO / ".cache" / "kafka" / "libs").glob("kafka_*.jar"))
    match = re.search(r"kafka_[\d.]+-([\d.]+)\.jar", libs[0].name) if libs else None
    parts.append(f"Kafka broker {match.group(1) if match else '?'} at {bootstrap}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kafka", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument("--orders", type=int, default=None, help="pre-published OrderPlaced in part 1 (default 10000)")
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--batch", type=int, default=BATCH, help="the engine's --batch (messages per transaction)")
    parser.add_argument("--latency-seconds", type=float, default=None, help="part 2's paced run (default 25)")
    parser.add_argument("--kafka-messages", type=int, default=None, help="part 3a's messages per size (default 30000)")
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    parser.add_argument("--alone-orders", type=int, default=None, help="part 3c's orders (default 5000)")
    parser.add_argument("--no-split", action="store_true",
                        help="skip parts 1b and 2b (the engine and the relay as two processes)")
    parser.add_argument("--parts", default="123", help="which parts to run, e.g. 13")
    parser.add_argument("--keep", action="store_true", help="keep schemas, topics and engine logs")
    args = parser.parse_args(argv)
    orders = args.orders or (1_000 if args.quick else 10_000)
    latency_s = args.latency_seconds or (6.0 if args.quick else 25.0)
    kafka_messages = args.kafka_messages or (5_000 if args.quick else 30_000)
    alone_orders = args.alone_orders or (1_000 if args.quick else 5_000)
    if args.quick:
        args.ceiling_seconds = min(args.ceiling_seconds, 1.0)

    started = time.perf_counter()
    say(f"Antrian Kafka + PostgreSQL bench - Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}")
    load0 = _load()

    def guarded(name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception:  # noqa: BLE001 - report and carry on: a bench always exits 0
            say(f"!! part {name} failed:")
            traceback.print_exc(file=sys.stdout)
            return None

    services = guarded("services", find_services)
    if services is None:
        say("!! no Kafka broker / PostgreSQL server: nothing measured (try `make kafka-up pg-up`)")
        return 0
    bootstrap, dsn = services
    say(guarded("versions", lambda: _versions(bootstrap, dsn)) or "")
    say(f"load average at start: {load0}")
    if load0 and load0[0] > 0.5:
        say("!! the machine is busy: other processes compete for the CPUs and the disk; figures may be low and noisy")
    folder_ctx = None if args.keep else tempfile.TemporaryDirectory(prefix="antrian-bench-kafka-")
    folder = Path(folder_ctx.name) if folder_ctx else Path(tempfile.mkdtemp(prefix="antrian-bench-kafka-"))
    if args.keep:
        say(f"engine logs in {folder}")

    e2e: Throughput | None = None
    split: Throughput | None = None
    lat: Latency | None = None
    lat_split: Latency | None = None
    kafka: list[KafkaCeiling] = []
    pg: list[Ceiling] = []
    alone: tuple[Alone, Alone] | None = None
    try:
        if "1" in args.parts:
            limit = max(90.0, orders / 60)  # seconds before part 1 gives up waiting
            e2e = guarded("1", lambda: part_throughput(bootstrap, dsn, folder, orders, args.skus, args.batch, limit))
            if not args.no_split:
                split = guarded("1b", lambda: part_throughput(
                    bootstrap, dsn, folder, orders, args.skus, args.batch, limit, relay_process=True))
        if "2" in args.parts:
            lat = guarded("2", lambda: part_latency(bootstrap, dsn, folder, latency_s, args.skus, args.batch))
            if not args.no_split:
                lat_split = guarded("2b", lambda: part_latency(
                    bootstrap, dsn, folder, latency_s, args.skus, args.batch, relay_process=True))
        if "3" in args.parts:
            inbound = (e2e.inbound_samples if e2e else None) or (split.inbound_samples if split else None)
            if not inbound:
                catalogue = MixedCatalogue(skus=args.skus)
                clock = Clock(prefix="k4")
                catalogue.build(clock)
                inbound = [orjson.dumps(m) for m in catalogue.orders(clock, 2_000)]
            sizes = [("inbound OrderPlaced", inbound)]
            outbound = (e2e.samples if e2e else None) or (split.samples if split else None)
            if outbound:
                sizes.append(("outbound event", outbound))
            else:
                say("    (no outbound events sampled in part 1: the outbound-size ceiling is skipped)")
            kafka = guarded("3a", lambda: part_kafka_ceiling(bootstrap, dsn, sizes, kafka_messages, 15.0)) or []
            pg = guarded("3b", lambda: part_pg_ceiling(bootstrap, dsn, args.ceiling_seconds)) or []
            alone = guarded("3c/3d", lambda: part_engine_alone(bootstrap, dsn, alone_orders, args.skus, args.batch))
        guarded("table", lambda: table(e2e, split, lat, lat_split, kafka, pg, alone))
    finally:
        if not args.keep:
            for box in SANDBOXES:
                box.cleanup()
        if folder_ctx is not None:
            folder_ctx.cleanup()
    say(f"total Kafka bench time {time.perf_counter() - started:.0f} s; load average at start {load0}, at end {_load()}")
    return 0


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    except Exception:  # noqa: BLE001 - a bench always exits 0
        traceback.print_exc(file=sys.stdout)
    sys.exit(0)
