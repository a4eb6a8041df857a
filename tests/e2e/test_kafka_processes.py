"""Production mode as processes: `antrian --store postgres engine --kafka` against a real broker.

Each test has its own topic prefix (`t<uuid>.`), consumer group and PostgreSQL
schema; upstream messages are published the way an upstream system would,
with a plain producer, to the topic and key the registry names. The tests
watch progress through the store (the feed positions the engine records)
and never assert on time: waits are generous caps with a clear message.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from infra.bootstrap import build_engine
from infra.kafka.inbound import feed_name
from infra.kafka.relay import RELAY_FEED
from infra.kafka.topics import CONNECT, TopicRegistry
from infra.settings import Settings
from ops.provision import REPO, in_ci
from services.dead_letters import dead_letter_id
from services.engine import DEAD_LETTER_TOPIC, Engine
from services.outbound import INBOX_TOPIC, attribute_causation, decode, to_outbound
from services.outcomes import Status
from simulation import DemoOptions, generate_messages
from tests import messages as m
from tests.conftest import TEST_ETA_POLICY, make_engine
from tests.state import recorded, state
from tests.support.kafka_topics import ensure_topics

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

WAIT = 120.0  # seconds: a cap for progress, never a performance expectation
# The CLI, with where partitions resume and how the group rebalances in its log (shown on failure).
RUN_LOGGED = (
    "import logging; logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(name)s %(message)s'); "
    "[logging.getLogger(n).setLevel(logging.INFO) for n in ('infra', 'kafka.coordinator')]; "
    "from infra.cli.main import main; main()"
)
NOT_DOMAIN = {INBOX_TOPIC, DEAD_LETTER_TOPIC}


# ----------------------------------------------------------------- processes
class Antrian:
    """Starts `antrian` processes on one store and topic prefix; kills leftovers at teardown."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", RUN_LOGGED, "--store", "postgres", *args]

    def start(self, *args: str, own_group: bool = False) -> subprocess.Popen[bytes]:
        """`own_group`: in a process group of its own, as a shell or a supervisor starts it."""
        log = self.tmp_path / f"antrian-{len(self.processes)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                self.command(*args),
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=own_group,
            )
        self.processes.append(process)
        self.logs[process.pid] = log
        return process

    def engine(self, *options: str, own_group: bool = False) -> subprocess.Popen[bytes]:
        """An engine, the registry's topics created first (the broker creates none)."""
        ensure_topics(self.env["ANTRIAN_KAFKA_BOOTSTRAP"], TopicRegistry(self.env["ANTRIAN_TOPIC_PREFIX"]))
        return self.start("engine", "--kafka", *options, own_group=own_group)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), env=self.env, capture_output=True, text=True, timeout=300)

    def output(self, process: subprocess.Popen[bytes]) -> str:
        return self.logs[process.pid].read_text(errors="replace")

    def tail(self, process: subprocess.Popen[bytes], lines: int = 30) -> str:
        text = "\n".join(self.output(process).splitlines()[-lines:])
        return f"----- last lines of engine pid {process.pid} -----\n{text}"

    def stuck(self) -> str:
        """Every live process's thread stacks (SIGUSR1), then its log's last lines: why a wait failed."""
        live = [p for p in self.processes if p.poll() is None]
        sizes = {p.pid: self.logs[p.pid].stat().st_size for p in live}
        for process in live:
            for pid in [process.pid, *children_of(process.pid)]:
                with contextlib.suppress(ProcessLookupError):  # ended meanwhile: its log says how
                    os.kill(pid, signal.SIGUSR1)
        time.sleep(1.0)
        parts = []
        for process in live:
            dump = self.logs[process.pid].read_bytes()[sizes[process.pid] :].decode(errors="replace")
            parts.append(f"----- thread stacks of engine pid {process.pid} (and its relay) -----\n{dump}")
        return "\n".join([*parts, *(self.tail(p) for p in self.processes)])

    def check_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None and process.returncode not in (0, -signal.SIGKILL):
                pytest.fail(
                    f"engine pid {process.pid} died with exit code {process.returncode}\n{self.tail(process)}"
                )

    def stop(self, process: subprocess.Popen[bytes]) -> int:
        """SIGTERM: the engine finishes its batch and exits."""
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"engine pid {process.pid} did not stop within {WAIT:.0f}s of SIGTERM\n{self.stuck()}"
            )

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.kill()
        process.wait(timeout=WAIT)

    def cleanup(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def children_of(pid: int) -> list[int]:
    """The process's children (the engine's relay), from /proc; none once it has ended."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}."


@pytest.fixture
def registry(prefix: str) -> TopicRegistry:
    return TopicRegistry(prefix)


@pytest.fixture
def store(postgres_schema: tuple[str, str]) -> Iterator[Engine]:
    """The test's view of the engines' PostgreSQL store (it also creates the tables, before any process)."""
    dsn, schema = postgres_schema
    engine = make_engine("postgres", dsn=dsn, schema=schema)
    yield engine
    engine.close()


def process_env(postgres_schema: tuple[str, str], bootstrap: str, prefix: str) -> dict[str, str]:
    dsn, schema = postgres_schema
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    env.update(
        ANTRIAN_STORE="postgres",
        ANTRIAN_POSTGRES_DSN=dsn,
        ANTRIAN_POSTGRES_SCHEMA=schema,
        ANTRIAN_KAFKA_BOOTSTRAP=bootstrap,
        ANTRIAN_KAFKA_GROUP=f"{prefix}engine",
        ANTRIAN_TOPIC_PREFIX=prefix,
        ANTRIAN_DEFAULT_ETA_POLICY=TEST_ETA_POLICY,  # as the embedded engines it is compared with
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def antrian(
    tmp_path: Path, kafka_bootstrap: str, postgres_schema: tuple[str, str], prefix: str, store: Engine
) -> Iterator[Antrian]:
    processes = Antrian(tmp_path, process_env(postgres_schema, kafka_bootstrap, prefix))
    yield processes
    processes.cleanup()  # before the schema is dropped


# --------------------------------------------------------------------- kafka
def create_topics(bootstrap: str, registry: TopicRegistry, inbound_partitions: int) -> None:
    """Every topic of the registry, the inbound ones with `inbound_partitions` partitions."""
    inbound = {t.name for t in registry.inbound()}
    wanted = {t.name: (inbound_partitions if t.name in inbound else 1) for t in registry}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, count, 1) for name, count in wanted.items()])
    finally:
        admin.close()
    with reader(bootstrap) as consumer:
        for name, count in wanted.items():
            assert len(partitions_of(consumer, name)) == count


class reader:  # noqa: N801 - used as a context manager, like open()
    def __init__(self, bootstrap: str) -> None:
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    def __enter__(self) -> KafkaConsumer:
        return self.consumer

    def __exit__(self, *exc: object) -> None:
        self.consumer.close()


def partitions_of(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        consumer.topics()  # a metadata refresh
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        time.sleep(0.1)
    pytest.fail(f"topic {topic} never showed up in the broker's metadata")


def end_offsets(bootstrap: str, topics: Iterable[str]) -> dict[TopicPartition, int]:
    with reader(bootstrap) as consumer:
        tps = [tp for topic in topics for tp in partitions_of(consumer, topic)]
        return consumer.end_offsets(tps)


def read_topics(bootstrap: str, topics: Iterable[str]) -> list[Any]:
    """Every record now in `topics`, from the beginning to the end offsets."""
    with reader(bootstrap) as consumer:
        tps = [tp for topic in topics for tp in partitions_of(consumer, topic)]
        ends = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list[Any] = []
        deadline = time.monotonic() + WAIT
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, f"could not read {sorted(map(str, tps))} to their end"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records


class Upstream:
    """The upstream systems: each message to its registry topic, keyed as the registry says."""

    def __init__(self, bootstrap: str, registry: TopicRegistry) -> None:
        self.registry = registry
        self.bootstrap = bootstrap
        self.producer = KafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )

    def publish(self, messages: Iterable[dict[str, Any]]) -> list[Any]:
        ensure_topics(self.bootstrap, self.registry)
        futures = []
        for message in messages:
            topic = self.registry.inbound_topic_for(message["type"])
            futures.append(
                self.producer.send(topic.name, key=topic.key(message), value=orjson.dumps(message))
            )
        self.producer.flush(timeout=60)
        return [future.get(timeout=60) for future in futures]

    def publish_raw(self, topic: str, key: bytes | None, value: bytes) -> Any:
        ensure_topics(self.bootstrap, self.registry)
        future = self.producer.send(topic, key=key, value=value)
        self.producer.flush(timeout=60)
        return future.get(timeout=60)

    def close(self) -> None:
        self.producer.close(timeout=10)


@pytest.fixture
def upstream(kafka_bootstrap: str, registry: TopicRegistry) -> Iterator[Upstream]:
    publisher = Upstream(kafka_bootstrap, registry)
    yield publisher
    publisher.close()


# --------------------------------------------------------------------- store
def notifications(store: Engine, topics: Sequence[str] = ()) -> list[Any]:
    found: list[Any] = []
    start = 1
    while page := store.recorder.select_notifications(start, 1000, topics=topics):
        found.extend(page)
        start = page[-1].id + 1
    return found


def applied_message_ids(store: Engine) -> list[str]:
    """Message ids in the order the engine applied them (its inbox records, in log order)."""
    return [store.mapper.to_domain_event(n).message_id for n in notifications(store, [INBOX_TOPIC])]


def domain_notification_ids(store: Engine) -> set[int]:
    return {n.id for n in notifications(store) if n.topic not in NOT_DOMAIN}


def positions(store: Engine, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
    return {tp: store.position(feed_name(tp.topic, tp.partition)) or 0 for tp in tps}


def wait_for(
    what: str, done: Callable[[], bool], antrian: Antrian, progress: Callable[[], object] = lambda: ""
) -> None:
    deadline = time.monotonic() + WAIT
    while not done():
        antrian.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not reached within {WAIT:.0f}s; now: {progress()}\n{antrian.stuck()}")
        time.sleep(0.05)


def wait_until_consumed(store: Engine, registry: TopicRegistry, bootstrap: str, antrian: Antrian) -> None:
    """Until the positions recorded in the store reach the end of every inbound partition."""
    ends = end_offsets(bootstrap, [t.name for t in registry.inbound()])

    def behind() -> dict[str, str]:
        now = positions(store, ends)
        return {f"{tp.topic}:{tp.partition}": f"{now[tp]}/{end}" for tp, end in ends.items() if now[tp] < end}

    wait_for("engine positions at the end of the inbound topics", lambda: not behind(), antrian, behind)


def wait_for_group(bootstrap: str, group: str, members: int, antrian: Antrian) -> None:
    """Until `members` consumers share the group's partitions (a rebalance settled)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:

        def described() -> tuple[str, int]:
            found = admin.describe_consumer_groups([group])[0]
            return found.state, len(found.members)

        wait_for(
            f"{members} members in group {group}",
            lambda: described() == ("Stable", members),
            antrian,
            described,
        )
    finally:
        admin.close()


def wait_until_relayed(store: Engine, antrian: Antrian) -> None:
    """Until the relay's recorded position covers the whole notification log."""

    def relayed_and_recorded() -> tuple[int, int]:
        return store.position(RELAY_FEED) or 0, store.recorder.max_notification_id() or 0

    def done() -> bool:
        relayed, recorded = relayed_and_recorded()
        return relayed >= recorded

    wait_for("relay position at the end of the notification log", done, antrian, relayed_and_recorded)


def relayed_events(bootstrap: str, registry: TopicRegistry) -> list[Any]:
    """Outbound envelopes from the outbound topics, de-duplicated on notification_id, in log order."""
    by_id: dict[int, Any] = {}
    for record in read_topics(bootstrap, [t.name for t in registry.outbound()]):
        envelope = decode(record.value)
        if envelope.notification_id in by_id:  # at least once: a repeat must be the same event
            assert by_id[envelope.notification_id] == envelope
        by_id[envelope.notification_id] = envelope
    return [by_id[n] for n in sorted(by_id)]


def decision_view(envelope: Any) -> dict[str, Any]:
    """What was decided, without where it sits in one store's log or when that store wrote it."""
    return envelope.model_dump(mode="json", exclude={"notification_id", "occurred_at"})


# ------------------------------------------------------------------ invariants
def assert_books_balance(store: Engine, order_ids: Iterable[str], skus: Iterable[str]) -> None:
    """Every line's units add up; stock never allocates more than it holds; stock and orders agree."""
    lines = {}
    for order_id in order_ids:
        for line in store.get_order(order_id).lines.values():
            assert line.quantity == line.allocated_total + line.backordered + line.cancelled + line.shipped, (
                order_id,
                line,
            )
            lines[(order_id, line.line_id)] = line
    for sku in skus:
        stock = store.get_stock(sku)
        assert 0 <= stock.allocated <= stock.total_on_hand, (sku, stock.allocated, stock.on_hand)
        assert sum(r.quantity for r in stock.reservations.values()) == stock.allocated, sku
        assert sum(e.quantity for e in stock.queue) == stock.waiting, sku
        reserved = {tuple(key.split("/", 1)): r.quantity for key, r in stock.reservations.items()}
        expected = {key: line.allocated[sku] for key, line in lines.items() if line.allocated.get(sku)}
        assert reserved == expected, f"{sku}: reservations do not match the order lines' allocations"
        queued = {(e.order_id, e.line_id): e.quantity for e in stock.queue}
        waiting = {
            key: line.backordered for key, line in lines.items() if line.sku == sku and line.backordered
        }
        assert queued == waiting, f"{sku}: the queue does not match the backordered lines"


def assert_versions_contiguous(store: Engine) -> None:
    versions: dict[Any, list[int]] = defaultdict(list)
    for n in notifications(store):
        versions[n.originator_id].append(n.originator_version)
    for aggregate_id, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), (aggregate_id, seen)


# ----------------------------------------------------------------------- tests
def test_the_kafka_engine_decides_exactly_what_the_embedded_engine_decides(
    kafka_bootstrap, registry, store, antrian, upstream
):
    # Given a realistic upstream stream, and one partition per inbound topic so that each
    # topic is consumed in the order it was published
    stream = list(
        generate_messages(
            DemoOptions(seed=3, days=5, skus=5, orders_per_day=15), build_engine(Settings(store="memory"))
        )
    )
    by_id = {message["message_id"]: message for message in stream}
    create_topics(kafka_bootstrap, registry, inbound_partitions=1)
    engine = antrian.engine("--batch", "50")

    # When the stream is published: Kafka orders nothing across topics, so each run of
    # messages for one topic is published once the engine has consumed the run before it -
    # the engine sees the stream in the order it was generated, as upstream would produce it
    for run in runs_by_topic(stream, registry):
        upstream.publish(run)
        wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    wait_until_relayed(store, antrian)
    assert antrian.stop(engine) == 0, antrian.tail(engine)

    # Then it applied every message, in the order read back from its own inbox records
    applied = applied_message_ids(store)
    assert applied == [message["message_id"] for message in stream]
    assert store.dead_letters() == []

    # And the embedded engine, given the same messages in that order one by one, ends with
    # the same aggregates at the same versions and in the same business state
    embedded = make_engine("memory")
    outcomes = [embedded.handle_raw(by_id[message_id]) for message_id in applied]
    assert [o.status for o in outcomes] == [Status.APPLIED] * len(applied)
    aggregates = recorded(embedded)
    assert recorded(store) == aggregates
    for aggregate_id, (_, topic) in aggregates.items():
        if topic != INBOX_TOPIC:
            assert state(store.repository.get(aggregate_id)) == state(
                embedded.repository.get(aggregate_id)
            ), topic

    # And the decisions published to the outbound topics are exactly the embedded store's
    # events mapped to the outbound contract, cause included, in the same order
    expected = [
        to_outbound(embedded.mapper.to_domain_event(n), n.id, cause)
        for n, cause in attribute_causation(notifications(embedded), embedded.mapper)
    ]
    expected_views = [decision_view(e) for e in expected if e is not None]
    published = relayed_events(kafka_bootstrap, registry)
    assert {e.notification_id for e in published} == domain_notification_ids(store)
    assert [decision_view(e) for e in published] == expected_views
    assert sum(e.event_type == "Order.LineAllocated" for e in published) > 0


def runs_by_topic(
    stream: Sequence[dict[str, Any]], registry: TopicRegistry
) -> Iterator[list[dict[str, Any]]]:
    """Consecutive messages that travel on the same inbound topic."""
    run: list[dict[str, Any]] = []
    for message in stream:
        if run and registry.inbound_topic_for(message["type"]) != registry.inbound_topic_for(run[-1]["type"]):
            yield run
            run = []
        run.append(message)
    if run:
        yield run


SKUS = [f"SKU-{n}" for n in range(8)]


def setup_messages() -> list[dict[str, Any]]:
    return [m.supplier_registered("setup-supplier", "S1", SKUS, at=m.ts(0))]


def test_a_killed_engine_restarted_mid_batch_neither_loses_nor_repeats_anything(
    kafka_bootstrap, registry, store, antrian, upstream
):
    # Given a store that knows the SKUs from their supplier, and a few thousand orders and
    # receipts waiting on the inbound topics
    create_topics(kafka_bootstrap, registry, inbound_partitions=4)
    setup = antrian.engine()
    upstream.publish(setup_messages())
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    assert antrian.stop(setup) == 0, antrian.tail(setup)
    inbound = end_offsets(kafka_bootstrap, [t.name for t in registry.inbound()])
    start = sum(positions(store, inbound).values())
    rng = random.Random(11)
    bulk: list[dict[str, Any]] = []
    for n in range(3000):
        at = m.ts(1, minutes=n)
        if n % 10 == 0:
            bulk.append(m.stock_received(f"rcv-{n}", rng.choice(SKUS), rng.randint(5, 30), at=at))
        else:
            lines = [
                (str(i + 1), sku, rng.randint(1, 4))
                for i, sku in enumerate(rng.sample(SKUS, rng.randint(1, 2)))
            ]
            bulk.append(
                m.order_placed(f"ord-{n}", f"O-{n}", lines, tier=rng.choice(["standard", "gold"]), at=at)
            )
    upstream.publish(bulk)
    total = start + len(bulk)

    # When an engine with batches of 200 is killed (SIGKILL: no clean stop) as soon as the
    # store shows some of them applied, while it works on the next batch
    engine = antrian.engine("--batch", "200")

    def done_so_far() -> int:
        return sum(positions(store, inbound).values())

    wait_for("some of the bulk applied", lambda: done_so_far() > start, antrian, done_so_far)
    antrian.kill(engine)
    progress = done_so_far()
    assert start < progress < total, f"the engine was not killed half-way ({progress} of {total})"

    # And it is started again (same group, same store: the group first waits out the dead
    # member's session) and left to finish
    restarted = antrian.engine("--batch", "200")
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    wait_until_relayed(store, antrian)
    assert antrian.stop(restarted) == 0, antrian.tail(restarted)

    # Then every message was applied exactly once, and nothing was refused
    published = [message["message_id"] for message in [*setup_messages(), *bulk]]
    assert Counter(applied_message_ids(store)) == Counter(published)
    assert store.dead_letters() == []

    # And no event was stored twice, and the books balance
    assert_versions_contiguous(store)
    orders = [message["order_id"] for message in bulk if message["type"] == "OrderPlaced"]
    assert_books_balance(store, orders, SKUS)
    received = Counter()
    for message in bulk:
        if message["type"] == "StockReceived":
            received[message["sku"]] += message["quantity"]
    assert {sku: store.get_stock(sku).total_on_hand for sku in SKUS} == {sku: received[sku] for sku in SKUS}

    # And every stored event reached the outbound topics: repeats allowed, gaps not
    relayed = {e.notification_id for e in relayed_events(kafka_bootstrap, registry)}
    assert relayed == domain_notification_ids(store)


def test_two_instances_in_one_group_split_the_work_and_never_allocate_a_unit_twice(
    kafka_bootstrap, registry, store, antrian, upstream
):
    # Given two engine processes in one group on one store, both consuming, only one of them relaying
    antrian.env["ANTRIAN_ENGINE_ELECTION"] = "false"
    create_topics(kafka_bootstrap, registry, inbound_partitions=4)
    first = antrian.engine("--batch", "100", "--relay")
    second = antrian.engine("--batch", "100", "--no-relay")
    upstream.publish(setup_messages())
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    wait_for_group(kafka_bootstrap, antrian.env["ANTRIAN_KAFKA_GROUP"], 2, antrian)

    # When many more orders than units arrive for a few SKUs, with cancellations and
    # shipments (per order in order, on the order's partition; across partitions in any order)
    rng = random.Random(5)
    skus = SKUS[:4]
    bulk: list[dict[str, Any]] = []
    placed: list[str] = []
    for n in range(1500):
        at = m.ts(1, minutes=n)
        roll = rng.random()
        if n % 15 == 0:
            bulk.append(m.stock_received(f"rcv-{n}", rng.choice(skus), rng.randint(10, 40), at=at))
        elif placed and roll < 0.1:
            bulk.append(m.order_cancelled(f"cnl-{n}", rng.choice(placed), at=at))
        elif placed and roll < 0.25:
            bulk.append(m.order_shipped(f"shp-{n}", rng.choice(placed), at=at))
        else:
            order_id = f"O-{n}"
            lines = [
                (str(i + 1), sku, rng.randint(1, 5))
                for i, sku in enumerate(rng.sample(skus, rng.randint(1, 2)))
            ]
            bulk.append(
                m.order_placed(f"ord-{n}", order_id, lines, tier=rng.choice(["standard", "gold"]), at=at)
            )
            placed.append(order_id)
    upstream.publish(bulk)
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    wait_until_relayed(store, antrian)

    # Then both did part of the work
    assert stop_and_count(antrian, first) > 0
    assert stop_and_count(antrian, second) > 0

    # And every message was either applied once or refused once (a shipment of nothing
    # allocated, a cancellation of a line already shipped), never both
    published = [message["message_id"] for message in [*setup_messages(), *bulk]]
    applied = Counter(applied_message_ids(store))
    refused = Counter(letter.message_id for letter in store.dead_letters())
    assert max(applied.values()) == 1 and (not refused or max(refused.values()) == 1)
    assert not set(applied) & set(refused)
    assert set(applied) | set(refused) == set(published)
    assert all(message_id.startswith(("shp-", "cnl-")) for message_id in refused), refused

    # And no unit was allocated twice: per SKU, what is on hand plus what was shipped is
    # what was received, allocations never exceed what is on hand, and stock and orders agree
    assert_versions_contiguous(store)
    assert_books_balance(store, placed, skus)
    received, shipped = Counter(), Counter()
    for message in bulk:
        if message["type"] == "StockReceived" and message["message_id"] in applied:
            received[message["sku"]] += message["quantity"]
    for order_id in placed:
        for line in store.get_order(order_id).lines.values():
            shipped[line.sku] += line.shipped
    for sku in skus:
        stock = store.get_stock(sku)
        assert stock.total_on_hand + shipped[sku] == received[sku], sku
        assert stock.allocated + shipped[sku] <= received[sku], sku
    assert any(store.get_stock(sku).queue for sku in skus), "no contention: nobody waits"

    # And every recorded decision replays to the same answer
    verify = antrian.run("replay", "verify")
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]


def stop_and_count(antrian: Antrian, process: subprocess.Popen[bytes]) -> int:
    """Stops an engine; how many messages it says it applied."""
    assert antrian.stop(process) == 0, antrian.tail(process)
    report = re.search(r"^stopped: applied (\d+), ", antrian.output(process), re.MULTILINE)
    assert report, antrian.tail(process)
    return int(report[1])


def test_dead_letters_reach_the_dead_letter_topic_with_their_reason(
    kafka_bootstrap, registry, store, antrian, upstream
):
    # Given an engine that knows SKU A (one partition per topic: the orders stay in order)
    create_topics(kafka_bootstrap, registry, inbound_partitions=1)
    engine = antrian.engine()
    upstream.publish([m.supplier_registered("s1", "S1", ["A"])])
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)

    # When good messages arrive mixed with bad ones: not JSON, the wrong schema, an order placed twice
    wrong_schema = m.stock_received("r2", "A", -5, at=m.ts(0, 4))
    placed_twice = m.order_placed("o3", "O1", [("1", "A", 1)], at=m.ts(0, 5))
    bad = {
        "not JSON": (registry.orders.name, b"O9", b"{not json"),
        "wrong schema": (registry.inventory.name, b"A", orjson.dumps(wrong_schema)),
        "placed twice": (registry.orders.name, b"O1", orjson.dumps(placed_twice)),
    }
    sent = {}
    upstream.publish([m.stock_received("r1", "A", 3, at=m.ts(0, 1))])
    sent["wrong schema"] = upstream.publish_raw(*bad["wrong schema"])
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)  # the units are there before the orders
    sent["not JSON"] = upstream.publish_raw(*bad["not JSON"])
    upstream.publish([m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2))])
    sent["placed twice"] = upstream.publish_raw(*bad["placed twice"])
    upstream.publish([m.order_placed("o2", "O2", [("1", "A", 4)], at=m.ts(0, 3))])
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    wait_until_relayed(store, antrian)
    assert antrian.stop(engine) == 0, antrian.tail(engine)

    # Then every bad record is on the dead-letter topic as it came, with where it came from and why
    letters = {
        (h[CONNECT + "topic"], int(h[CONNECT + "partition"]), int(h[CONNECT + "offset"])): (record, h)
        for record in read_topics(kafka_bootstrap, [registry.deadletter.name])
        for h in [{name: value.decode() for name, value in record.headers}]
    }
    assert len(letters) == len(bad)
    for what, (topic, key, value) in bad.items():
        where = (sent[what].topic, sent[what].partition, sent[what].offset)
        assert where in letters, f"{what}: no dead letter from {where}"
        record, headers = letters[where]
        assert (record.value, record.key) == (value, key), what
        assert headers[CONNECT + "topic"] == topic and headers[CONNECT + "exception.message"], what
        assert headers["antrian.dead_letter.id"] == str(dead_letter_id(f"{topic}:{where[1]}:{where[2]}"))
        assert headers["antrian.dead_letter.attempt"] == "1" and headers["antrian.dead_letter.timestamp"]
    reasons = {what: letters[(s.topic, s.partition, s.offset)][1] for what, s in sent.items()}
    assert "not valid JSON" in reasons["not JSON"][CONNECT + "exception.message"]
    assert reasons["not JSON"][CONNECT + "exception.class.name"] == "services.errors.MessageRejected"
    assert reasons["wrong schema"]["antrian.dead_letter.field"] == "quantity"
    twice = reasons["placed twice"]
    assert twice[CONNECT + "exception.class.name"] == "services.errors.MessageRejected"
    assert twice["antrian.dead_letter.field"] == "order_id"
    assert "already placed" in twice[CONNECT + "exception.message"]
    assert twice["antrian.message_id"] == "o3"

    # And every good one was applied
    assert applied_message_ids(store) == ["s1", "r1", "o1", "o2"]
    assert store.get_order("O2").lines["1"].backordered == 3

    # And the operator's command counts them
    result = antrian.run("dead-letters")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "3 dead letter(s)"


class OwnBroker:
    """A broker of this test's own (ops/kafka/kafka.sh in a private folder): restarting the
    session's broker would pull it from under whoever else uses it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "ANTRIAN_KAFKA_HOME": str(home),
            "ANTRIAN_KAFKA_HEAP": "-Xmx256m -Xms256m",
            "PYTHON": sys.executable,
        }
        for name in ("ANTRIAN_KAFKA_PORT", "ANTRIAN_KAFKA_CONTROLLER_PORT"):
            self.env.pop(name, None)
        self.bootstrap = ""

    def script(self, command: str, check: bool = True) -> str:
        result = subprocess.run(
            ["bash", str(REPO / "ops" / "kafka" / "kafka.sh"), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,  # the first `up` without shared jars downloads them
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0 or not check, f"kafka.sh {command} failed:\n{result.stderr[-3000:]}"
        return result.stdout.strip()

    def up(self) -> str:
        self.bootstrap = self.script("up")
        return self.bootstrap

    def restart(self) -> None:
        assert self.script("restart") == self.bootstrap, "the broker came back on another address"


@pytest.fixture
def own_broker(tmp_path: Path, kafka_bootstrap: str) -> Iterator[OwnBroker]:
    """Needs Java and the broker jars: shared with the session's broker when it was started
    by ops/kafka/kafka.sh (make kafka-up or the test session), else fetched by Maven."""
    home = tmp_path / "kafka"  # its server.log stays there for a post-mortem; `down` deletes data/
    home.mkdir()
    shared = Path(os.environ.get("ANTRIAN_KAFKA_HOME") or REPO / ".cache" / "kafka") / "libs"
    if list(shared.glob("kafka_2.13-*.jar")) and (shared / ".pom.sha256").is_file():
        (home / "libs").symlink_to(shared)  # no second download
    broker = OwnBroker(home)
    try:
        broker.up()
    except AssertionError as failed:
        broker.script("down", check=False)
        if in_ci():
            pytest.fail(f"could not start a broker of the test's own: {failed}", pytrace=False)
        pytest.skip(f"could not start a broker of the test's own: {str(failed).splitlines()[0]}")
    yield broker
    broker.script("down", check=False)


def test_the_engine_survives_a_broker_restart(tmp_path, own_broker, postgres_schema, prefix, registry, store):
    # Given an engine on a broker of its own, caught up with the first half of the orders
    antrian = Antrian(tmp_path, process_env(postgres_schema, own_broker.bootstrap, prefix))
    upstream = Upstream(own_broker.bootstrap, registry)
    try:
        create_topics(own_broker.bootstrap, registry, inbound_partitions=2)
        engine = antrian.engine("--batch", "50")
        upstream.publish(setup_messages())
        wait_until_consumed(store, registry, own_broker.bootstrap, antrian)
        orders = [
            m.order_placed(
                f"ord-{n}", f"O-{n}", [("1", SKUS[n % len(SKUS)], 1 + n % 3)], at=m.ts(1, minutes=n)
            )
            for n in range(400)
        ]
        receipts = [
            m.stock_received(f"rcv-{n}", sku, 40, at=m.ts(2, minutes=n)) for n, sku in enumerate(SKUS)
        ]
        upstream.publish(orders[:200])
        wait_until_consumed(store, registry, own_broker.bootstrap, antrian)
        wait_until_relayed(store, antrian)

        # When the broker stops and starts again (same address, data kept) under the running
        # engine, and the rest arrives afterwards
        own_broker.restart()
        upstream.publish([*orders[200:], *receipts])
        wait_until_consumed(store, registry, own_broker.bootstrap, antrian)
        wait_until_relayed(store, antrian)

        # Then the same engine process carried on: everything applied once, nothing refused
        assert engine.poll() is None, antrian.tail(engine)
        assert antrian.stop(engine) == 0, antrian.tail(engine)
        published = [message["message_id"] for message in [*setup_messages(), *orders, *receipts]]
        assert Counter(applied_message_ids(store)) == Counter(published)
        assert store.dead_letters() == []
        assert_books_balance(store, [o["order_id"] for o in orders], SKUS)

        # And every stored event is on the outbound topics, the ones from before the restart included
        relayed = {e.notification_id for e in relayed_events(own_broker.bootstrap, registry)}
        assert relayed == domain_notification_ids(store)
    finally:
        upstream.close()
        antrian.cleanup()
