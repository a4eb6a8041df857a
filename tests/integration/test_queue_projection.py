"""The queue read model against the aggregates it mirrors, over a realistic demo history.

At the end of every simulated day the projection is caught up (incrementally,
as `antrian queue` would) and every SKU's projected queue must equal the
Stock aggregate's own queue entry for entry - order, line, waiting units,
tier, placed-at, since, wait limit, ETA, needs-purchase - in the same order,
and every order's projected lines must equal the Order aggregate's lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from infra.read_side import log_feed
from projections.event import ProjectedEvent
from projections.queue import BackorderQueueProjection
from projections.queue_order_read import order_view
from projections.queue_read import sku_queue
from projections.runner import Batch, ProjectionRunner
from projections.store import SqliteReadStore
from services.engine import Engine
from services.simulation import DemoOptions, run_demo

pytestmark = pytest.mark.integration

# A seed whose history has take-backs after a count and a line expired past its maximum wait.
OPTIONS = DemoOptions(days=14, skus=6, seed=3)


def published(engine: Engine) -> list[ProjectedEvent]:
    feed, events = log_feed(engine), []
    while batch := feed.poll(1000).events:
        events.extend(batch)
    return events


def stock_queue(engine: Engine, sku: str) -> list[tuple[Any, ...]]:
    return [
        (
            e.order_id,
            e.line_id,
            e.quantity,
            e.tier.value,
            e.placed_at,
            e.since,
            e.wait_limit,
            e.eta,
            e.needs_purchase,
        )
        for e in engine.get_stock(sku).queue
    ]


def projected_queue(tx: Any, sku: str) -> list[tuple[Any, ...]]:
    queue = sku_queue(tx, sku)
    assert queue is not None, f"{sku} is missing from the read model"
    assert [e.position for e in queue.entries] == list(range(1, len(queue.entries) + 1))
    return [
        (
            e.order_id,
            e.line_id,
            e.quantity,
            e.tier,
            e.placed_at,
            e.waiting_since,
            e.wait_limit,
            e.eta,
            e.needs_purchase,
        )
        for e in queue.entries
    ]


def order_lines(engine: Engine, order_id: str) -> list[tuple[Any, ...]]:
    order = engine.get_order(order_id)
    return [
        (
            line.line_id,
            line.status.value,
            line.allocated_total,
            line.backordered,
            line.shipped,
            line.cancelled,
            line.eta,
            line.eta_revisions,
            line.needs_purchase,
        )
        for line in order.lines.values()
    ]


def projected_lines(tx: Any, order_id: str) -> list[tuple[Any, ...]]:
    view = order_view(tx, order_id)
    assert view is not None, f"order {order_id} is missing from the read model"
    return [
        (
            line.line_id,
            line.status,
            line.allocated,
            line.backordered,
            line.shipped,
            line.cancelled,
            line.eta,
            line.eta_revisions,
            line.needs_purchase,
        )
        for line in view.lines
    ]


def test_every_skus_projected_queue_equals_the_stocks_queue_at_the_end_of_every_day(
    memory_engine: Engine,
) -> None:
    runner = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])
    compared: Counter[str] = Counter()

    def check(days_done: int, days: int) -> None:
        runner.run(log_feed(memory_engine))
        with runner.store.reading() as tx:
            skus = [sku for (sku,) in tx.all("SELECT sku FROM queue_skus ORDER BY sku")]
            assert len(skus) == OPTIONS.skus
            for sku in skus:
                expected = stock_queue(memory_engine, sku)
                assert projected_queue(tx, sku) == expected, f"{sku} after day {days_done}"
                compared["entries"] += len(expected)

    run_demo(memory_engine, OPTIONS, on_progress=check)

    # The history really had queues to compare, take-backs and an expiry, not only empty queues.
    assert compared["entries"] > 50
    types = Counter(event.event_type for event in published(memory_engine))
    assert types["Stock.AllocationsRevoked"] and types["Stock.QueueFilled"] and types["Stock.Withdrawn"]
    assert any(e.data["expired"] for e in published(memory_engine) if e.event_type == "Stock.EtasRevised")


def test_order_events_arriving_before_or_after_stock_events_give_the_same_read_model(
    memory_engine: Engine,
) -> None:
    # Given a history as the log feed publishes it, in one order
    run_demo(memory_engine, OPTIONS)
    events = published(memory_engine)
    in_log_order = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])
    in_log_order.apply(Batch(events=events, advance={}))
    # When a Kafka consumer gets every Order event first, then every Stock event (each topic in order)
    by_topic = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])
    for kind in ("Order", "Supplier", "Stock"):
        topic = [replace(e, feed=kind) for e in events if e.aggregate_type == kind]
        by_topic.apply(Batch(events=topic, advance={}))
    # Then both read models hold the same rows
    projection = BackorderQueueProjection()
    with in_log_order.store.reading() as a, by_topic.store.reading() as b:
        assert projection.export(a) == projection.export(b)
        assert a.one("SELECT COUNT(*) FROM queue_lines WHERE waiting > 0")[0] > 0


def test_every_orders_projected_lines_equal_the_order_aggregates_lines(memory_engine: Engine) -> None:
    run_demo(memory_engine, OPTIONS)
    runner = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])
    runner.run(log_feed(memory_engine))
    statuses: Counter[str] = Counter()
    with runner.store.reading() as tx:
        order_ids = [
            order_id for (order_id,) in tx.all("SELECT order_id FROM queue_orders ORDER BY order_id")
        ]
        assert order_ids
        for order_id in order_ids:
            expected = order_lines(memory_engine, order_id)
            assert projected_lines(tx, order_id) == expected, order_id
            statuses.update(line[1] for line in expected)
    # Shipped, waiting and cancelled lines were all among those compared.
    assert {"shipped", "backordered", "cancelled"} <= set(statuses), statuses


def test_a_waiting_lines_live_position_in_its_order_is_its_place_in_the_stocks_queue(
    memory_engine: Engine,
) -> None:
    run_demo(memory_engine, OPTIONS)
    runner = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])
    runner.run(log_feed(memory_engine))
    checked = 0
    with runner.store.reading() as tx:
        for (order_id,) in tx.all(
            "SELECT DISTINCT order_id FROM queue_lines WHERE waiting > 0 ORDER BY order_id"
        ):
            view = order_view(tx, order_id)
            assert view is not None
            for line in view.lines:
                if line.backordered:
                    stock = memory_engine.get_stock(line.sku)
                    assert line.position == stock.position_of(order_id, line.line_id)
                    assert line.units_ahead == stock.units_ahead_of(line.position - 1)
                    checked += 1
    assert checked > 0
