"""Whatever the batch boundaries, the buyer's views end the same and their rates stay rates."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.bootstrap import log_feed
from projections import catalog
from projections.event import ProjectedEvent
from projections.purchasing.po_read import purchase_orders
from projections.purchasing.scorecard import scorecards
from projections.purchasing.worklist import replenishment
from projections.runner import Batch, ProjectionRunner
from projections.store import SqliteReadStore
from services.engine import Engine
from simulation import DemoOptions, run_demo
from tests.conftest import make_engine

pytestmark = pytest.mark.integration

NAMES = ["purchase_orders", "replenishment", "queue", "analytics"]


@cache
def demo() -> tuple[Engine, tuple[ProjectedEvent, ...]]:
    engine = make_engine("memory")
    run_demo(engine, DemoOptions(days=21, skus=5, orders_per_day=12, seed=5))
    return engine, tuple(log_feed(engine).poll(10_000_000).events)


def views(runner: ProjectionRunner) -> Any:
    return (
        purchase_orders(runner.store, "all"),
        replenishment(runner.store),
        scorecards(runner.store),
    )


def rates_are_rates(runner: ProjectionRunner) -> None:
    for card in scorecards(runner.store):
        for figures in (card, *card.months):
            for rate in (figures.on_time_rate, figures.fill_rate):
                assert rate is None or 0 <= rate <= 1, (card.supplier_id, figures)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=12))
def test_any_batch_boundaries_give_the_same_views_and_rates_stay_within_zero_and_one(cuts):
    # Given the demo's events cut into batches of the drawn sizes
    engine, events = demo()
    runner = ProjectionRunner(SqliteReadStore(":memory:"), catalog.build(NAMES))
    at, sizes = 0, iter(cuts)
    while at < len(events):
        batch = list(events[at : at + next(sizes, 500)])
        at += len(batch)
        # When each batch is applied
        runner.apply(Batch(events=batch, advance={"log": batch[-1].position}))
        # Then every rate is within [0, 1] after every batch
        rates_are_rates(runner)

    # And each PO's status is its last event's, as the Supplier aggregate holds it
    for po in purchase_orders(runner.store, "all"):
        assert po.status == engine.get_supplier(po.supplier_id).purchase_order(po.purchase_order_id).status
    # And the views equal those built in one batch
    whole = ProjectionRunner(SqliteReadStore(":memory:"), catalog.build(NAMES))
    whole.apply(Batch(events=list(events), advance={"log": events[-1].position}))
    assert views(runner) == views(whole)


def test_a_rebuild_gives_the_views_caught_up_incrementally():
    engine, _ = demo()
    runner = ProjectionRunner(SqliteReadStore(":memory:"), catalog.build(NAMES))
    runner.run(log_feed(engine), batch_size=37)
    incremental = views(runner)

    runner.start_rebuild()
    runner.run(log_feed(engine))
    runner.finish_rebuild()

    assert views(runner) == incremental
    assert incremental[0] and incremental[2], "the demo left no purchase order or supplier"
