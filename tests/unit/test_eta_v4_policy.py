"""eta-v4: eta-v2's walk, knowing what a rationing SKU holds from its waiting lines."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.eta import ETA_POLICY_V4, Rationing, eta_planner, plan_etas_v2, plan_etas_v4
from domain.values import QueueEntry, Tier
from tests.unit.test_eta_policy import TODAY, d, entry, source
from tests.unit.test_eta_v2_policy import line


def gold(order_id: str, quantity: int):
    return entry(order_id, quantity).model_copy(update={"tier": Tier.GOLD})


class AskedOfEveryLine:
    """Floors named line by line, as a rule with no latest date: the walk asks it of every line."""

    latest = date.max

    def __init__(self, floors: dict[tuple[str, str], date]) -> None:
        self.floors = floors

    def __call__(self, entry: QueueEntry, /) -> date | None:
        return self.floors.get(entry.key)


def promised(plan) -> dict[str, object]:
    return {c.order_id: c.new for c in plan.changes}


def test_it_is_found_by_its_name():
    assert eta_planner(ETA_POLICY_V4) is plan_etas_v4


def test_without_rules_it_promises_what_eta_v2_promises():
    queue = [gold("G", 2), entry("A", 3), entry("B", 4)]
    supply = [line("PO-1", 4, 5), line("PO-2", 10, 15)]
    v2 = plan_etas_v2(queue, 0, 0, supply, [source()], TODAY)
    assert plan_etas_v4(queue, 0, 0, supply, [source()], TODAY) == v2


def test_units_kept_back_from_a_tier_wait_ahead_of_its_first_line_only():
    queue = [gold("G", 2), entry("A", 2), entry("B", 1)]
    supply = [line("PO-1", 4, 5), line("PO-2", 10, 15)]
    rules = Rationing(kept_back={"gold": 0, "standard": 3})
    plan = plan_etas_v4(queue, 0, 0, supply, [source()], TODAY, rules)
    # gold: 2 of PO-1; standard A: 2 + 3 held + 2 = 7 > 4, so PO-2; B behind it, PO-2 as well
    assert promised(plan) == {"G": d(10), "A": d(20), "B": d(20)}
    assert promised(plan_etas_v2(queue, 0, 0, supply, [source()], TODAY))["A"] == d(10)


def test_a_line_over_its_quota_is_promised_no_earlier_than_its_next_period_whatever_covers_it():
    queue = [entry("A", 2), entry("B", 2)]
    supply = [line("PO-1", 10, 1)]
    rules = Rationing(waits=AskedOfEveryLine({("A", "1"): d(9)}))
    plan = plan_etas_v4(queue, 0, 0, supply, [], TODAY, rules)
    assert promised(plan) == {"A": d(9), "B": d(6)}
    uncovered = plan_etas_v4(
        queue, 0, 0, [], [source(lead=3)], TODAY, Rationing(waits=AskedOfEveryLine({("B", "1"): d(30)}))
    )
    assert promised(uncovered)["B"] == d(30)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=8),
    pos=st.lists(st.tuples(st.integers(1, 12), st.integers(0, 30)), max_size=4),
    held=st.integers(0, 10),
)
def test_keeping_units_back_never_makes_a_promise_earlier(sizes, pos, held):
    """(Buying anew may come before a slow PO, so the source here is slower than every PO.)"""
    queue = [entry(f"L{i}", q) for i, q in enumerate(sizes)]
    supply = [line(f"PO-{i}", q, days) for i, (q, days) in enumerate(pos)]
    slow = [source(lead=60)]
    free = promised(plan_etas_v4(queue, 0, 0, supply, slow, TODAY))
    kept = promised(plan_etas_v4(queue, 0, 0, supply, slow, TODAY, Rationing(kept_back={"standard": held})))
    for order_id, eta in free.items():
        assert kept.get(order_id, eta) >= eta
