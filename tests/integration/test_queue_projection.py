"""The queue read model against the aggregates it mirrors, over a realistic demo history.

At the end of every simulated day the projection is caught up (incrementally,
as `antrian queue` would) and every SKU's projected queue must equal the
Stock aggregate's own queue entry for entry - order, line, waiting units,
tier, placed-at, since, wait limit, ETA, needs-purchase - in the same order,
and every order's projected lines must hold the Order aggregate's counters and
the Stock's promise to each line (the Stock keeps promises, not the order).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant

from domain.order import Order
from domain.stock import Stock, stock_id
from infra.bootstrap import log_feed
from projections.event import ProjectedEvent
from projections.queue import BackorderQueueProjection
from projections.queue_order_read import order_view
from projections.queue_read import sku_queue, top_queues
from projections.runner import Batch, ProjectionRunner
from projections.store import PostgresReadStore, SqliteReadStore
from services.engine import Engine
from simulation import DemoOptions, run_demo
from tests import messages as m
from tests.integration.test_invariants_stateful import EngineMachine
from tests.messages import ts
from tests.state import events_of
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

# A seed whose history has take-backs after a count and a line expired past its maximum wait.
OPTIONS = DemoOptions(days=14, skus=6, seed=10)  # a seed whose fortnight has a take-back and an expiry


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


def projected_on_hand(tx: Any, sku: str) -> dict[str, int]:
    rows = tx.all(
        "SELECT h.warehouse, h.on_hand FROM queue_on_hand h JOIN queue_skus s ON s.stock_key = h.stock_key "
        "WHERE s.sku = ?",
        (sku,),
    )
    return dict(rows)


def promise_revisions(engine: Engine, sku: str) -> Counter[tuple[str, str]]:
    """How often the SKU changed a promise its customer had been told, per (order, line), from its events.

    A line that starts waiting through a request is told its first promise with the backorder,
    so that promise is no revision; one that waits again because allocated units were taken
    back had been told the units were its own, so its next promise is one.
    """
    waiting: Counter[tuple[str, str]] = Counter()
    told: set[tuple[str, str]] = set()
    revisions: Counter[tuple[str, str]] = Counter()
    for event in events_of(engine, stock_id(sku)):
        kind = type(event).__name__
        if kind == "LineRequested" and event.plan.backorder:
            key = (event.request.order_id, event.request.line_id)
            if not waiting[key]:
                told.discard(key)
            waiting[key] += event.plan.backorder
        elif kind == "QueueFilled":
            for fill in event.fills:
                waiting[(fill.order_id, fill.line_id)] -= fill.quantity
        elif kind == "AllocationsRevoked":
            for fill in event.revoked:
                key = (fill.order_id, fill.line_id)
                if not waiting[key]:
                    told.add(key)
                waiting[key] += fill.quantity
        elif kind == "Withdrawn":
            waiting[(event.order_id, event.line_id)] = 0
        elif kind == "EtasRevised":
            for change in event.plan.changes:
                key = (change.order_id, change.line_id)
                revisions[key] += key in told
                told.add(key)
            for expiry in event.plan.expired:
                waiting[(expiry.order_id, expiry.line_id)] = 0
    return revisions


def order_lines(
    engine: Engine, order_id: str, revisions: dict[str, Counter[tuple[str, str]]]
) -> list[tuple[Any, ...]]:
    """Each line's counters as its Order aggregate holds them, and its promise as its SKU's Stock
    holds it: the queue entry's ETA and needs-purchase while the line waits, none otherwise.

    `revisions`: promise_revisions by SKU, filled as SKUs are met.
    """
    order = engine.get_order(order_id)
    lines = []
    for line in order.lines.values():
        queued = engine.get_stock(line.sku).queued(order_id, line.line_id)
        if line.sku not in revisions:
            revisions[line.sku] = promise_revisions(engine, line.sku)
        lines.append(
            (
                line.line_id,
                line.status.value,
                line.allocated_total,
                sum(units for sku, units in line.allocated.items() if sku != line.sku),
                line.backordered,
                line.shipped,
                line.cancelled,
                queued.eta if queued else None,
                revisions[line.sku][(order_id, line.line_id)],
                queued.needs_purchase if queued else False,
            )
        )
    return lines


def projected_lines(tx: Any, order_id: str) -> list[tuple[Any, ...]]:
    view = order_view(tx, order_id)
    assert view is not None, f"order {order_id} is missing from the read model"
    return [
        (
            line.line_id,
            line.status,
            line.allocated,
            line.substitute_allocated,
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
                held = memory_engine.get_stock(sku).on_hand
                assert projected_on_hand(tx, sku) == held, f"{sku} on hand after day {days_done}"
                compared["warehouses"] += len(held)

    run_demo(memory_engine, OPTIONS, on_progress=check)

    # The history really had queues to compare, take-backs and an expiry, not only empty queues.
    assert compared["entries"] > 50 and compared["warehouses"] > 0
    types = Counter(event.event_type for event in published(memory_engine))
    assert types["Stock.Shipped"] and types["Stock.Adjusted"] and types["Stock.Received"]
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


def test_every_orders_projected_lines_hold_the_orders_counts_and_the_stocks_promises(
    memory_engine: Engine,
) -> None:
    run_demo(memory_engine, OPTIONS)
    runner = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])
    runner.run(log_feed(memory_engine))
    statuses: Counter[str] = Counter()
    revisions: dict[str, Counter[tuple[str, str]]] = {}
    promised = revised = 0
    with runner.store.reading() as tx:
        order_ids = [
            order_id for (order_id,) in tx.all("SELECT order_id FROM queue_orders ORDER BY order_id")
        ]
        assert order_ids
        for order_id in order_ids:
            expected = order_lines(memory_engine, order_id, revisions)
            assert projected_lines(tx, order_id) == expected, order_id
            statuses.update(line[1] for line in expected)
            promised += sum(line[7] is not None for line in expected)
            revised += sum(line[8] > 0 for line in expected)
    # Shipped, waiting and cancelled lines were all among those compared,
    # and so were lines the Stock promises a date and lines whose promise it revised.
    assert {"shipped", "backordered", "cancelled"} <= set(statuses), statuses
    assert promised and revised, (promised, revised)


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


# ------------------------------------------------------------------ the command line
CLI_MESSAGES = (
    m.sku_configured("cfg", "A"),
    m.stock_received("r1", "A", 1),
    m.stock_received("r2", "B9", 5),
    m.order_placed("o1", "O1", [("1", "A", 3)], at=ts(0, 1), customer_id="C-1"),
    m.order_placed("o2", "O2", [("1", "A", 2), ("2", "B9", 1)], tier="gold", at=ts(0, 2), customer_id="C-2"),
)


@pytest.fixture
def antrian(tmp_path, monkeypatch):
    """`antrian ...` in this process over a SQLite store filled with `antrian ingest`."""
    run, ingested = cli_over(CLI_MESSAGES, tmp_path, monkeypatch)
    assert ingested == "applied 5, already applied 0, rejected 0\n", ingested
    return run


def table_rows(output: str) -> list[list[str]]:
    """The cells of a rich table's body rows."""
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def test_queue_prints_a_skus_waiting_lines_in_serving_order_with_its_totals(antrian) -> None:
    result = antrian("queue", "A")

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "A (priority-fifo-v1): 4 unit(s) waiting on 2 line(s), oldest waiting since 2026-01-05; "
        "0 covered by open POs (0 on order), 4 need a purchase\n"
    )
    # O1 took the one unit on hand; gold O2 then queued ahead of O1's remaining 2
    assert [row[:9] for row in table_rows(result.output)] == [
        ["1", "O2", "1", "2", "0", "C-2", "gold", "2026-01-05", "-"],
        ["2", "O1", "1", "2", "2", "C-1", "standard", "2026-01-05", "-"],
    ]


def test_queue_top_lists_the_skus_with_most_units_waiting_and_json_gives_the_same(antrian) -> None:
    result = antrian("queue", "--top", "5")
    assert result.exit_code == 0, result.output
    assert [row[:3] for row in table_rows(result.output)] == [["A", "4", "2"]]

    as_json = antrian("queue", "A", "--json")
    assert as_json.exit_code == 0, as_json.output
    queue = json.loads(as_json.output)
    assert [(e["position"], e["order_id"], e["quantity"]) for e in queue["entries"]] == [
        (1, "O2", 2),
        (2, "O1", 2),
    ]
    assert queue["totals"]["units_waiting"] == 4


def test_order_prints_each_line_with_status_units_and_live_position(antrian) -> None:
    result = antrian("order", "O1")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("order O1: customer C-1 (standard), placed 2026-01-05T11:00:00+00:00")
    # O1 was told position 1 when it joined; the gold line has overtaken it since
    assert [row[:9] for row in table_rows(result.output)] == [
        ["1", "A", "partially_allocated", "3", "1", "2", "0", "0", "2"],
    ]


def test_unknown_skus_and_orders_exit_with_1_and_say_so(antrian) -> None:
    sku = antrian("queue", "NOPE")
    order = antrian("order", "NOPE")

    assert (sku.exit_code, order.exit_code) == (1, 1)
    assert "unknown SKU 'NOPE'" in sku.output
    assert "unknown order 'NOPE'" in order.output


@pytest.mark.postgres
def test_the_queue_read_model_on_postgresql_holds_and_answers_the_same_as_on_sqlite(
    memory_engine, postgres_schema
) -> None:
    dsn, schema = postgres_schema
    run_demo(memory_engine, OPTIONS)
    events = published(memory_engine)
    projection = BackorderQueueProjection()
    exports = []
    for store in (SqliteReadStore(":memory:"), PostgresReadStore(dsn, schema)):
        runner = ProjectionRunner(store, [projection])
        runner.apply(Batch(events=events, advance={}))
        with store.reading() as tx:
            skus = [sku for (sku,) in tx.all("SELECT sku FROM queue_skus ORDER BY sku")]
            orders = [
                order_id for (order_id,) in tx.all("SELECT order_id FROM queue_orders ORDER BY order_id")
            ]
            exports.append(
                (
                    projection.export(tx),
                    [sku_queue(tx, sku) for sku in skus],
                    top_queues(tx, 10),
                    [order_view(tx, order_id) for order_id in orders],
                )
            )
        store.close()
    assert exports[0] == exports[1]
    assert any(queue.entries for queue in exports[0][1])


# ------------------------------------------------------------------ random traffic
class QueueReadModelMachine(EngineMachine):
    """The engine machine's random traffic (every message type, valid and not, policy switches,
    counts, substitutes); after every step the read model must mirror every Stock's queue and
    every Order's lines. The engine's own invariants are test_invariants_stateful's job."""

    def __init__(self) -> None:
        super().__init__()
        self.read = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])

    def stock_adds_up(self) -> None: ...
    def order_lines_add_up_and_match_the_stocks(self) -> None: ...
    def open_purchase_orders_are_expected_on_their_skus(self) -> None: ...
    def each_sku_knows_exactly_who_sells_it_and_how_late_they_are(self) -> None: ...
    def the_log_rebuilds_what_the_engine_holds(self) -> None: ...

    def teardown(self) -> None:
        self.engine.close()

    @invariant()
    def the_read_model_mirrors_every_queue_and_order_line(self) -> None:
        self.read.run(log_feed(self.engine))
        revisions: dict[str, Counter[tuple[str, str]]] = {}
        with self.read.store.reading() as tx:
            for stock in self._aggregates(Stock):
                assert projected_queue(tx, stock.sku) == stock_queue(self.engine, stock.sku), stock.sku
            for order in self._aggregates(Order):
                assert projected_lines(tx, order.order_id) == order_lines(
                    self.engine, order.order_id, revisions
                )
                for line in order_view(tx, order.order_id).lines:
                    stock = self.engine.get_stock(line.sku)
                    assert line.position == stock.position_of(order.order_id, line.line_id)


QueueReadModelMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestQueueReadModelUnderRandomTraffic = QueueReadModelMachine.TestCase
