"""replenish-v3: expedite from the fastest source what waiting customers miss, then replenish-v2."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings

from domain.errors import UnknownPolicy
from domain.expedite import ExpediteFirst, fastest
from domain.replenishment import REPLENISH_V2, REPLENISH_V3, OrderUpTo, Suggestion, order_quantity, preferred
from domain.stock import Stock
from domain.values import Source
from tests.support.replayed import replayed
from tests.unit.test_replenish_v2 import (
    TODAY,
    cause,
    inbound,
    position,
    sell,
    source,
    suggestions,
    views,
)

PRIMARY = source("S1", lead=9, multiple=12)
BACKUP = source("B2", lead=3, backup=True)


def seen(**given: object) -> ExpediteFirst:
    failover_from = given.pop("failover_from", {})
    values: dict[str, object] = dict(reorder_point=40, order_up_to=100, sources=(PRIMARY, BACKUP))
    values.update(given)
    return ExpediteFirst(position(**values), failover_from=failover_from)  # type: ignore[arg-type]


def steps(rule: ExpediteFirst | OrderUpTo) -> list[Suggestion]:
    """Every step the rule takes, each counted as suggested before the next (as the Stock records them)."""
    taken: list[Suggestion] = []
    for _ in range(len(_base(rule).sources) + 2):
        step = rule.next_suggestion()
        if step is None:
            break
        taken.append(step)
        base = _base(rule)
        by = {
            **base.suggested_from,
            step.supplier_id: base.suggested_from.get(step.supplier_id, 0) + step.quantity,
        }
        base = replace(base, suggested=base.suggested + step.quantity, suggested_from=by)
        rule = replace(rule, base=base) if isinstance(rule, ExpediteFirst) else base
    return taken


def _base(rule: ExpediteFirst | OrderUpTo) -> OrderUpTo:
    return rule.base if isinstance(rule, ExpediteFirst) else rule


def pairs(taken: list[Suggestion]) -> list[tuple[str, int]]:
    return [(s.supplier_id, s.quantity) for s in taken]


# --------------------------------------------------------------- worked examples
def test_the_waiting_shortfall_is_expedited_from_the_faster_backup_and_the_rest_bought_as_v2_would():
    # 20 wait, nothing free; PO-1's 30 arrive on day 10, after the backup could deliver (day 3).
    rule = seen(waiting=20, inbound=(inbound("PO-1", 30, TODAY + timedelta(days=10)),))
    first, rest = steps(rule)
    assert (first.supplier_id, first.quantity) == ("B2", 20)
    assert first.reason.startswith(
        "expedite: 20 units customers wait for come no sooner from supply on order (next PO 2026-01-15); "
        "B2 delivers in 3 days against S1's 9: 20 from B2"
    )
    assert first.inputs["shortfall"] == 20 and first.inputs["fast_source"] == "B2"
    assert first.inputs["fast_lead_time_days"] == 3
    # Then replenish-v2: projected 0 + 30 - 20 = 10, up to 100 needs 90, 20 of it counted: 70 in 12s.
    assert (rest.supplier_id, rest.quantity) == ("S1", 72)
    assert "order-up-to 100" in rest.reason


def test_only_the_units_no_supply_brings_in_time_are_expedited():
    # 25 wait, 5 free, PO-1's 8 arrive on day 2 (in time), PO-2's 50 on day 12: 12 are short.
    rule = seen(
        available=5,
        waiting=25,
        inbound=(
            inbound("PO-1", 8, TODAY + timedelta(days=2)),
            inbound("PO-2", 50, TODAY + timedelta(days=12)),
        ),
    )
    assert rule.shortfall == 12
    step = rule.expedite()
    assert step is not None and (step.supplier_id, step.quantity) == ("B2", 12)


def test_nothing_is_expedited_when_supply_on_order_arrives_in_time():
    on_time = inbound("PO-1", 30, TODAY + timedelta(days=3))  # on the day the backup would deliver
    rule = seen(waiting=20, inbound=(on_time,))
    assert rule.shortfall == 0 and rule.expedite() is None
    assert pairs(steps(rule)) == pairs(steps(rule.base))


def test_nothing_is_expedited_when_the_fastest_source_is_the_preferred_one():
    quick_primary = source("S1", lead=3, multiple=12)
    rule = seen(waiting=20, sources=(quick_primary, source("B2", lead=9, backup=True)))
    assert rule.fast is None and rule.expedite() is None
    assert pairs(steps(rule)) == pairs(steps(rule.base)) == [("S1", 120)]


def test_a_backup_as_fast_as_the_primary_is_not_expedited_from():
    rule = seen(waiting=20, sources=(PRIMARY, source("B2", lead=9, backup=True)))
    assert fastest(rule.base.sources) == PRIMARY and rule.expedite() is None


def test_the_fast_sources_minimum_and_multiple_round_the_expedited_units_up():
    rounding = source("B2", lead=3, moq=10, multiple=5, backup=True)
    small = seen(waiting=7, sources=(PRIMARY, rounding)).expedite()
    larger = seen(waiting=23, sources=(PRIMARY, rounding)).expedite()
    assert small is not None and small.quantity == 10
    assert larger is not None and larger.quantity == 25
    assert "minimum 10, multiples of 5" in larger.reason


def test_the_fast_sources_weekly_capacity_caps_the_expedite_and_no_room_leaves_it_to_v2():
    def capped(capacity: int) -> Source:
        return source("B2", lead=3, moq=10, multiple=5, capacity=capacity, backup=True)

    step = seen(waiting=23, sources=(PRIMARY, capped(20))).expedite()
    assert step is not None and step.quantity == 20 and "all its capacity allows" in step.reason
    assert seen(waiting=23, sources=(PRIMARY, capped(8))).expedite() is None  # 5 would be below its minimum
    first = seen(waiting=23, sources=(PRIMARY, capped(8))).next_suggestion()
    assert first is not None and first.supplier_id == "S1"  # replenish-v2's ranking takes over


def test_an_outstanding_expedite_is_not_suggested_twice():
    rule = seen(waiting=20, suggested=20, suggested_from={"B2": 20})
    assert rule.expedite() is None
    partly = seen(waiting=20, suggested=15, suggested_from={"B2": 15})
    step = partly.expedite()
    assert step is not None and step.quantity == 5


def test_units_on_order_from_the_fast_source_count_even_when_running_late():
    # B2's PO-7 for 15 is late (day 6, after the 3 days a new order would take): ordering again
    # from B2 brings nothing sooner, so only the other 5 are short.
    late = inbound("PO-7", 15, TODAY + timedelta(days=6), supplier="B2")
    rule = seen(waiting=20, inbound=(late,))
    assert rule.shortfall == 5
    step = rule.expedite()
    assert step is not None and step.quantity == 5


def test_units_failover_already_buys_from_the_fast_source_count_as_suggested():
    assert seen(waiting=20, failover_from={"B2": 20}).expedite() is None
    step = seen(waiting=20, failover_from={"B2": 8}).expedite()
    assert step is not None and step.quantity == 12


def test_a_reduced_suggestion_keeps_the_expedited_units_and_trims_the_primarys_share():
    # Waiting 20, 20 from B2 and 80 from S1 outstanding; the level now wants 70 in all.
    rule = seen(waiting=20, suggested=100, suggested_from={"B2": 20, "S1": 80})
    assert rule.kept(70) == {"B2": 20, "S1": 50}


# ---------------------------------------------------------------- on a Stock
def stock_under_v3(*sources: Source, on_hand: int = 0) -> Stock:
    stock = Stock(sku="A", policy="priority-fifo-v1")
    if on_hand:
        stock.receive("main", on_hand, None, cause("setup"))
    for s in sources:
        stock.set_source(s, cause("src"))
    stock.configure(40, 10, None, cause("cfg"), order_up_to=100, replenish_policy=REPLENISH_V3)
    return stock


def test_a_stock_configured_for_replenish_v3_expedites_for_a_backorder_and_each_step_replays():
    stock = stock_under_v3(PRIMARY, BACKUP, on_hand=60)  # above the reorder point: nothing to buy
    assert stock.replenish_policy == REPLENISH_V3
    events = list(stock.collect_events())
    assert "ReplenishmentSuggested" not in [type(e).__name__ for e in events]
    sell(stock, 80)  # 60 allocated, 20 wait: projected -20, up to 100 needs 120
    events += stock.collect_events()
    made = [
        (e.supplier_id, e.quantity, e.decision.policy)
        for e in events
        if type(e).__name__ == "ReplenishmentSuggested"
    ]
    assert made == [("B2", 20, REPLENISH_V3), ("S1", 108, REPLENISH_V3)]
    assert stock.suggested_from == {"B2": 20, "S1": 108}
    decisions = replayed(events, "ReplenishmentSuggested")
    assert len(decisions) == 2 and all(recorded == recomputed for recorded, recomputed in decisions)
    sell(stock, 2, "o2")  # two more wait: only those two are expedited, the level is covered
    assert suggestions(stock) == [("B2", 2, REPLENISH_V3)]


def test_a_stock_not_configured_for_it_keeps_its_implicit_rule():
    stock = Stock(sku="A", policy="priority-fifo-v1")
    stock.set_source(PRIMARY, cause("src"))
    stock.set_source(BACKUP, cause("src"))
    assert stock.replenish_policy == REPLENISH_V2  # the primary's order multiple implies it
    sell(stock, 20)
    assert [s for s, _, _ in suggestions(stock)] == ["S1"]


def test_an_unknown_replenishment_policy_is_refused_naming_the_field():
    stock = Stock(sku="A", policy="priority-fifo-v1")
    with pytest.raises(UnknownPolicy) as refused:
        stock.configure(0, 0, None, cause("cfg"), replenish_policy="replenish-v9")
    assert refused.value.field == "replenish_policy" and "replenish-v9" in str(refused.value)
    assert stock.replenish_configured is None


# ---------------------------------------------------------------- properties
@settings(max_examples=300, deadline=None)
@given(view=views(lambda sources: sources[-1].supplier_id))
def test_v3_covers_what_v2_needs_and_expedites_at_most_the_shortfall_in_one_order(view: dict) -> None:
    """v3 buys at least what the level needs, as v2 does; its expedited part comes first, from a
    source faster than the preferred one, and never exceeds the shortfall rounded up to that
    source's order (multiple, minimum); with nobody short it suggests exactly what v2 does."""
    rule = seen(**view)
    sources = view["sources"]
    taken = steps(rule)
    expedited = [s for s in taken if s.inputs.get("expedite")]
    assert sum(s.quantity for s in taken) >= rule.base.need
    assert len(expedited) <= 1 and all(s.inputs.get("expedite") for s in taken[: len(expedited)])
    if expedited:
        fast = rule.fast
        assert fast is not None and fast.supplier_id == expedited[0].supplier_id
        assert fast.lead_time_days < preferred(sources)[0].lead_time_days
        assert expedited[0].quantity <= order_quantity(rule.shortfall, fast)
    if rule.shortfall == 0:  # nobody short: exactly what the released replenish-v2 suggests
        assert pairs(taken) == pairs(steps(rule.base))
