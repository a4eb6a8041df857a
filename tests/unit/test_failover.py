"""eta-v3's failover: lines whose supply slips are promised from the backup, which the Stock suggests buying."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.eta import ETA_POLICY_V3, ETA_POLICY_V6, eta_planner, plan_etas_v2, plan_etas_v3
from domain.failover import moved_lines, next_failover
from domain.stock import Stock
from domain.values import Cause, InboundLine, LineRequest, Source, SupplierPriority, Tier
from tests.support.replayed import replayed
from tests.unit.test_eta_policy import TODAY, d, entry

T0 = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=10)


def primary(threshold: int | None = 3, lead: int = 10) -> Source:
    return Source(
        supplier_id="S1",
        lead_time_days=lead,
        priority=SupplierPriority.PRIMARY,
        lateness_days=0,
        failover_after_days=threshold,
    )


def backup(lead: int = 2, multiple: int = 1) -> Source:
    """B1, the backup: its minimum one case of `multiple`."""
    return primary(None, lead).model_copy(
        update={
            "supplier_id": "B1",
            "priority": SupplierPriority.BACKUP,
            "order_multiple": multiple,
            "minimum_order_quantity": multiple,
        }
    )


def po(quantity: int, expected_in: int, promised_in: int, po_id: str = "PO-1") -> InboundLine:
    return InboundLine(
        po_id=po_id,
        supplier_id="S1",
        quantity=quantity,
        expected=d(expected_in),
        lateness_days=0,
        promised=d(promised_in),
    )


def bought_from(source: Source, since_in: int = 0) -> date:
    """What buying from `source` today promises (eta-v2's needs-purchase promise): the oracle."""
    plan = plan_etas_v2([entry("X", 1, since=d(since_in))], 0, 0, [], [source], TODAY)
    promised = plan.changes[0].new
    assert promised is not None
    return promised


def test_eta_v3_is_found_by_its_name():
    assert eta_planner(ETA_POLICY_V3) is plan_etas_v3


def test_a_line_on_a_po_later_than_its_suppliers_threshold_is_promised_from_the_backup():
    # PO-1 was promised for day 10 and is now expected on day 20: ten days late, S1's threshold is 3
    queue = [entry("A", 2)]
    plan = plan_etas_v3(queue, 0, 0, [po(5, 20, 10)], [primary(), backup()], TODAY)
    (change,) = plan.changes
    assert (change.new, change.needs_purchase, change.failover, change.supplier_id) == (
        bought_from(backup()),
        True,
        "B1",
        "B1",
    )
    (moved,) = plan.failover
    assert (moved.po_id, moved.late_days, moved.backup_id) == ("PO-1", 10, "B1")
    assert moved.eta > moved.backup_eta
    # eta-v2 keeps the line on the late PO
    assert (
        plan_etas_v2(queue, 0, 0, [po(5, 20, 10)], [primary(), backup()], TODAY).changes[0].failover is None
    )


def test_a_po_within_the_threshold_keeps_its_lines():
    plan = plan_etas_v3([entry("A", 2)], 0, 0, [po(5, 12, 10)], [primary(), backup()], TODAY)
    assert plan.failover == [] and plan.changes[0].failover is None
    unset = plan_etas_v3([entry("A", 2)], 0, 0, [po(5, 20, 10)], [primary(None), backup()], TODAY)
    assert unset.failover == []  # no threshold: only a line's maximum wait moves it


def test_a_line_its_supply_would_serve_past_its_maximum_wait_is_moved_instead_of_leaving():
    waiting = [entry("A", 2, wait_limit=d(9))]
    v2 = plan_etas_v2(waiting, 0, 0, [po(5, 10, 10)], [primary(None), backup()], TODAY)
    assert [x.order_id for x in v2.expired] == ["A"]
    v3 = plan_etas_v3(waiting, 0, 0, [po(5, 10, 10)], [primary(None), backup()], TODAY)
    assert v3.expired == [] and v3.changes[0].failover == "B1"
    assert v3.changes[0].new <= d(9)


def test_without_a_faster_source_in_time_the_line_stays_or_expires_as_under_eta_v2():
    slow = backup(lead=40)
    queue = [entry("A", 2), entry("B", 1, wait_limit=d(9))]
    v3 = plan_etas_v3(queue, 0, 0, [po(5, 20, 10)], [primary(), slow], TODAY)
    v2 = plan_etas_v2(queue, 0, 0, [po(5, 20, 10)], [primary(), slow], TODAY)
    assert v3 == v2
    alone = plan_etas_v3(queue, 0, 0, [po(5, 20, 10)], [primary()], TODAY)
    assert alone == plan_etas_v2(queue, 0, 0, [po(5, 20, 10)], [primary()], TODAY)


def test_lines_behind_a_moved_line_are_served_from_the_slipping_supply_it_no_longer_takes():
    # PO-1 (3 units, on time) then PO-2 (5 units, far later); A waits for 3 with a limit PO-1 misses
    queue = [entry("A", 3, wait_limit=bought_from(backup())), entry("B", 3)]
    supply = [po(3, 10, 10), po(5, 40, 40, po_id="PO-2")]
    plan = plan_etas_v3(queue, 0, 0, supply, [primary(None), backup()], TODAY)
    by_order = {c.order_id: c for c in plan.changes}
    assert by_order["A"].failover == "B1"
    v2_b = plan_etas_v2([entry("B", 3)], 0, 0, supply, [primary(None), backup()], TODAY).changes[0].new
    assert by_order["B"].new == v2_b  # B takes PO-1's units, not PO-2's


# -------------------------------------------------------------- on a Stock
def cause(mid: str, days: int = 0) -> Cause:
    return Cause(message_id=mid, at=T0 + timedelta(days=days))


def failover_stock(multiple: int = 1) -> Stock:
    stock = Stock(sku="A", policy="priority-fifo-v1", eta_policy=ETA_POLICY_V3)
    stock.set_source(primary(), cause("s1"))
    stock.set_source(backup(multiple=multiple), cause("b1"))
    stock.schedule_inbound(po(20, 10, 10), cause("po"))
    for order_id, quantity in (("o1", 4), ("o2", 3)):
        request = LineRequest(
            order_id=order_id, line_id="1", quantity=quantity, tier=Tier.STANDARD, placed_at=T0
        )
        stock.request(request, cause(order_id))
    stock.collect_events()
    return stock


def failovers(stock: Stock) -> list[tuple[str, int, int]]:
    return [
        (e.supplier_id, e.quantity, e.line_count)
        for e in stock.collect_events()
        if type(e).__name__ == "FailoverSuggested"
    ]


def test_a_slipping_po_makes_the_stock_suggest_buying_the_moved_lines_from_the_backup_once():
    stock = failover_stock(multiple=5)
    stock.schedule_inbound(po(20, 20, 10), cause("delay", 1))  # the PO slips ten days
    assert failovers(stock) == [("B1", 10, 2)]  # 7 units waiting, in cases of 5
    assert stock.failover_from == {"B1": 10}
    stock.schedule_inbound(po(20, 21, 10), cause("delay-2", 2))  # slips again: already suggested
    assert failovers(stock) == []


def test_a_purchase_order_from_the_backup_answers_the_failover_suggestion_first():
    stock = failover_stock()
    stock.schedule_inbound(po(20, 20, 10), cause("delay", 1))
    assert stock.failover_from == {"B1": 7}
    backup_po = InboundLine(po_id="PO-9", supplier_id="B1", quantity=7, expected=d(3), lateness_days=0)
    stock.schedule_inbound(backup_po, cause("po-b", 1))
    assert stock.failover_from == {}


def test_a_failover_suggestion_nobody_needs_any_more_is_reduced():
    stock = failover_stock()
    stock.schedule_inbound(po(20, 20, 10), cause("delay", 1))
    stock.release("o1", "1", "customer request", cause("cancel", 1))
    assert stock.failover_from == {"B1": 3}
    assert "FailoverReduced" in [type(e).__name__ for e in stock.collect_events()]


@pytest.mark.parametrize("eta_policy", [ETA_POLICY_V3, ETA_POLICY_V6])
def test_each_failover_suggestion_and_promise_replays_to_what_was_recorded(eta_policy):
    stock = Stock(sku="A", policy="priority-fifo-v1", eta_policy=eta_policy)
    stock.set_source(primary(), cause("s1"))
    stock.set_source(backup(multiple=5), cause("b1"))
    stock.schedule_inbound(po(20, 10, 10), cause("po"))
    for order_id in ("o1", "o2"):
        request = LineRequest(order_id=order_id, line_id="1", quantity=4, tier=Tier.STANDARD, placed_at=T0)
        stock.request(request, cause(order_id))
    stock.schedule_inbound(po(20, 20, 10), cause("delay", 1))
    events = stock.collect_events()
    (decision,) = replayed(events, "FailoverSuggested")
    recorded, recomputed = decision
    assert recorded == recomputed
    promises = replayed(events, "EtasRevised")
    assert promises and all(recorded == recomputed for recorded, recomputed in promises)


# ---------------------------------------------------------------- properties
@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.tuples(st.integers(1, 10), st.none() | st.integers(0, 40)), min_size=1, max_size=8),
    pos=st.lists(st.tuples(st.integers(1, 20), st.integers(0, 30), st.integers(0, 15)), max_size=3),
    threshold=st.none() | st.integers(0, 10),
    backup_lead=st.integers(0, 30),
)
def test_failover_buys_only_for_lines_whose_supply_fails_them_and_only_brings_promises_forward(
    lines: list[tuple[int, int | None]],
    pos: list[tuple[int, int, int]],
    threshold: int | None,
    backup_lead: int,
) -> None:
    queue = [entry(f"o{i}", q, wait_limit=None if w is None else d(w)) for i, (q, w) in enumerate(lines)]
    supply = [po(q, promised + late, promised, po_id=f"PO-{i}") for i, (q, promised, late) in enumerate(pos)]
    sources = [primary(threshold), backup(backup_lead)]
    plan = plan_etas_v3(queue, 0, 0, supply, sources, TODAY)
    v2 = plan_etas_v2(queue, 0, 0, supply, sources, TODAY)
    # Each line named as failed by its supply was: past its wait, or on a PO past the threshold
    for moved in plan.failover:
        slipped = threshold is not None and moved.late_days > threshold
        past_wait = moved.wait_limit is not None and moved.eta > moved.wait_limit
        assert slipped or past_wait
        assert moved.backup_eta < moved.eta
        assert moved.wait_limit is None or moved.backup_eta <= moved.wait_limit
    # Every line served in time by its own supply, and no PO past the threshold: eta-v2's promises
    slipped = threshold is not None and any(late > threshold for _, _, late in pos)
    if not v2.expired and not slipped:
        assert plan == v2
    if not plan.failover:
        assert not any(c.failover for c in plan.changes)
        return
    # Lines served by the backup's units (those failed, and any ahead of them) only gain
    v2_dates = {(c.order_id, c.line_id): c.new for c in v2.changes}
    flagged = {(c.order_id, c.line_id): c for c in plan.changes if c.failover}
    assert {(m.order_id, m.line_id) for m in plan.failover} <= set(flagged)
    for key, change in flagged.items():
        before = v2_dates.get(key)
        assert before is None or change.new is None or change.new <= before
    # And the suggestion is for exactly the lines its units serve
    after = [
        e.model_copy(update={"failover": c.failover, "eta": c.new, "needs_purchase": c.needs_purchase})
        for e in queue
        for c in plan.changes
        if (c.order_id, c.line_id) == e.key
    ]
    step = next_failover(moved_lines(after), {}, {s.supplier_id: s for s in sources})
    quantities = {e.key: e.quantity for e in queue}
    assert step is not None and step.units == sum(quantities[key] for key in flagged)


# ------------------------------------------------------- weekly capacity (eta-v3)
def limited(capacity: int) -> Source:
    return Source(
        supplier_id="S1",
        lead_time_days=10,
        priority=SupplierPriority.PRIMARY,
        lateness_days=0,
        capacity_per_week=capacity,
    )


def test_a_po_above_its_suppliers_weekly_capacity_promises_its_later_units_a_week_later_each():
    queue = [entry("A", 100), entry("B", 100), entry("C", 50)]
    v3 = plan_etas_v3(queue, 0, 0, [po(250, 10, 10)], [limited(100)], TODAY)
    dates = {c.order_id: c.new for c in v3.changes}
    assert dates["B"] == dates["A"] + timedelta(weeks=1)
    assert dates["C"] == dates["A"] + timedelta(weeks=2)
    v2 = plan_etas_v2(queue, 0, 0, [po(250, 10, 10)], [limited(100)], TODAY)
    assert len({c.new for c in v2.changes}) == 1  # eta-v2 reads no capacity


def test_lines_to_buy_for_from_a_source_with_a_capacity_wait_a_week_per_capacitys_worth_ahead():
    queue = [entry("A", 6), entry("B", 6), entry("C", 6), entry("D", 6)]
    plan = plan_etas_v3(queue, 0, 0, [], [limited(10)], TODAY)
    dates = {c.order_id: c.new for c in plan.changes}
    first = dates["A"]
    assert dates == {
        "A": first,
        "B": first + timedelta(weeks=1),  # units 7-12: past the first 10
        "C": first + timedelta(weeks=1),  # units 13-18
        "D": first + timedelta(weeks=2),  # units 19-24
    }
    assert all(c.needs_purchase for c in plan.changes)
    # Promises kept in a later walk stay as they were
    promised = [e.model_copy(update={"eta": dates[e.order_id], "needs_purchase": True}) for e in queue]
    assert plan_etas_v3(promised, 0, 0, [], [limited(10)], TODAY).changes == []


def test_two_pos_of_a_supplier_due_the_same_week_share_its_capacity():
    queue = [entry("A", 60), entry("B", 60)]
    both = [po(60, 10, 10), po(60, 10, 10, po_id="PO-2")]
    plan = plan_etas_v3(queue, 0, 0, both, [limited(100)], TODAY)
    dates = {c.order_id: c.new for c in plan.changes}
    assert dates["B"] == dates["A"] + timedelta(weeks=1)  # PO-2's last 20 units come a week later
