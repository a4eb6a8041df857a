"""Every catalogued projection builds the same read model however its events arrive.

Rebuilt or caught up bit by bit, on SQLite or PostgreSQL, in log order or in
any interleaving of aggregates that Kafka's partitions allow, from the
embedded log or from the outbound topics with the relay's repeats: the
exported rows are the same. A failure names the projection and table and
shows the rows that differ.
"""

from __future__ import annotations

import random
import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, replace
from functools import cache
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from infra.bootstrap import build_engine, log_feed
from infra.settings import Settings
from projections import catalog
from projections.event import ProjectedEvent
from projections.runner import Batch, ProjectionRunner
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore
from simulation import DemoOptions, generate_messages
from tests.conftest import make_engine
from tests.support.kafka_topics import create_topic, fresh_outbound_topics

pytestmark = pytest.mark.integration

DEMO = DemoOptions(days=10, skus=6, orders_per_day=20)
Export = dict[str, dict[str, list[tuple[Any, ...]]]]


@cache
def demo_messages() -> tuple[dict, ...]:
    return tuple(generate_messages(DEMO, build_engine(Settings(store="memory"))))


@cache
def demo_events() -> tuple[ProjectedEvent, ...]:
    """The demo's published events in log order, read once through the embedded feed."""
    engine = make_engine("memory")
    for message in demo_messages():
        engine.handle_raw(message)
    return tuple(log_feed(engine).poll(10_000_000).events)


def build(events: Iterator[list[ProjectedEvent]], store: ReadStore | None = None) -> ProjectionRunner:
    runner = ProjectionRunner(store or SqliteReadStore(":memory:"), catalog.build())
    for batch in events:
        runner.apply(Batch(events=batch, advance={e.feed: e.position for e in batch}))
    return runner


@cache
def in_log_order() -> Export:
    return build(iter([list(demo_events())])).export()


def differences(expected: Export, actual: Export, shown: int = 3) -> str:
    """Which projection's which table differs, and a few rows only on each side."""
    found = []
    for projection in sorted(set(expected) | set(actual)):
        tables_expected, tables_actual = expected.get(projection, {}), actual.get(projection, {})
        for table in sorted(set(tables_expected) | set(tables_actual)):
            want, got = tables_expected.get(table, []), tables_actual.get(table, [])
            if want != got:
                missing = [row for row in want if row not in got][:shown]
                extra = [row for row in got if row not in want][:shown]
                found.append(
                    f"{projection}.{table}: {len(want)} rows expected, {len(got)} found;"
                    f" expected only: {missing}; found only: {extra}"
                )
    return "\n".join(found) or "no differences"


def assert_same(expected: Export, actual: Export) -> None:
    assert actual == expected, differences(expected, actual)


def assert_every_projection_has_rows(export: Export) -> None:
    empty = [name for name, tables in export.items() if not any(tables.values())]
    assert not empty, f"the demo history left these read models empty: {empty}"


# ------------------------------------------------------- rebuilt = incremental


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def read_store(request, tmp_path) -> Iterator[ReadStore]:
    if request.param == "postgres":
        dsn, schema = request.getfixturevalue("postgres_schema")
        store: ReadStore = PostgresReadStore(dsn, schema)
    else:
        store = SqliteReadStore(tmp_path / "read.sqlite")
    yield store
    store.close()


def test_a_rebuilt_read_model_equals_the_one_caught_up_after_every_few_messages(read_store):
    # Given read models caught up with the log after every 25 messages of the demo
    engine = make_engine("memory")
    runner = ProjectionRunner(read_store, catalog.build())
    feed = log_feed(engine)
    messages = demo_messages()
    for at in range(0, len(messages), 25):
        for message in messages[at : at + 25]:
            engine.handle_raw(message)
        runner.run(feed, batch_size=40)
    incremental = runner.export()
    assert_every_projection_has_rows(incremental)

    # When they are rebuilt from the whole log
    assert runner.start_rebuild() == runner.names
    runner.run(feed)
    runner.finish_rebuild()

    # Then every row is the same
    assert_same(incremental, runner.export())
    assert_same(in_log_order(), incremental)


# ------------------------------------------------- any interleaving of aggregates


def per_aggregate() -> dict[str, list[ProjectedEvent]]:
    """Each aggregate's events in its own order, as if each aggregate had a partition of its own."""
    streams: dict[str, list[ProjectedEvent]] = defaultdict(list)
    for event in demo_events():
        feed = f"{event.aggregate_type}:{event.aggregate_id}"
        streams[feed].append(replace(event, feed=feed, position=len(streams[feed]) + 1))
    return streams


def merge(streams: list[list[ProjectedEvent]], rng: random.Random) -> list[ProjectedEvent]:
    """A uniformly drawn interleaving that keeps each stream's own order."""
    slots = [index for index, stream in enumerate(streams) for _ in stream]
    rng.shuffle(slots)
    heads = [iter(stream) for stream in streams]
    return [next(heads[index]) for index in slots]


def interleave(style: str, rng: random.Random) -> list[ProjectedEvent]:
    streams = per_aggregate()
    if style == "shuffled":
        return merge(list(streams.values()), rng)
    if style == "aggregate after aggregate":
        feeds = sorted(streams)
        rng.shuffle(feeds)
        return [event for feed in feeds for event in streams[feed]]
    # topic after topic, in a drawn order: e.g. every Stock event before any Order event
    by_type: dict[str, list[list[ProjectedEvent]]] = defaultdict(list)
    for feed, stream in sorted(streams.items()):
        by_type[feed.partition(":")[0]].append(stream)
    types = sorted(by_type)
    rng.shuffle(types)
    return [event for aggregate_type in types for event in merge(by_type[aggregate_type], rng)]


def batches(events: list[ProjectedEvent], size: int) -> Iterator[list[ProjectedEvent]]:
    for at in range(0, len(events), size):
        yield events[at : at + size]


# No shrinking: a seed shrinks to nothing meaningful, and each example rebuilds every read model.
@settings(
    max_examples=15,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    style=st.sampled_from(["shuffled", "aggregate after aggregate", "topic after topic"]),
    seed=st.integers(min_value=0, max_value=2**32),
    size=st.integers(min_value=1, max_value=500),
)
def test_any_interleaving_of_aggregates_that_keeps_each_aggregates_order_gives_the_same_read_models(
    style, seed, size
):
    # A seeded shuffle, not st.randoms(): thousands of events would make hypothesis draw too much
    events = interleave(style, random.Random(seed))
    assert sorted(e.notification_id for e in events) == [e.notification_id for e in demo_events()]

    built = build(batches(events, size))

    assert_same(in_log_order(), built.export())


# ------------------------------------------------------ embedded log = Kafka feed


@pytest.mark.kafka
def test_the_kafka_feed_builds_the_same_read_models_as_the_embedded_log_despite_relay_repeats(
    kafka_bootstrap, tmp_path
):

    from infra.kafka.projections import kafka_feed
    from infra.kafka.relay import OutboundRelay, relay_producer

    # Given the demo in a SQLite event store, and a copy taken before any relay ran
    engine = make_engine("sqlite", tmp_path / "events.sqlite")
    for message in demo_messages():
        engine.handle_raw(message)
    engine.close()
    shutil.copy(tmp_path / "events.sqlite", tmp_path / "backup.sqlite")
    topics = fresh_outbound_topics(kafka_bootstrap)
    prefix = topics.prefix

    # And the relay published it all, then a relay restored from the backup published it all again
    for path in ("events.sqlite", "backup.sqlite"):
        source = make_engine("sqlite", tmp_path / path)
        relay = OutboundRelay(source, relay_producer(kafka_bootstrap), topics)
        relay.run(idle_polls=2)
        relay.producer.close()
        source.close()

    # When read models are built from the topics
    settings = Settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=prefix)
    runner = ProjectionRunner(SqliteReadStore(tmp_path / "read.sqlite"), catalog.build())
    done, ends = catch_up(runner, kafka_feed(settings))

    # Then they read every record, applied each event once, and equal the embedded build
    assert sum(ends.values()) == 2 * len(demo_events()) == done.read
    assert done.events == done.repeats == len(demo_events())
    assert runner.caught_up(ends)
    embedded = build(iter([list(demo_events())]))
    assert done.per_projection == embedded_applied(embedded)
    assert_same(embedded.export(), runner.export())
    # And a runner in another consumer group resumes from the read store's positions, not Kafka's
    again, _ = catch_up(runner, kafka_feed(settings, group=f"{prefix}other"))
    assert again.read == 0


def catch_up(runner: ProjectionRunner, feed: Any) -> tuple[Any, dict[str, int]]:
    try:
        return runner.run(feed), feed.ends()
    finally:
        feed.close()


@pytest.mark.kafka
def test_a_record_that_is_not_an_outbound_event_stops_the_kafka_feed_naming_where_it_is(kafka_bootstrap):
    from kafka import KafkaProducer

    from infra.kafka.projections import UnreadableRecord, kafka_feed
    from infra.kafka.topics import TopicRegistry

    # Given an outbound topic holding an event, then something else
    prefix = f"t{uuid.uuid4().hex[:10]}."
    topic = create_topic(kafka_bootstrap, TopicRegistry(prefix).order_events.name)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    good = {k: v for k, v in asdict(demo_events()[0]).items() if k not in ("feed", "position")}
    for value in (orjson.dumps(good), b"{not json"):
        producer.send(topic, value=value, partition=0)
    producer.flush()
    producer.close()
    runner = ProjectionRunner(SqliteReadStore(":memory:"), catalog.build())

    # When the read models are caught up from it
    with pytest.raises(
        UnreadableRecord, match=rf"{re.escape(topic)} partition 0 offset 1: not an outbound event"
    ):
        catch_up(runner, kafka_feed(Settings(kafka_bootstrap=kafka_bootstrap, topic_prefix=prefix)))

    # Then nothing was applied past it, nor the good record read with it
    assert runner.positions() == {name: {} for name in runner.names}


def embedded_applied(runner: ProjectionRunner) -> dict[str, int]:
    return {name: state.applied for name, state in runner.states().items() if name in runner.names}
