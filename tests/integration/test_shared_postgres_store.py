"""Engines sharing one PostgreSQL store read the log for each other's writes, not for their own."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from services.engine import Engine
from tests import messages as m
from tests.conftest import make_engine
from tests.messages import ts

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def engines(postgres_schema: tuple[str, str]) -> Iterator[tuple[Engine, Engine]]:
    dsn, schema = postgres_schema
    first, second = (make_engine("postgres", dsn=dsn, schema=schema) for _ in range(2))
    yield first, second
    first.close()
    second.close()


def _count_log_reads(engine: Engine) -> list[int]:
    """Notifications the engine reads from the log, per read."""
    reads: list[int] = []
    select = engine.recorder.select_notifications

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = select(*args, **kwargs)
        reads.append(len(found))
        return found

    engine.recorder.select_notifications = counting  # type: ignore[method-assign]
    return reads


def test_an_engine_writing_alone_does_not_read_its_own_events_back(engines):
    first, _ = engines
    reads = _count_log_reads(first)
    m.apply(first, m.stock_received("r1", "A", 5), m.order_placed("o1", "O1", [("1", "A", 2)], at=ts(0, 1)))
    assert sum(reads) == 0
    assert first.get_stock("A").allocated == 2


def test_an_engine_reads_another_writers_events_once_and_sees_their_effect(engines):
    # Given two engines on one store, the first having cached the SKU
    first, second = engines
    m.apply(first, m.stock_received("r1", "A", 5))
    before = first.recorder.max_notification_id()
    # When the second changes it
    m.apply(second, m.order_placed("o1", "O1", [("1", "A", 2)], at=ts(0, 1)))
    written = first.recorder.max_notification_id() - before
    # Then the first reads the second's events once (and never its own),
    reads = _count_log_reads(first)
    m.apply(first, m.order_placed("o2", "O2", [("1", "A", 2)], at=ts(0, 2)))
    m.apply(first, m.order_placed("o3", "O3", [("1", "A", 2)], at=ts(0, 3)))
    assert sum(reads) == written
    # and decides on the fresh state: only one unit was left for the third order
    assert first.get_stock("A").allocated == 5 and first.get_stock("A").available == 0


def test_engines_started_together_on_a_new_schema_all_start(postgres_schema):
    # Given a new schema, when several processes (here threads) build their engines at the same moment
    dsn, schema = postgres_schema
    starting = threading.Barrier(6)
    started: list[Engine] = []
    failures: list[BaseException] = []

    def start() -> None:
        starting.wait()
        try:
            started.append(make_engine("postgres", dsn=dsn, schema=schema))
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then every one of them starts, on the same tables
    assert failures == []
    m.apply(started[0], m.stock_received("r1", "A", 5))
    assert started[-1].get_stock("A").available == 5
    for engine in started:
        engine.close()
