"""Service metrics over small hand-written sets of line outcomes and receipts."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.analytics.lines import LineOutcome
from projections.analytics.report import (
    backorder_rate,
    build,
    demand,
    eta_accuracy,
    fill_rate,
    iso_week,
    p90,
    waits,
)
from projections.analytics.suppliers import Receipt

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday


def line(
    n: int,
    sku: str = "A",
    requested: int = 2,
    allocated: int | None = None,
    day: int = 0,
    wait_days: float | None = None,
    first_eta: int | None = None,
    waiting: int = 0,
) -> LineOutcome:
    allocated = requested if allocated is None else allocated
    at = T0 + timedelta(days=day)
    return LineOutcome(
        order_id=f"o{n}",
        line_id="1",
        sku=sku,
        requested=requested,
        allocated=allocated,
        backordered=requested - allocated,
        requested_at=at,
        filled_at=None if wait_days is None else at + timedelta(days=wait_days),
        first_eta=None if first_eta is None else (T0 + timedelta(days=first_eta)).date(),
        waiting=waiting,
        cancelled_by_customer=False,
        cancelled_automatically=False,
    )


def test_p90_is_the_nearest_rank_value():
    assert p90([5.0, 1.0, 3.0, 2.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0]) == 9.0
    assert p90(range(1, 12)) == 10  # ceil(11 * 0.9) = 10th of 11
    assert p90([4.5]) == 4.5


def test_p90_of_nothing_is_none():
    assert p90([]) is None


def test_fill_rate_counts_lines_fully_allocated_at_order_time_and_backorder_rate_the_others():
    lines = [line(1), line(2), line(3, allocated=1), line(4, allocated=0)]

    assert fill_rate(lines) == 0.5
    assert backorder_rate(lines) == 0.5


def test_rates_of_no_lines_are_none_not_zero():
    assert fill_rate([]) is None and backorder_rate([]) is None


def test_waits_are_days_from_order_to_the_last_fill_of_backordered_lines_only():
    lines = [
        line(1, allocated=0, wait_days=2.5),
        line(2, allocated=1, wait_days=0.5),
        line(3, allocated=0),
        line(4),
    ]

    assert waits(lines) == [0.5, 2.5]


def test_eta_accuracy_judges_filled_lines_by_their_first_promise():
    # on time (filled day 3, promised day 4), on the day (day 5 / day 5), two days late (day 6 / day 4)
    lines = [
        line(1, allocated=0, wait_days=3, first_eta=4),
        line(2, allocated=0, wait_days=5, first_eta=5),
        line(3, allocated=0, wait_days=6, first_eta=4),
        line(4, allocated=0, wait_days=9),  # never promised a date: not judged
        line(5, allocated=0, first_eta=1),  # not filled yet: not judged
    ]

    judged, on_time, slip = eta_accuracy(lines)

    assert judged == 3
    assert on_time == pytest.approx(2 / 3)
    assert slip == pytest.approx(2 / 3)


def test_demand_adds_units_per_sku_per_day_and_per_iso_week():
    lines = [line(1, "A", 2, day=0), line(2, "A", 3, day=0), line(3, "A", 1, day=7), line(4, "B", 4, day=6)]

    by_day, by_week = demand(lines)

    assert by_day == {"A": {date(2026, 1, 5): 5, date(2026, 1, 12): 1}, "B": {date(2026, 1, 11): 4}}
    assert by_week == {"A": {"2026-W02": 5, "2026-W03": 1}, "B": {"2026-W02": 4}}


def test_iso_weeks_cross_the_new_year_the_iso_way():
    assert iso_week(date(2026, 1, 1)) == "2026-W01"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


def test_a_report_counts_only_lines_ordered_in_its_range_but_waiting_units_whenever_ordered():
    lines = [line(1, day=0), line(2, allocated=0, day=1, wait_days=2), line(3, allocated=1, day=5, waiting=1)]

    report = build(lines, {"A": 1}, [], {}, start=date(2026, 1, 6), end=date(2026, 1, 9))

    assert (report.lines, report.units, report.backordered_lines, report.backordered_units) == (1, 2, 1, 2)
    assert report.fill_rate == 0.0 and report.waits == [2.0]
    assert report.still_waiting_lines == 0
    assert report.top_waiting == [("A", 1)]


def test_an_empty_range_reports_counts_of_zero_and_no_rates():
    report = build([line(1)], {}, [], {}, start=date(2027, 1, 1), end=date(2027, 1, 31))

    assert report.lines == 0
    assert report.fill_rate is None and report.wait_mean_days is None and report.wait_p90_days is None
    assert report.eta_on_time is None and report.supplier_on_time is None
    assert report.skus == [] and report.suppliers == []


def test_supplier_figures_count_early_and_late_receipts_in_the_mean_delay():
    receipts = [
        Receipt("k1", "P1", date(2026, 1, 10), date(2026, 1, 8)),  # 2 days early
        Receipt("k1", "P2", date(2026, 1, 10), date(2026, 1, 15)),  # 5 days late
        Receipt("k2", "P3", date(2026, 1, 10), date(2026, 1, 10)),  # on the day
        Receipt("k2", "P4", date(2026, 1, 10), date(2026, 2, 20)),  # received after the range
    ]
    names = {"k1": ("S1", "One"), "k2": ("S2", "Two")}

    report = build([], {}, receipts, names, end=date(2026, 1, 31))

    s1, s2 = report.suppliers
    assert (s1.supplier_id, s1.name, s1.receipts, s1.on_time, s1.mean_delay_days) == ("S1", "One", 2, 1, 1.5)
    assert (s2.supplier_id, s2.receipts, s2.on_time, s2.on_time_rate) == ("S2", 1, 1, 1.0)
    assert report.supplier_on_time == pytest.approx(2 / 3)
    assert report.supplier_mean_delay_days == 1.0


def test_top_waiting_skus_are_the_most_units_first_then_by_name():
    report = build([], {"B": 3, "A": 3, "C": 9, "D": 1}, [], {}, top=3)

    assert report.top_waiting == [("C", 9), ("A", 3), ("B", 3)]


# ------------------------------------------------------------ promises kept
def test_a_promise_is_kept_by_a_fill_on_its_day_broken_by_a_wait_past_it_and_pending_before():
    from projections.analytics.promises import Promise, judge

    promised = [Promise(3, date(2026, 1, 10), "S1", 0.9), Promise(7, date(2026, 1, 14), "S2", 0.95)]
    # filled on the first date: the first promise kept; the second was made before the fill, kept too
    first, latest = judge(promised, date(2026, 1, 10), None, None, date(2026, 2, 1))
    assert (first.kept, first.supplier_id, latest.kept, latest.supplier_id) == (True, "S1", True, "S2")
    # still waiting on Jan 12: the first date passed, the latest has not come yet
    first, latest = judge(promised, None, None, None, date(2026, 1, 12))
    assert (first.kept, latest) == (False, None)
    # cancelled on Jan 9, before either date: neither was put to the test
    assert judge(promised, None, None, date(2026, 1, 9), date(2026, 2, 1)) == (None, None)
    # a promise made after the fill is not the line's: the latest is the one held then
    _, latest = judge(promised, date(2026, 1, 12), 7, None, date(2026, 2, 1))
    assert (latest.kept, latest.supplier_id) == (False, "S1")


def test_promises_are_tallied_per_supplier_and_by_confidence_bucket():
    from projections.analytics.promises import UNKNOWN, Judged, PromiseTally, Share, bucket

    judged = [
        (Judged("S1", 0.91, True), Judged("S1", 0.91, True)),
        (Judged("S1", 0.97, False), None),
        (Judged(UNKNOWN, None, True), Judged(UNKNOWN, None, False)),
    ]
    t = PromiseTally()
    for first, latest in judged:
        t.add(first, latest)
    assert (t.first, t.latest) == (Share(2, 3), Share(1, 2))
    assert t.first_by_supplier == {"S1": Share(1, 2), UNKNOWN: Share(1, 1)}
    assert [(label, first) for label, _, first, _ in t.calibration()] == [
        ("0.90-0.95", Share(1, 1)),
        ("0.95-0.99", Share(0, 1)),
        (UNKNOWN, Share(1, 1)),
    ]
    assert (bucket(0.79), bucket(0.8), bucket(0.99), bucket(None)) == (
        "< 0.80",
        "0.80-0.90",
        ">= 0.99",
        UNKNOWN,
    )


def test_runs_pooled_count_every_promise_once_and_state_the_mean_confidence_of_those_that_state_one():
    from projections.analytics.promises import UNKNOWN, Judged, PromiseTally, Share, pooled

    one, two = PromiseTally(), PromiseTally()
    one.add(Judged("S1", 0.86, True), Judged("S1", 0.86, True))
    one.add(Judged(UNKNOWN, None, False), None)  # states no confidence: counted, not in the mean
    two.add(Judged("S1", 0.97, False), Judged("S1", 0.97, False))
    two.add(Judged("S2", 0.91, True), None)
    total = pooled([one, two])
    assert (total.first, total.latest) == (Share(2, 4), Share(1, 2))
    assert total.first_by_supplier == {"S1": Share(1, 2), "S2": Share(1, 1), UNKNOWN: Share(0, 1)}
    assert total.first_confidence == (0.86 + 0.97 + 0.91) / 3
    assert [(label, first) for label, _, first, _ in total.calibration()] == [
        ("0.80-0.90", Share(1, 1)),
        ("0.90-0.95", Share(1, 1)),
        ("0.95-0.99", Share(0, 1)),
        (UNKNOWN, Share(0, 1)),
    ]
    assert PromiseTally().first_confidence is None


def test_first_promises_are_counted_per_supplier_by_the_date_promised():
    from projections.analytics.promises import Judged, PromiseTally, pooled

    t = PromiseTally()
    for eta, kept in ((date(2026, 3, 2), True), (date(2026, 3, 2), False), (date(2026, 3, 5), True)):
        t.add(Judged("S1", 0.9, kept, eta), None)
    t.add(Judged("S2", None, True, None), None)  # no date: not grouped
    assert t.first_dates == {"S1": {date(2026, 3, 2): 2, date(2026, 3, 5): 1}}
    assert pooled([t]).first_dates == {}  # one run's dates: not merged across runs


def test_calibrated_groups_land_within_the_band_only_as_often_as_their_sizes_allow():
    from projections.analytics.promises import within_chance

    # 30 lines on 3 dates of 10, each date kept with probability 0.9: 30 kept (0.729) is 100%,
    # 20 kept (3 x 0.081) is 66.7%; neither is within 85-95%
    assert within_chance([10, 10, 10]) == 0.0
    # 30 dates of one line: 26, 27 or 28 kept (86.7-93.3%), the binomial's middle
    assert within_chance([1] * 30) == pytest.approx(
        sum(math.comb(30, k) * 0.9**k * 0.1 ** (30 - k) for k in (26, 27, 28))
    )
    # one date of 19 lines and one of one: only the 19 kept and the one broken (95%) is within
    assert within_chance([19, 1]) == pytest.approx(0.9 * 0.1)
    assert within_chance([]) == 0.0


@settings(max_examples=100)
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=8),
    rate=st.sampled_from([0.5, 0.8, 0.9]),
    band=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_the_chance_a_calibrated_share_lands_within_is_that_of_every_outcome_of_the_groups(sizes, rate, band):
    from projections.analytics.promises import within_chance

    total, chance = sum(sizes), 0.0
    for kept in itertools.product([True, False], repeat=len(sizes)):
        lines = sum(size for size, k in zip(sizes, kept, strict=True) if k)
        if (rate - band) * total - 1e-9 <= lines <= (rate + band) * total + 1e-9:
            chance += math.prod(rate if k else 1 - rate for k in kept)
    assert within_chance(sizes, rate, band) == pytest.approx(chance)
