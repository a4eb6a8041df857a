"""Promises kept, counted from the events: the analytics read model, the report and the demo summary."""

from __future__ import annotations

import pytest

from infra.bootstrap import build_engine
from infra.settings import Settings
from projections.analytics.projection import AnalyticsProjection
from projections.analytics.promises import Share
from projections.analytics.query import read_report
from simulation import DemoOptions, run_demo
from tests import messages as m
from tests.support.read_side import project

pytestmark = pytest.mark.integration

# Given S1 sells A and B in 7 days and has no history yet (eta-v2: 5 days late by its prior)
HISTORY = (
    m.supplier_registered("s1", "S1", ["A", "B"], lead_time_days=7),
    m.stock_received("r0", "B", 5),
    # PO-1 brings 10 A on day 10 (Jan 15): O1 and O2 are promised Jan 20 from it,
    m.po_placed("p1", "PO-1", [("A", 10)], expected=m.day(10)),
    m.order_placed("o1", "O1", [("1", "A", 3)], at=m.ts(0, 1)),
    m.order_placed("o2", "O2", [("1", "A", 3)], at=m.ts(0, 2)),
    # O3 is more than PO-1 covers: bought for, day 0 + 7 + 5 = Jan 17
    m.order_placed("o3", "O3", [("1", "A", 10)], at=m.ts(0, 3)),
    # only 3 A come, on Jan 17: O1 is filled in time; O2 and O3 wait on
    m.stock_received("r1", "A", 3, po="PO-1", supplier_id="S1", at=m.ts(12)),
    # O4 waits from Jan 24 with a promise in February; the last fact is of Jan 25
    m.order_placed("o4", "O4", [("1", "A", 1)], at=m.ts(19)),
    m.order_placed("o5", "O5", [("1", "B", 1)], at=m.ts(20)),
)


@pytest.fixture
def report():
    engine = build_engine(Settings(store="memory"))
    m.apply(engine, *HISTORY)
    runner = project(engine, [AnalyticsProjection()])
    with runner.store.reading() as tx:
        return read_report(tx)


def test_a_line_filled_by_its_date_kept_its_promise_and_lines_still_waiting_past_theirs_did_not(report):
    # O1 kept; O2 (Jan 20) and O3 (Jan 17) still wait on Jan 25; O4's date has not come: not counted
    assert report.promises.first == Share(kept=1, judged=3)
    assert report.promises.first_by_supplier == {"S1": Share(kept=1, judged=3)}


def test_the_latest_promise_is_the_one_held_when_filled_or_now(report):
    # O1 held Jan 20 when filled on Jan 17; O2 and O3 were promised February since: not due yet
    assert report.promises.latest == Share(kept=1, judged=1)


def test_the_calibration_table_puts_each_promise_in_the_bucket_of_its_confidence(report):
    ((label, promised, first, latest),) = report.promises.calibration()
    assert label == "0.90-0.95" and promised == pytest.approx(0.915)
    assert (first, latest) == (Share(kept=1, judged=3), Share(kept=1, judged=1))


def test_the_demo_summary_and_the_report_count_the_same_promises_kept():
    engine = build_engine(Settings(store="memory"))
    summary = run_demo(engine, DemoOptions(seed=5, days=21, skus=8, orders_per_day=20))
    runner = project(engine, [AnalyticsProjection()])
    with runner.store.reading() as tx:
        report = read_report(tx)

    assert summary.promises.first.judged > 30
    assert (summary.promises.first, summary.promises.latest) == (
        report.promises.first,
        report.promises.latest,
    )
    assert summary.promises.first_by_supplier == report.promises.first_by_supplier
    rendered = summary.render()
    assert "Promises kept  first " in rendered
    for supplier, share in summary.promises.first_by_supplier.items():
        assert f"  {supplier:<12} first {100 * (share.rate or 0):.1f}% of {share.judged}" in rendered
