"""eta-v2: the walk of eta-v1 with each supplier's lateness calibrated from its delivery history."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.eta import ETA_POLICY, ETA_POLICY_V2, eta_planner, plan_etas, plan_etas_v2
from domain.lateness import DelayHistory
from domain.values import InboundLine, Source, SupplierPriority
from tests.unit.test_eta_policy import TODAY, d, entry, source

NO_HISTORY = DelayHistory()


def line(
    po_id: str,
    quantity: int,
    expected_in: int,
    *,
    promised_in: int | None = None,
    history: DelayHistory = NO_HISTORY,
    supplier: str = "S1",
) -> InboundLine:
    return InboundLine(
        po_id=po_id,
        supplier_id=supplier,
        quantity=quantity,
        expected=d(expected_in),
        lateness_days=2,  # eta-v1's figure: eta-v2 does not read it
        promised=d(expected_in if promised_in is None else promised_in),
        history=history,
    )


def test_each_version_is_found_by_its_name():
    assert eta_planner(ETA_POLICY) is plan_etas
    assert eta_planner(ETA_POLICY_V2) is plan_etas_v2


def test_a_po_of_a_supplier_with_no_history_promises_the_priors_five_days_and_says_how_sure():
    plan = plan_etas_v2([entry("A", 2)], 0, 0, [line("PO-1", 5, 10)], [source()], TODAY)
    (change,) = plan.changes
    assert (change.new, change.needs_purchase) == (d(15), False)
    assert (change.supplier_id, change.confidence) == ("S1", 0.915)


def test_a_punctual_history_makes_the_promise_tighter_than_eta_v1s_default():
    punctual = DelayHistory.of([0] * 18 + [1] * 2)
    plan = plan_etas_v2([entry("A", 2)], 0, 0, [line("PO-1", 5, 10, history=punctual)], [source()], TODAY)
    assert plan.changes[0].new == d(11)
    v1 = plan_etas([entry("A", 2)], 0, 0, [line("PO-1", 5, 10)], [source()], TODAY)
    assert v1.changes[0].new == d(12) and v1.changes[0].confidence == 0.9


def test_a_delay_notice_is_counted_from_the_promised_date_given_the_order_is_at_least_that_late():
    # Given PO-1 promised for day 10, moved to day 13 by a notice: at least 3 days late
    plan = plan_etas_v2([entry("A", 2)], 0, 0, [line("PO-1", 5, 13, promised_in=10)], [source()], TODAY)
    # Then it is promised the prior's 0.9 quantile of lateness beyond 3 days: 7 days after day 10
    assert (plan.changes[0].new, plan.changes[0].confidence) == (d(17), 0.907)


def test_an_overdue_po_is_not_promised_for_today():
    # Given PO-1 was promised for 4 days ago and has not come
    plan = plan_etas_v2([entry("A", 2)], 0, 0, [line("PO-1", 5, -4)], [source()], TODAY)
    # Then its promise is the lateness given at least 4 days late: weights from 4 on are 120, 90, 70,
    # 50, 30, 20 (380), 0.9 of it is 342, reached at 9 days (360): day 5, at 360/380
    assert (plan.changes[0].new, plan.changes[0].confidence) == (d(5), 0.947)
    v1 = plan_etas([entry("A", 2)], 0, 0, [line("PO-1", 5, -4)], [source()], TODAY)
    assert v1.changes[0].new == TODAY


def test_a_line_to_buy_for_is_promised_lead_time_plus_the_calibrated_purchase_lateness():
    history = DelayHistory.of([1] * 20)  # every order came a day after the date it was placed with
    best = Source(
        supplier_id="S1",
        lead_time_days=10,
        priority=SupplierPriority.PRIMARY,
        lateness_days=0,
        purchase_history=history,
    )
    plan = plan_etas_v2([entry("A", 2)], 0, 0, [], [best], TODAY)
    (change,) = plan.changes
    assert (change.new, change.needs_purchase, change.supplier_id) == (d(11), True, "S1")
    # 1 day weighs 20260; with -1 and 0 (100 + 900) 21260 of 22000
    assert change.confidence == 0.966


def test_lines_covered_by_an_earlier_arrival_are_served_in_arrival_order():
    late = DelayHistory.of([6] * 20)
    inbound = [line("PO-1", 2, 5, history=late, supplier="S1"), line("PO-2", 2, 8, supplier="S2")]
    sources = [source("S1"), source("S2")]
    plan = plan_etas_v2([entry("A", 2), entry("B", 2)], 0, 0, inbound, sources, TODAY)
    # PO-1 comes on day 11 (day 5 + its 6 days), PO-2 on day 13 (day 8 + the prior's 5): PO-1 first
    assert [(c.order_id, c.new, c.supplier_id) for c in plan.changes] == [
        ("A", d(11), "S1"),
        ("B", d(13), "S2"),
    ]


# ------------------------------------------------------------ properties
histories = st.lists(st.integers(-3, 12), max_size=25).map(DelayHistory.of)
inbound_lines = st.lists(
    st.builds(
        lambda n, qty, expected, promised, h, s: InboundLine(
            po_id=f"PO-{n}",
            supplier_id=s,
            quantity=qty,
            expected=TODAY + timedelta(days=expected),
            lateness_days=2,
            promised=TODAY + timedelta(days=min(expected, promised)),
            history=h,
        ),
        st.integers(0, 10_000),
        st.integers(1, 20),
        st.integers(-10, 30),
        st.integers(-10, 30),
        histories,
        st.sampled_from(["S1", "S2", "S3"]),
    ),
    max_size=5,
    unique_by=lambda i: i.key,
)
sources_ = st.lists(
    st.builds(
        lambda s, lead, h, p: Source(
            supplier_id=s, lead_time_days=lead, priority=p, lateness_days=2, purchase_history=h
        ),
        st.sampled_from(["S1", "S2", "S3"]),
        st.integers(0, 30),
        histories,
        st.sampled_from(list(SupplierPriority)),
    ),
    max_size=3,
    unique_by=lambda s: s.supplier_id,
)
queues = st.lists(
    st.builds(
        lambda q, since, limit: entry(
            f"O{q}", q % 7 + 1, since=TODAY - timedelta(days=since), wait_limit=limit
        ),
        st.integers(0, 10_000),
        st.integers(0, 20),
        st.none() | st.dates(TODAY, TODAY + timedelta(days=60)),
    ),
    max_size=8,
    unique_by=lambda e: e.order_id,
)


@settings(max_examples=200)
@given(queue=queues, inbound=inbound_lines, sources=sources_, seed=st.integers(0, 2**16))
def test_eta_v2_is_a_pure_function_of_what_it_is_given_whatever_order_it_is_given_in(
    queue, inbound, sources, seed
):
    plan = plan_etas_v2(queue, 0, 0, inbound, sources, TODAY)
    shuffled_inbound, shuffled_sources = list(inbound), list(sources)
    random.Random(seed).shuffle(shuffled_inbound)
    random.Random(seed).shuffle(shuffled_sources)
    assert plan_etas_v2(queue, 0, 0, shuffled_inbound, shuffled_sources, TODAY) == plan
    for change in plan.changes:
        assert change.new is None or change.new >= TODAY
        assert change.new is None or 0 < (change.confidence or 0) <= 1
    for expiry in plan.expired:
        assert expiry.wait_limit < expiry.eta


@settings(max_examples=100)
@given(queue=queues, inbound=inbound_lines, sources=sources_)
def test_a_po_covered_promise_is_never_before_the_pos_expected_date(queue, inbound, sources):
    plan = plan_etas_v2(queue, 0, 0, inbound, sources, TODAY)
    soonest: date | None = min((i.expected for i in inbound), default=None)
    for change in plan.changes:
        if change.new is not None and not change.needs_purchase:
            assert soonest is not None and change.new >= soonest
