"""eta-v6: eta-v3's walk with dates nearest the target confidence, and nothing not come promised for today."""

from __future__ import annotations

import random

from hypothesis import given, settings

from domain.eta import (
    ETA_POLICY_V3,
    ETA_POLICY_V6,
    FAILOVER_ETAS,
    WHOLE_QUEUE,
    eta_planner,
    plan_etas_v3,
    plan_etas_v6,
)
from domain.lateness import DelayHistory
from domain.stock import Stock
from domain.values import LineRequest, Tier
from tests.support.replayed import replayed
from tests.unit.test_eta_policy import TODAY, d, entry
from tests.unit.test_eta_v2_policy import inbound_lines, line, queues, sources_
from tests.unit.test_failover import T0, backup, cause, po, primary

PUNCTUAL = DelayHistory.of([0] * 18 + [1] * 2)  # day 0 kept 0.864 of the time, day 1 0.966
ALWAYS_ON_TIME = DelayHistory.of([0] * 40)


def test_eta_v6_is_found_by_its_name_and_fails_over_walking_the_whole_queue_as_eta_v3():
    assert eta_planner(ETA_POLICY_V6) is plan_etas_v6
    assert {ETA_POLICY_V3, ETA_POLICY_V6} <= FAILOVER_ETAS
    assert ETA_POLICY_V6 in WHOLE_QUEUE


def test_a_punctual_supplier_is_promised_the_day_nearest_nine_in_ten_not_the_first_past_it():
    inbound = [line("PO-1", 5, 10, history=PUNCTUAL)]
    (v3,) = plan_etas_v3([entry("A", 2)], 0, 0, inbound, [], TODAY).changes
    (v6,) = plan_etas_v6([entry("A", 2)], 0, 0, inbound, [], TODAY).changes
    assert (v3.new, v3.confidence) == (d(11), 0.966)
    assert (v6.new, v6.confidence) == (d(10), 0.864)


def test_a_po_due_today_that_has_not_come_is_promised_for_tomorrow_at_the_same_confidence():
    # Always on time, due today: eta-v3 promises today, which only a delivery later today keeps
    inbound = [line("PO-1", 5, 0, history=ALWAYS_ON_TIME)]
    (v3,) = plan_etas_v3([entry("A", 2)], 0, 0, inbound, [], TODAY).changes
    (v6,) = plan_etas_v6([entry("A", 2)], 0, 0, inbound, [], TODAY).changes
    assert v3.new == TODAY
    assert (v6.new, v6.confidence) == (d(1), v3.confidence)


def test_an_overdue_po_is_promised_the_nearest_day_of_the_lateness_given_how_late_it_is_known_to_be():
    # Promised 4 days ago and not come: weights from 4 days on are 120, 90, 70, 50 (7), 30 (9) and
    # 20 (12), 380 in all; 7 days is kept 330/380 (0.868), 9 days 360/380 (0.947): 7 is nearer 0.9
    inbound = [line("PO-1", 5, -4)]
    (v3,) = plan_etas_v3([entry("A", 2)], 0, 0, inbound, [], TODAY).changes
    (v6,) = plan_etas_v6([entry("A", 2)], 0, 0, inbound, [], TODAY).changes
    assert (v3.new, v3.confidence) == (d(5), 0.947)
    assert (v6.new, v6.confidence) == (d(3), 0.868)


def test_a_line_to_buy_for_from_a_source_with_no_lead_time_is_not_promised_for_today():
    same_day = primary(None, lead=0).model_copy(update={"purchase_history": ALWAYS_ON_TIME})
    (v3,) = plan_etas_v3([entry("A", 2)], 0, 0, [], [same_day], TODAY).changes
    (v6,) = plan_etas_v6([entry("A", 2)], 0, 0, [], [same_day], TODAY).changes
    assert (v3.new, v6.new) == (TODAY, d(1))
    assert v6.needs_purchase and v6.supplier_id == "S1"


def test_a_line_on_a_po_past_its_suppliers_threshold_is_moved_to_the_backup_as_under_eta_v3():
    queue = [entry("A", 2)]
    plan = plan_etas_v6(queue, 0, 0, [po(5, 20, 10)], [primary(), backup()], TODAY)
    (moved,) = plan.failover
    assert (moved.po_id, moved.late_days, moved.backup_id) == ("PO-1", 10, "B1")
    assert plan.changes[0].failover == "B1"


@settings(max_examples=200)
@given(queue=queues, inbound=inbound_lines, sources=sources_)
def test_eta_v6_never_promises_today_and_is_a_pure_function_of_what_it_is_given(queue, inbound, sources):
    plan = plan_etas_v6(queue, 0, 0, inbound, sources, TODAY)
    shuffled_inbound, shuffled_sources = list(inbound), list(sources)
    random.Random(len(queue)).shuffle(shuffled_inbound)
    random.Random(len(inbound)).shuffle(shuffled_sources)
    assert plan_etas_v6(queue, 0, 0, shuffled_inbound, shuffled_sources, TODAY) == plan
    for change in plan.changes:
        assert change.new is None or change.new > TODAY
        assert change.new is None or 0 <= (change.confidence or 0) <= 1
    for expiry in plan.expired:
        assert expiry.wait_limit < expiry.eta


def test_under_purchase_order_churn_no_promise_is_for_the_day_it_is_made_and_every_one_replays():
    """A long queue on a Stock promising with eta-v6 while its POs slip, are re-sent unchanged,
    cancelled and partly received, with a line far beyond any supply."""
    stock = Stock(sku="A", policy="priority-fifo-v1", eta_policy=ETA_POLICY_V6)
    stock.set_source(primary(threshold=None, lead=5), cause("s1"))
    stock.set_source(backup(lead=3), cause("b1"))
    on_time = {"history": ALWAYS_ON_TIME}
    due_today = po(30, 0, 0, "PO-1").model_copy(update=on_time)
    rng = random.Random(16)
    made: list[tuple[int, list[object]]] = []  # (day of the step, the events it recorded)

    def step(day: int, act) -> None:
        act()
        made.append((day, stock.collect_events()))

    step(0, lambda: stock.schedule_inbound(due_today, cause("po-1")))
    for n in range(60):  # three days of orders, 1-4 units each, one absurdly large
        day, quantity = n // 20, 10_000 if n == 37 else rng.randint(1, 4)
        request = LineRequest(
            order_id=f"o{n}", line_id="1", quantity=quantity, tier=Tier.STANDARD, placed_at=T0
        )
        step(day, lambda r=request, day=day, n=n: stock.request(r, cause(f"o{n}", day)))
        if n == 5:  # the upstream re-sends PO-1 as it was
            step(0, lambda: stock.schedule_inbound(due_today, cause("po-1-again")))
            assert made[-1][1] == []
        if n == 20:  # PO-1 has not come: delayed to day 4; PO-2 is due the same day
            slipped = po(30, 4, 0, "PO-1").model_copy(update=on_time)
            step(1, lambda s=slipped: stock.schedule_inbound(s, cause("po-1-late", 1)))
            due = po(25, 1, 1, "PO-2").model_copy(update=on_time)
            step(1, lambda s=due: stock.schedule_inbound(s, cause("po-2", 1)))
        if n == 45:  # PO-2 is cancelled; 12 units of PO-1 arrive early
            step(2, lambda: stock.cancel_inbound("S1", "PO-2", cause("po-2-off", 2)))
            step(2, lambda: stock.receive("main", 12, ("S1", "PO-1"), cause("part", 2)))

    revised = [(day, e) for day, events in made for e in events if type(e).__name__ == "EtasRevised"]
    assert len(revised) > 10
    for day, event in revised:
        for change in event.plan.changes:
            assert change.new is None or change.new > d(day), (day, change)
    recomputed = replayed([e for _, events in made for e in events], "EtasRevised")
    assert len(recomputed) == len(revised)
    assert all(recorded == again for recorded, again in recomputed)
