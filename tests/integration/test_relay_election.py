"""One relay publishes per store: the others stand by, and one takes over when the publisher ends."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import psycopg
import pytest

from infra.bootstrap import build_relay_lease
from infra.kafka.relay import ACTIVE, STANDBY, OutboundRelay, relay_producer
from infra.kafka.topics import TopicRegistry
from infra.postgres.lease import AdvisoryLease
from infra.settings import Settings
from infra.sqlite.lease import FileLease
from services.outbound import decode
from tests.conftest import make_engine
from tests.integration.test_kafka_relay import HISTORY, published_events, read_all
from tests.support.kafka_topics import ensure_topics


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path) -> Settings:
    if request.param == "sqlite":
        return Settings(store="sqlite", sqlite_path=tmp_path / "s.sqlite")
    dsn, schema = request.getfixturevalue("postgres_schema")
    return Settings(store="postgres", postgres_dsn=dsn, postgres_schema=schema)


@pytest.mark.postgres
def test_only_one_holder_of_a_postgres_store_s_lease_and_it_is_freed_when_its_session_ends(postgres_schema):
    dsn, schema = postgres_schema
    first, second = AdvisoryLease(dsn, schema), AdvisoryLease(dsn, schema)
    other_store = AdvisoryLease(dsn, schema + "x")
    try:
        assert first.acquire() and first.held()
        assert not second.acquire()
        assert other_store.acquire()  # another schema is another store

        # When the holder's session is ended from outside (a crash, a killed backend)
        pid = first.connection.info.backend_pid
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        # Then the holder finds out, and a standby gets the lease
        assert not first.held()
        assert second.acquire()
    finally:
        for lease in (first, second, other_store):
            lease.release()


def test_only_one_holder_of_a_sqlite_store_s_lease_until_it_lets_go(tmp_path):
    first, second = FileLease(tmp_path / "s.sqlite"), FileLease(tmp_path / "s.sqlite")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


@pytest.mark.kafka
def test_a_standby_relay_publishes_nothing_and_takes_over_where_the_active_one_stopped(
    settings, kafka_bootstrap
):
    # Given a store with some history and two relays on it, each with the store's lease
    engine = make_engine(
        settings.store, settings.sqlite_path, settings.postgres_dsn, settings.postgres_schema
    )
    for message in HISTORY[:2]:
        engine.handle_raw(message)
    topics = ensure_topics(kafka_bootstrap, TopicRegistry(f"t{uuid.uuid4().hex[:8]}."))
    said: list[str] = []
    first = OutboundRelay(
        engine,
        relay_producer(kafka_bootstrap),
        topics,
        lease=build_relay_lease(settings),
        announce=said.append,
    )
    second = OutboundRelay(
        make_engine(settings.store, settings.sqlite_path, settings.postgres_dsn, settings.postgres_schema),
        relay_producer(kafka_bootstrap),
        topics,
        lease=build_relay_lease(settings),
        announce=said.append,
    )
    second.standby_retry = 0.05
    try:
        # When the first runs and the second starts while it does
        running = threading.Thread(target=first.run, kwargs={"interval": 0.01})
        running.start()
        while ACTIVE not in said:
            running.join(0.01)
        assert second.run(idle_polls=3).published == 0

        # Then the second said it stands by and published nothing
        assert said == [ACTIVE, STANDBY]

        # When more happens and the first stops: the second takes over
        first.stopping.set()
        running.join(60)
        for message in HISTORY[2:]:
            engine.handle_raw(message)
        assert second.run(idle_polls=3).published > 0
        assert said[-1] == ACTIVE
    finally:
        first.producer.close()
        second.producer.close()

    # And every event went out exactly once between them
    ids = Counter(decode(r.value).notification_id for r in read_all(kafka_bootstrap, topics))
    assert set(ids.values()) == {1}
    assert len(ids) == published_events(engine) == first.stats.published + second.stats.published
