"""The backorder queue read model, scenario by scenario, with the expected rows written out.

Each scenario applies real upstream messages to an in-memory engine, catches
the `queue` projection up from its log and reads it with the same queries
the CLI uses. Rows are (position, order, line, units waiting, units ahead,
tier, waiting since, ETA, ETA revisions, needs purchase, open offer).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from infra.bootstrap import log_feed
from projections.queue import BackorderQueueProjection
from projections.queue_order_read import OrderLineView, order_view
from projections.queue_read import QueueTotals, sku_queue, top_queues
from projections.runner import ProjectionRunner
from projections.store import SqliteReadStore
from services.engine import Engine
from tests import messages as m
from tests.messages import apply, as_date, day, ts

NO_ETA = None


class Reader:
    """The queue projection over one engine, caught up before every read (as `antrian queue` does)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runner = ProjectionRunner(SqliteReadStore(":memory:"), [BackorderQueueProjection()])

    def query(self, fn: Any, *args: Any) -> Any:
        self.runner.run(log_feed(self.engine))
        with self.runner.store.reading() as tx:
            return fn(tx, *args)

    def rows(self, sku: str) -> list[tuple[Any, ...]]:
        queue = self.query(sku_queue, sku)
        return [
            (
                e.position,
                e.order_id,
                e.line_id,
                e.quantity,
                e.units_ahead,
                e.tier,
                e.waiting_since,
                e.eta,
                e.eta_revisions,
                e.needs_purchase,
                e.substitute_offer,
            )
            for e in queue.entries
        ]

    def totals(self, sku: str) -> QueueTotals:
        return self.query(sku_queue, sku).totals

    def line(self, order_id: str, line_id: str = "1") -> OrderLineView:
        view = self.query(order_view, order_id)
        return next(line for line in view.lines if line.line_id == line_id)


@pytest.fixture
def reader(memory_engine: Engine) -> Reader:
    return Reader(memory_engine)


def three_waiting_for_a(engine: Engine) -> None:
    """O1 (3) and O2 (2) standard, then O3 (1) gold, all waiting for A; no supplier known."""
    apply(
        engine,
        m.sku_configured("cfg", "A"),
        m.order_placed("o1", "O1", [("1", "A", 3)], at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 2)], at=ts(0, 2)),
        m.order_placed("o3", "O3", [("1", "A", 1)], tier="gold", at=ts(0, 3)),
    )


# ------------------------------------------------------------------ order
def test_a_gold_line_is_served_before_standard_lines_that_waited_longer(memory_engine, reader):
    # Given three lines waiting for A under priority-fifo, the gold one placed last
    three_waiting_for_a(memory_engine)
    # Then the gold line is first, the standard ones follow in placed order
    since = as_date(day(0))
    assert reader.rows("A") == [
        (1, "O3", "1", 1, 0, "gold", since, NO_ETA, 0, True, None),
        (2, "O1", "1", 3, 1, "standard", since, NO_ETA, 0, True, None),
        (3, "O2", "1", 2, 4, "standard", since, NO_ETA, 0, True, None),
    ]
    assert reader.totals("A") == QueueTotals(
        sku="A",
        policy="priority-fifo-v1",
        lines=3,
        units_waiting=6,
        oldest_since=since,
        units_covered=0,
        units_needing_purchase=6,
        open_po_units=0,
    )
    assert reader.query(sku_queue, "A").entries[0].customer_id == "cust-O3"


def test_arriving_units_fill_the_head_and_leave_the_rest_of_a_line_waiting(memory_engine, reader):
    # Given O3 (1, gold), O1 (3), O2 (2) waiting for A
    three_waiting_for_a(memory_engine)
    # When 2 units arrive
    apply(memory_engine, m.stock_received("r1", "A", 2, at=ts(1)))
    # Then O3 is served whole, O1 in part, and both left move up
    since = as_date(day(0))
    assert reader.rows("A") == [
        (1, "O1", "1", 2, 0, "standard", since, NO_ETA, 0, True, None),
        (2, "O2", "1", 2, 2, "standard", since, NO_ETA, 0, True, None),
    ]
    o1, o3 = reader.line("O1"), reader.line("O3")
    assert (o1.status, o1.allocated, o1.backordered, o1.position, o1.units_ahead) == (
        "partially_allocated",
        1,
        2,
        1,
        0,
    )
    assert (o3.status, o3.allocated, o3.backordered, o3.position) == ("allocated", 1, 0, None)


def test_switching_to_fifo_puts_the_gold_line_back_in_placed_order(memory_engine, reader):
    # Given the gold line O3 first in A's queue
    three_waiting_for_a(memory_engine)
    assert reader.line("O3").position == 1
    # When A switches to plain fifo
    apply(memory_engine, m.sku_configured("cfg2", "A", policy="fifo-v1", at=ts(1)))
    # Then the queue is in placed order, and the order shows the live place, not the one it was told
    assert [(r[0], r[1]) for r in reader.rows("A")] == [(1, "O1"), (2, "O2"), (3, "O3")]
    assert reader.totals("A").policy == "fifo-v1"
    assert (reader.line("O3").position, reader.line("O3").units_ahead) == (3, 5)


def test_units_taken_back_by_a_count_wait_again_last_in_policy_order_first(memory_engine, reader):
    # Given 5 of B allocated: 3 to O1, then 2 to O2
    apply(
        memory_engine,
        m.stock_received("r1", "B", 5),
        m.order_placed("o1", "O1", [("1", "B", 3)], at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "B", 2)], at=ts(0, 2)),
    )
    assert reader.rows("B") == []
    # When a count on day 1 finds only 2
    apply(memory_engine, m.stock_adjusted("count", "B", 2, at=ts(1)))
    # Then O2's 2 and 1 of O1's are taken back and wait, in policy order, since the count;
    # their first promise as waiting lines (none: no supplier) is a revision of the order line
    since = as_date(day(1))
    assert reader.rows("B") == [
        (1, "O1", "1", 1, 0, "standard", since, NO_ETA, 1, True, None),
        (2, "O2", "1", 2, 1, "standard", since, NO_ETA, 1, True, None),
    ]
    assert (reader.line("O1").status, reader.line("O1").allocated) == ("partially_allocated", 2)
    assert (reader.line("O2").status, reader.line("O2").position) == ("backordered", 2)


# ----------------------------------------------------------------- promises
def test_each_eta_revision_is_counted_and_open_po_cover_is_totalled(memory_engine, reader):
    # Given a line promised from PO-1 (due day 5, day 7 with the default lateness)
    apply(
        memory_engine,
        m.supplier_registered("s1", "S1", ["A"]),
        m.po_placed("p1", "PO-1", [("A", 10)], expected=day(5)),
        m.order_placed("o1", "O1", [("1", "A", 4)], at=ts(0, 1)),
    )
    assert reader.rows("A") == [
        (1, "O1", "1", 4, 0, "standard", as_date(day(0)), as_date(day(7)), 0, False, None)
    ]
    # When the PO slips twice
    apply(
        memory_engine,
        m.po_delayed("d1", "PO-1", day(12), at=ts(1)),
        m.po_delayed("d2", "PO-1", day(15), at=ts(2)),
    )
    # Then the row holds the latest promise and two revisions, covered by the 10 on order
    assert reader.rows("A") == [
        (1, "O1", "1", 4, 0, "standard", as_date(day(0)), as_date(day(17)), 2, False, None)
    ]
    totals = reader.totals("A")
    assert (totals.units_covered, totals.units_needing_purchase, totals.open_po_units) == (4, 0, 10)
    # And once 6 of PO-1 arrive, 4 fill the line and 4 stay on order
    apply(memory_engine, m.stock_received("r1", "A", 6, po="PO-1", supplier_id="S1", at=ts(3)))
    assert reader.rows("A") == []
    assert reader.totals("A").open_po_units == 4


def test_a_line_past_its_maximum_wait_leaves_and_the_line_behind_moves_up(memory_engine, reader):
    # Given O1 (waits at most 10 days) and O2 waiting for PO-1, due day 5
    apply(
        memory_engine,
        m.supplier_registered("s1", "S1", ["A"], lead_time_days=30),
        m.po_placed("p1", "PO-1", [("A", 10)], expected=day(5)),
        m.order_placed("o1", "O1", [("1", "A", 3)], max_wait_days=10, at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 2)], at=ts(0, 2)),
    )
    assert [(r[0], r[1], r[4]) for r in reader.rows("A")] == [(1, "O1", 0), (2, "O2", 3)]
    # When PO-1 slips to day 20, past O1's limit
    apply(memory_engine, m.po_delayed("d1", "PO-1", day(20), at=ts(2)))
    # Then O1 is cancelled out of the queue and O2 is first
    assert reader.rows("A") == [
        (1, "O2", "1", 2, 0, "standard", as_date(day(0)), as_date(day(22)), 1, False, None)
    ]
    o1 = reader.line("O1")
    assert (o1.status, o1.cancelled, o1.position, o1.eta) == ("cancelled", 3, None, None)


def test_a_cancelled_line_leaves_the_queue_and_frees_its_place(memory_engine, reader):
    three_waiting_for_a(memory_engine)
    apply(memory_engine, m.order_cancelled("c1", "O1", at=ts(1)))
    assert [(r[0], r[1], r[4]) for r in reader.rows("A")] == [(1, "O3", 0), (2, "O2", 1)]
    assert (reader.line("O1").status, reader.line("O1").cancelled) == ("cancelled", 3)


# -------------------------------------------------------------- substitutes
def substitute_offered(engine: Engine) -> None:
    """B has 10 free and substitutes A; O1 (accepts substitutes) waits for 4 of A."""
    apply(
        engine,
        m.sku_configured("cfg-a", "A"),
        m.stock_received("r-b", "B", 10),
        m.substitutes_declared("subs", "A", ["B"]),
        m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)),
    )


def test_an_open_substitute_offer_shows_on_the_waiting_line_until_accepted(memory_engine, reader):
    substitute_offered(memory_engine)
    assert [r[-1] for r in reader.rows("A")] == ["B x4"]
    assert reader.line("O1").status == "substitute_offered"

    apply(memory_engine, m.substitute_accepted("acc", "O1", at=ts(1)))

    assert reader.rows("A") == [] and reader.rows("B") == []
    o1 = reader.line("O1")
    assert (o1.status, o1.allocated, o1.substitute_allocated) == ("allocated", 4, 4)
    assert o1.substitute_offers == ["B x4 accepted"]


def test_a_declined_offer_leaves_the_line_waiting_without_an_offer(memory_engine, reader):
    substitute_offered(memory_engine)
    apply(memory_engine, m.substitute_declined("dec", "O1", at=ts(1)))
    assert [(r[1], r[-1]) for r in reader.rows("A")] == [("O1", None)]
    assert (reader.line("O1").status, reader.line("O1").substitute_offers) == (
        "backordered",
        ["B x4 declined"],
    )


def test_substitute_units_taken_back_wait_for_the_lines_own_sku_not_the_substitute(memory_engine, reader):
    # Given O1 took 4 of B in place of A
    substitute_offered(memory_engine)
    apply(memory_engine, m.substitute_accepted("acc", "O1", at=ts(1)))
    # When a count finds no B
    apply(memory_engine, m.stock_adjusted("count", "B", 0, at=ts(2)))
    # Then the line waits for A again, and nobody waits for B
    assert reader.rows("B") == []
    assert [(r[0], r[1], r[3], r[6]) for r in reader.rows("A")] == [(1, "O1", 4, as_date(day(2)))]
    o1 = reader.line("O1")
    assert (o1.status, o1.allocated, o1.substitute_allocated, o1.position) == ("backordered", 0, 0, 1)


def test_cancelling_a_line_that_holds_substitute_units_gives_them_all_back(memory_engine, reader):
    substitute_offered(memory_engine)
    apply(
        memory_engine, m.substitute_accepted("acc", "O1", at=ts(1)), m.order_cancelled("c1", "O1", at=ts(2))
    )
    o1 = reader.line("O1")
    assert (o1.status, o1.allocated, o1.substitute_allocated, o1.cancelled) == ("cancelled", 0, 0, 4)


def test_shipping_substitute_units_counts_them_shipped_and_no_longer_held(memory_engine, reader):
    substitute_offered(memory_engine)
    apply(
        memory_engine,
        m.substitute_accepted("acc", "O1", at=ts(1)),
        m.order_shipped("s1", "O1", [("1", 3)], at=ts(2)),
    )
    o1 = reader.line("O1")
    assert (o1.status, o1.allocated, o1.substitute_allocated, o1.shipped) == ("partially_shipped", 1, 1, 3)


# ------------------------------------------------------------------ lookups
def test_top_lists_skus_with_the_most_units_waiting_first(memory_engine, reader):
    three_waiting_for_a(memory_engine)
    apply(
        memory_engine,
        m.sku_configured("cfg-b", "B"),
        m.sku_configured("cfg-c", "C"),
        m.stock_received("r-c", "C", 5),
        m.order_placed("o4", "O4", [("1", "B", 2), ("2", "C", 1)], at=ts(1)),
    )
    assert [(t.sku, t.units_waiting, t.lines) for t in reader.query(top_queues, 5)] == [
        ("A", 6, 3),
        ("B", 2, 1),
    ]
    assert [t.sku for t in reader.query(top_queues, 1)] == ["A"]
    assert reader.totals("C").lines == 0


def test_unknown_skus_and_orders_are_none_not_empty(memory_engine, reader):
    three_waiting_for_a(memory_engine)
    assert reader.query(sku_queue, "NOPE") is None
    assert reader.query(order_view, "NOPE") is None


def test_an_order_lists_its_lines_in_placed_order_with_customer_and_tier(memory_engine, reader):
    apply(
        memory_engine,
        m.sku_configured("cfg-a", "A"),
        m.stock_received("r-b", "B", 5),
        m.order_placed("o1", "O1", [("10", "B", 2), ("2", "A", 1)], tier="platinum", customer_id="C-9"),
    )
    view = reader.query(order_view, "O1")
    assert (view.customer_id, view.tier, view.shipping) == ("C-9", "platinum", "partial")
    assert [(line.line_id, line.status, line.position) for line in view.lines] == [
        ("10", "allocated", None),
        ("2", "backordered", 1),
    ]
    assert isinstance(view.lines[1].eta, date | None)
