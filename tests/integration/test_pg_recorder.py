"""The PostgreSQL recorder's own reads and writes give exactly what the library's would."""

from __future__ import annotations

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from infra.bootstrap import build_engine
from infra.settings import Settings
from simulation import DemoOptions, generate_messages
from tests.conftest import make_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def filled(postgres_schema):
    dsn, schema = postgres_schema
    engine = make_engine("postgres", dsn=dsn, schema=schema)
    for message in generate_messages(
        DemoOptions(seed=5, days=4, skus=4, orders_per_day=10), build_engine(Settings(store="memory"))
    ):
        engine.handle_raw(message)
    yield engine
    engine.close()


def test_a_page_of_the_log_read_in_binary_equals_the_library_s_page(filled):
    recorder = filled.recorder
    last = recorder.max_notification_id()
    assert last > 300
    for start, limit in [(1, 1), (1, 100), (57, 1000), (last, 10), (last + 1, 10)]:
        ours = recorder.select_notifications(start, limit)
        library = PostgresApplicationRecorder.select_notifications(recorder, start, limit)
        assert ours == library, (start, limit)
    assert len(recorder.select_notifications(1, 10**6)) == last


def test_reads_the_binary_page_does_not_cover_still_give_the_library_s_answer(filled):
    recorder = filled.recorder
    topic = recorder.select_notifications(1, 1)[0].topic
    assert [n.topic for n in recorder.select_notifications(1, 50, topics=[topic])] == [topic] * len(
        PostgresApplicationRecorder.select_notifications(recorder, 1, 50, topics=[topic])
    )
    assert [n.id for n in recorder.select_notifications(1, 50, stop=7)] == list(range(1, 8))
    assert [n.id for n in recorder.select_notifications(3, 2, inclusive_of_start=False)] == [4, 5]
