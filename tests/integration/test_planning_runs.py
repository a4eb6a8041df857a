"""Planning runs over a real event store: pure functions of the history before their as-of, replayed."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.planning_run import CHUNK, PlanningRun, SkuPlan
from domain.stock import stock_id
from services.inbox import applied_id
from services.outcomes import Status
from services.planning.apply import apply_run, opted_in
from services.planning.methods import RUN_METHODS, library_versions
from services.planning.runs import PlanSettings, get_run, plan, read_history, replay_run, start_run
from tests import messages as m
from tests.conftest import make_engine

pytestmark = pytest.mark.integration

SKUS = ("A", "B")
Order = tuple[int, str, int]  # day after BASE, SKU, units


def world(orders: list[Order]) -> list[dict]:
    """Supplier S1 (A: 5 days, B: 3 days) and one PO of A delivered 2 days late, then the orders."""
    found = [
        m.supplier_registered("sup", "S1", [m.terms("A", 5), m.terms("B", 3)], at=m.ts(0)),
        m.po_placed("po", "PO-1", [("A", 10)], expected=m.day(3), at=m.ts(0)),
        m.stock_received("rcv", "A", 10, at=m.ts(5), po="PO-1", supplier_id="S1"),
    ]
    return found + placed(orders)


def placed(orders: list[Order], prefix: str = "") -> list[dict]:
    return [
        m.order_placed(f"{prefix}o{n}", f"{prefix}O-{n}", [("1", sku, units)], at=m.ts(day, hours=n % 8))
        for n, (day, sku, units) in enumerate(orders)
    ]


def engine_with(messages: list[dict]):
    engine = make_engine("memory")
    m.apply(engine, *messages)
    return engine


ORDERS = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(SKUS), st.integers(1, 20)), min_size=1, max_size=40
)
FEW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(orders=ORDERS, cut=st.integers(6, 40))
def test_a_run_is_a_pure_function_of_the_history_before_its_as_of(orders, cut):
    # Given a store with orders on both sides of an as-of day, and one with only those up to it
    as_of = (m.BASE + timedelta(days=cut)).date()
    before = sorted(o for o in orders if o[0] <= cut)
    full, trimmed = engine_with(world(sorted(orders))), engine_with(world(before))

    # When each plans as of that day
    seen_full, seen_trimmed = read_history(full, as_of), read_history(trimmed, as_of)

    # Then what they read and what they recommend are the same
    assert seen_full.fingerprint() == seen_trimmed.fingerprint()
    assert plan(seen_full, PlanSettings()) == plan(seen_trimmed, PlanSettings())


@FEW
@given(orders=ORDERS, late=ORDERS)
def test_a_recorded_run_replays_to_a_match_even_after_more_orders_came(orders, late):
    # Given a recorded run
    engine = engine_with(world(sorted(orders)))
    run = start_run(engine, None, PlanSettings(horizon_days=14))

    # When orders come afterwards (some dated before its as-of, arriving late)
    m.apply(engine, *placed(sorted(late), prefix="late-"))

    # Then recomputing it from the log up to where it read gives the same run
    replayed = replay_run(engine, get_run(engine, run.id))
    assert replayed.matches, replayed.differences


def test_a_run_reads_the_suppliers_lead_time_and_observed_lateness():
    engine = engine_with(world([(d, "A", 4) for d in range(30)]))
    run = start_run(engine, None, PlanSettings())

    a, b = run.plans["A"], run.plans["B"]
    assert (a.supplier_id, a.lead_time_days, a.lateness_mean, a.deliveries) == ("S1", 5, 2.0, 1)
    # lateness is the supplier's, whatever SKU its deliveries carried
    assert (b.lead_time_days, b.lateness_mean, b.deliveries, b.demand_class) == (3, 2.0, 1, "no-demand")
    assert a.demand_class == "smooth" and a.forecast[0] == pytest.approx(4.0, abs=0.01)
    # Lead time 5 + 2 late = 7 days of 4 a day: 28. No forecast error, but one delivery says nothing
    # of lateness's spread: the prior's day, so safety 1.6449 * sqrt(7 * 0 + 4² * 1²) = 6.58 -> 7;
    # reorder point ceil(28 + 6.58) = 35, order-up-to 35 + a week's 28 = 63
    assert (a.safety_stock, a.reorder_point, a.order_up_to) == (7, 35, 63)
    assert (b.reorder_point, b.order_up_to) == (0, 0)


def test_a_run_keeps_its_settings_inputs_and_versions():
    engine = engine_with(world([(d, "A", 3) for d in range(20)]))
    run = start_run(engine, None, PlanSettings(horizon_days=21, service_levels={"default": 0.9}))

    stored = get_run(engine, run.id)
    assert stored.as_of == (m.BASE + timedelta(days=19)).date()
    assert (stored.horizon_days, stored.service_levels) == (21, {"default": 0.9})
    assert stored.versions["policy"] == "planning-v2" and stored.versions["statsforecast"]
    assert stored.inputs_fingerprint == read_history(engine, stored.as_of).fingerprint()
    assert stored.methods["intermittent"] == "CrostonSBA" and len(stored.plans["A"].forecast) == 21


def test_applying_a_run_sends_sku_configured_messages_recorded_with_who_applied_them():
    engine = engine_with(world([(d, "A", 4) for d in range(30)]))
    run = start_run(engine, None, PlanSettings())
    plans = [run.plans["A"]]

    applied = apply_run(engine, run, plans, {}, None, "cli:buyer")

    assert [a.outcome.status.value for a in applied] == ["applied"]
    stock = engine.repository.get(stock_id("A"))
    assert (stock.reorder_point, stock.safety_stock) == (35, 7)
    assert stock.order_up_to == plans[0].order_up_to and stock.order_up_to > 35  # buys ahead (replenish-v2)
    assert stock.replenish_policy == "replenish-v2"
    entry = engine.repository.get(applied_id(f"plan:{run.id}:A"))
    assert entry.by == "cli:buyer"
    # Applied again: nothing to send, the SKU is configured so already
    configured = {"A": (35, 7, stock.order_up_to)}
    assert apply_run(engine, run, plans, configured, None, "cli:buyer")[0].outcome is None


def test_skus_opt_in_to_automatic_apply_by_name_or_all():
    engine = engine_with(world([(d, "A", 4) for d in range(30)]))
    run = start_run(engine, None, PlanSettings())
    assert opted_in(run, None) == [] and opted_in(run, " ") == []
    assert opted_in(run, "all") == ["A", "B"]
    assert opted_in(run, "B, C") == ["B"]


def test_a_large_run_is_recorded_in_chunks_and_read_back_whole():
    engine = make_engine("memory")
    plans = [
        SkuPlan(
            sku=f"S{n:05}", demand_class="smooth", adi=1.0, cv2=0.1, history_days=10, method="SeasonalES",
            forecast=[1.0], p90=[2.0], demand_sd=0.5, supplier_id=None, lead_time_days=None,
            lateness_mean=None, lateness_sd=None, deliveries=0, service_level=0.95,
            safety_stock=None, reorder_point=None, order_up_to=None,
        )
        for n in range(2 * CHUNK + 1)
    ]  # fmt: skip
    run = PlanningRun.record(uuid4(), plans, as_of=m.BASE.date(), horizon_days=1, review_days=7,
                             service_levels={}, log_position=0, inputs_fingerprint="f", methods={},
                             versions={})  # fmt: skip
    assert len(run.collect_events()) == 4  # started, then three chunks
    engine.save(run)
    assert get_run(engine, run.id).plans == {p.sku: p for p in plans}


def test_a_run_recorded_in_each_store_replays_to_a_match(store):
    m.apply(store, *world([(d, sku, 2 + d % 5) for d in range(21) for sku in SKUS]))
    run = start_run(store, None, PlanSettings(horizon_days=14))

    replayed = replay_run(store, get_run(store, run.id))

    assert replayed.matches and len(replayed.run.plans) == 2


def test_a_run_computed_otherwise_now_replays_to_a_diff_naming_each_sku_and_figure(monkeypatch):
    # Given a run recorded while smooth demand was forecast by seasonal exponential smoothing
    engine = engine_with(world([(d, "A", 3 + d % 7) for d in range(28)]))
    run = start_run(engine, None, PlanSettings(horizon_days=14))
    assert run.plans["A"].method == "SeasonalES"

    # When the method for smooth demand has changed since
    monkeypatch.setitem(RUN_METHODS, "smooth", "CrostonSBA")
    replayed = replay_run(engine, get_run(engine, run.id))

    # Then the replay says what differs, SKU by SKU
    assert not replayed.matches
    changed = {(d.sku, d.field) for d in replayed.differences}
    assert {("A", "method"), ("A", "forecast")} <= changed
    assert all(d.sku == "A" for d in replayed.differences)


def test_a_recorded_run_is_not_published_and_does_not_hold_the_feed_back():
    from projections.feeds import LOG_FEED, LogFeed

    engine = engine_with(world([(d, "A", 4) for d in range(10)]))
    start_run(engine, None, PlanSettings(horizon_days=7))
    last = engine.recorder.max_notification_id()

    batch = LogFeed(engine.recorder, engine.mapper).poll(10_000)

    assert batch.advance == {LOG_FEED: last + 1}
    assert not any(e.event_type.startswith("PlanningRun") for e in batch.events)


def test_a_burst_of_orders_lifts_a_planning_v1_run_and_not_a_planning_v2_run_and_both_replay():
    # Given four weeks of 4 a day of A, with a three-day burst of 20 a day in the middle, the
    # burst's orders arriving last (out of order), a day's order sent twice and an absurd one refused
    burst = {10, 11, 12}
    orders = [(d, "A", 20 if d in burst else 4) for d in range(28)]
    messages = placed(orders)
    late = [message for n, message in enumerate(messages) if orders[n][0] in burst]
    engine = engine_with(world([]) + [message for message in messages if message not in late] + late)
    assert engine.handle_raw(messages[3]).status is Status.DUPLICATE
    absurd = m.order_placed("absurd", "O-absurd", [("1", "A", 10**9 + 1)], at=m.ts(11))
    assert engine.handle_raw(absurd).status is Status.REJECTED
    history, settings = read_history(engine, None), PlanSettings(horizon_days=14)

    # When it is planned with outliers cut (planning-v2, what runs use now) and as before (planning-v1)
    run = start_run(engine, None, settings)
    old = PlanningRun.record(
        uuid4(),
        plan(history, settings, "planning-v1"),
        as_of=history.as_of,
        horizon_days=14,
        review_days=settings.review_days,
        service_levels=dict(settings.service_levels),
        log_position=history.log_position,
        inputs_fingerprint=history.fingerprint(),
        methods=dict(RUN_METHODS),
        versions={"policy": "planning-v1", **library_versions()},
    )
    engine.save(old)

    # Then the new run says what it cut: sizes 25 x 4 and 3 x 20, MAD 0, so the mean deviation
    # 48 / 28 sets the spread, 1.2533 x 1.7143 = 2.1485; bound 4 + 3 x 2.1485 = 10.4456, and
    # 3 x (20 - 10.4456) = 28.66 units are cut. Its forecast error, so its safety stock, is
    # not the burst's
    now, before = run.plans["A"], old.plans["A"]
    assert run.versions["policy"] == "planning-v2"
    assert now.outlier_units == pytest.approx(28.663, abs=1e-3) and before.outlier_units == 0
    assert now.demand_sd < before.demand_sd
    assert now.reorder_point is not None and before.reorder_point is not None
    assert now.reorder_point < before.reorder_point
    # And each replays with the policy it was made with
    assert replay_run(engine, get_run(engine, run.id)).matches
    assert replay_run(engine, get_run(engine, old.id)).matches
