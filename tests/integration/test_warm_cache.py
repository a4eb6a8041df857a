"""A cold engine on PostgreSQL reads a batch's aggregates together, and builds them as the repository does."""

from __future__ import annotations

import pytest

from domain.stock import stock_id
from infra.batch_writer import load_many
from infra.bootstrap import build_engine
from infra.settings import Settings
from services import engine as engine_module
from services.parsing import parse_message
from services.warm import reads_of, warm
from simulation import DemoOptions, generate_messages
from tests.conftest import make_engine

pytestmark = pytest.mark.postgres

MESSAGES = list(
    generate_messages(
        DemoOptions(seed=11, days=6, skus=5, orders_per_day=12), build_engine(Settings(store="memory"))
    )
)


def state(aggregate) -> dict:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@pytest.fixture
def schema_of(postgres_schema):
    """Two thirds of the demo applied, a Stock snapshot part-way with events after it."""
    dsn, schema = postgres_schema
    engine = make_engine("postgres", dsn=dsn, schema=schema)
    cut = len(MESSAGES) * 2 // 3
    for raw in MESSAGES[: cut // 2]:
        engine.handle_raw(raw)
    snapshotted = [stock_id(f"SKU-{n:03d}") for n in (1, 2)]
    for aggregate_id in snapshotted:
        engine.take_snapshot(aggregate_id)
    for raw in MESSAGES[cut // 2 : cut]:
        engine.handle_raw(raw)
    engine.close()
    return dsn, schema, cut, snapshotted


def reads_alone(engine, monkeypatch) -> list:
    """The ids the engine's repository goes on to read one by one from now on."""
    read: list = []
    reconstruct = engine.repository._reconstruct_aggregate

    def spy(aggregate_id, *args):
        read.append(aggregate_id)
        return reconstruct(aggregate_id, *args)

    monkeypatch.setattr(engine.repository, "_reconstruct_aggregate", spy)
    return read


def every_aggregate(engine) -> list:
    return list(dict.fromkeys(n.originator_id for n in engine.recorder.select_notifications(1, 10**6)))


def test_aggregates_loaded_together_equal_the_repository_s_one_by_one(schema_of):
    dsn, schema, _, snapshotted = schema_of
    engine = make_engine("postgres", dsn=dsn, schema=schema)
    ids = every_aggregate(engine)
    assert {s.originator_id for s in engine.snapshots.recorder.select_latest_of(ids)} == set(snapshotted)
    for aggregate_id in snapshotted:  # the snapshot is not the whole story
        assert engine.recorder.select_after({aggregate_id: engine.repository.get(aggregate_id).version - 1})
    loaded = load_many(engine, ids)
    assert set(loaded) == set(ids)
    fresh = make_engine("postgres", dsn=dsn, schema=schema)
    for aggregate_id in ids:
        assert state(loaded[aggregate_id]) == state(fresh.repository.get(aggregate_id)), aggregate_id
    engine.close()
    fresh.close()


def test_ids_nobody_stored_are_left_to_the_repository(schema_of):
    dsn, schema, _, _ = schema_of
    engine = make_engine("postgres", dsn=dsn, schema=schema)
    assert load_many(engine, [stock_id("NO-SUCH-SKU"), stock_id("NOR-THIS")]) == {}
    engine.close()


def test_a_cold_engine_reads_none_of_a_batch_s_named_aggregates_on_its_own(schema_of, monkeypatch):
    dsn, schema, cut, _ = schema_of
    batch = [parse_message(raw) for raw in MESSAGES[cut:]]
    named = {i for message in batch for i in reads_of(message)}
    cold = make_engine("postgres", dsn=dsn, schema=schema)
    stored = set(every_aggregate(cold))
    read_alone = reads_alone(cold, monkeypatch)
    outcomes = cold.handle_batch(batch)
    assert not (named & stored) & set(read_alone)
    assert len(named & stored) > 5

    # The same decisions as an engine that had every aggregate in memory all along.
    warm_all_along = make_engine("memory")
    for raw in MESSAGES[:cut]:
        warm_all_along.handle_raw(raw)
    assert outcomes == warm_all_along.handle_batch(batch)
    for aggregate_id in named & stored:
        ours, theirs = cold.repository.get(aggregate_id), warm_all_along.repository.get(aggregate_id)
        assert _decisions(ours) == _decisions(theirs), aggregate_id
    cold.close()


def test_without_the_bulk_read_the_batch_reads_each_aggregate_alone(schema_of, monkeypatch):
    """The control for the test above: the spy does see reads when nothing warms the cache."""
    dsn, schema, cut, _ = schema_of
    monkeypatch.setattr(engine_module, "warm", lambda cache, writer, messages: 0)
    cold = make_engine("postgres", dsn=dsn, schema=schema)
    read_alone = reads_alone(cold, monkeypatch)
    cold.handle_batch([parse_message(raw) for raw in MESSAGES[cut:]])
    assert len(set(read_alone)) > 5
    cold.close()


def test_a_warm_cache_is_not_read_again(schema_of):
    dsn, schema, cut, _ = schema_of
    engine = make_engine("postgres", dsn=dsn, schema=schema)
    batch = [parse_message(raw) for raw in MESSAGES[cut:]]
    assert warm(engine.repository.cache, engine.writer, batch) > 5
    assert warm(engine.repository.cache, engine.writer, batch) == 0
    engine.close()


def _decisions(aggregate) -> dict:
    """What a decision depends on: everything but the wall-clock bookkeeping."""
    return {k: v for k, v in state(aggregate).items() if k not in ("_created_on", "_modified_on")}
