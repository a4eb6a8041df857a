"""Service analytics from real messages: hand-worked figures, ranges, and the demo summary agreeing."""

from __future__ import annotations

from datetime import date

import pytest

from projections.analytics.projection import AnalyticsProjection
from projections.analytics.query import read_report
from tests.messages import (
    apply,
    day,
    order_cancelled,
    order_placed,
    po_confirmed,
    po_placed,
    stock_received,
    supplier_registered,
    ts,
)
from tests.support.read_side import project

pytestmark = pytest.mark.integration

# Given S1 supplies A in 7 days; 2 A and 5 B on hand on day 0 (2026-01-05, a Monday)
HISTORY = (
    supplier_registered("s1", "S1", ("A",), lead_time_days=7),
    stock_received("r1", "A", 2),
    stock_received("r2", "B", 5),
    # o1 day 0: 5 A (2 allocated, 3 wait; first promise 2026-01-14) and 1 B (allocated)
    order_placed("o1", "o1", (("1", "A", 5), ("2", "B", 1))),
    # o2 day 1: 1 A waits (first promise 2026-01-15); o5 day 2: 3 A wait, cancelled on day 3
    order_placed("o2", "o2", (("1", "A", 1),), at=ts(1)),
    order_placed("o5", "o5", (("1", "A", 3),), at=ts(2)),
    order_cancelled("c5", "o5", at=ts(3)),
    # a PO for 10 A placed for day 7, confirmed for day 8, received on day 10: o1 and o2 are filled
    po_placed("p1", "P1", (("A", 10),), expected=day(7), at=ts(3)),
    po_confirmed("p2", "P1", expected=day(8), at=ts(4)),
    stock_received("r3", "A", 10, at=ts(10), po="P1", supplier_id="S1"),
    # o6 day 12: 10 A, 6 free are allocated, 4 wait
    order_placed("o6", "o6", (("1", "A", 10),), at=ts(12)),
)


def report_of(engine, start=None, end=None, top=5):
    runner = project(engine, [AnalyticsProjection()])
    with runner.store.reading() as tx:
        return read_report(tx, start, end, top)


def test_the_whole_history_gives_the_hand_worked_figures(memory_engine):
    apply(memory_engine, *HISTORY)

    report = report_of(memory_engine)

    # five lines: only o1's B line was fully allocated when ordered
    assert (report.lines, report.units) == (5, 20)
    assert (report.fill_rate, report.backorder_rate) == (0.2, 0.8)
    assert (report.backordered_lines, report.backordered_units) == (4, 11)
    # o1 waited from day 0 to day 10, o2 from day 1 to day 10; o5 was cancelled, o6 still waits
    assert report.waits == [9.0, 10.0]
    assert (report.wait_mean_days, report.wait_p90_days) == (9.5, 10.0)
    assert (report.filled_after_backorder, report.still_waiting_lines) == (2, 1)
    assert (report.cancelled_by_customer, report.cancelled_automatically) == (1, 0)
    # o1 was first promised 2026-01-14 (a day late), o2 2026-01-15 (on the day)
    assert (report.promised_lines, report.eta_on_time, report.mean_slip_days) == (2, 0.5, 0.5)
    assert report.demand_by_day == {
        "A": {date(2026, 1, 5): 5, date(2026, 1, 6): 1, date(2026, 1, 7): 3, date(2026, 1, 17): 10},
        "B": {date(2026, 1, 5): 1},
    }
    assert report.demand_by_week == {"A": {"2026-W02": 9, "2026-W03": 10}, "B": {"2026-W02": 1}}
    assert [(s.sku, s.lines, s.units, s.backordered_lines) for s in report.skus] == [
        ("A", 4, 19, 4),
        ("B", 1, 1, 0),
    ]
    assert report.top_waiting == [("A", 4)]
    # received on day 10 against the confirmed day 8: two days late
    (s1,) = report.suppliers
    assert (s1.supplier_id, s1.name, s1.receipts, s1.on_time, s1.mean_delay_days) == (
        "S1",
        "Supplier S1",
        1,
        0,
        2.0,
    )


def test_a_range_counts_the_lines_ordered_in_it_with_their_later_outcome(memory_engine):
    apply(memory_engine, *HISTORY)

    report = report_of(memory_engine, date(2026, 1, 6), date(2026, 1, 8))

    # o2 (filled on day 10, after the range) and o5 (cancelled)
    assert (report.lines, report.backordered_lines, report.waits) == (2, 2, [9.0])
    assert report.cancelled_by_customer == 1
    assert report.suppliers == []  # the receipt (day 10) is outside the range
    assert report.top_waiting == [("A", 4)]  # units waiting are always "now"


def test_the_report_agrees_with_the_demo_summary_where_their_definitions_coincide(memory_engine):
    from simulation import DemoOptions, run_demo

    summary = run_demo(memory_engine, DemoOptions(days=16, skus=8, orders_per_day=14))

    report = report_of(memory_engine, top=len(summary.top_backordered))

    assert (report.lines, report.units) == (summary.lines, summary.units)
    assert report.fill_rate == summary.lines_filled_at_order / summary.lines
    assert (report.backordered_lines, report.backordered_units) == (
        summary.backordered_lines,
        summary.backordered_units,
    )
    assert report.filled_after_backorder == summary.filled_after_backorder
    assert report.still_waiting_lines == summary.still_waiting_lines
    assert report.wait_mean_days == pytest.approx(summary.wait_mean_days)
    assert report.wait_p90_days == pytest.approx(summary.wait_p90_days)
    assert report.eta_on_time == pytest.approx(summary.first_eta_kept)
    assert report.mean_slip_days == pytest.approx(summary.mean_slip_days)
    assert report.cancelled_by_customer == summary.customer_cancelled_lines
    assert report.cancelled_automatically == summary.automatic_cancelled_lines
    by_units = sorted(report.skus, key=lambda s: (-s.backordered_units, s.sku))
    assert [
        (s.sku, s.backordered_units, s.backordered_lines) for s in by_units[: len(summary.top_backordered)]
    ] == [tuple(t) for t in summary.top_backordered]
    # the Supplier counts one delay per PO's first receipt, as the report does
    assert {(s.supplier_id, s.receipts) for s in report.suppliers} == {
        (supplier_id, deliveries) for supplier_id, _, deliveries, _ in summary.suppliers if deliveries
    }
    assert (
        summary.filled_after_backorder > 10 and summary.customer_cancelled_lines > 0
    )  # the demo exercised them
