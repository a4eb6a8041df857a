"""eta-v5: eta-v4's promises, walked from the line a decision is about when nothing ahead of it moved."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.eta import (
    ETA_POLICY_V4,
    ETA_POLICY_V5,
    Rationing,
    eta_planner,
    held_ahead,
    plan_etas_v4,
    plan_etas_v5,
    walk_start,
)
from domain.queue import apply_promises, units_before
from domain.values import QueueEntry, Tier
from tests.unit.test_eta_policy import TODAY, d, entry, source
from tests.unit.test_eta_v2_policy import line
from tests.unit.test_eta_v4_policy import AskedOfEveryLine

TIERS = sorted(Tier, key=lambda t: t.rank)  # platinum first


def of(tier: Tier, order_id: str, quantity: int, **kw) -> QueueEntry:
    return entry(order_id, quantity, **kw).model_copy(update={"tier": tier})


def test_it_is_found_by_its_name():
    assert eta_planner(ETA_POLICY_V5) is plan_etas_v5


def test_it_walks_from_the_line_only_when_the_decision_kept_what_the_lines_ahead_were_promised_with():
    assert walk_start(ETA_POLICY_V5, 7, ahead_kept=True) == 7
    assert walk_start(ETA_POLICY_V5, 7) == 0
    assert walk_start(ETA_POLICY_V4, 7, ahead_kept=True) == 0  # released eta-v4 walks the whole queue


def test_the_units_kept_back_ahead_of_a_line_are_the_most_any_tier_ahead_of_it_is_kept_from():
    kept_back = {"gold": 2, "standard": 5}
    queue = [of(Tier.PLATINUM, "P", 1), of(Tier.GOLD, "G", 1), of(Tier.STANDARD, "S", 1)]
    assert [held_ahead(queue, start, kept_back) for start in range(4)] == [0, 0, 2, 5]
    # a standard line released ahead of everyone puts the whole level in front of the platinum line
    released = [of(Tier.STANDARD, "R", 1), of(Tier.PLATINUM, "P", 1), of(Tier.GOLD, "G", 1)]
    assert [held_ahead(released, start, kept_back) for start in range(4)] == [0, 5, 5, 5]
    assert held_ahead(queue, 3, {}) == 0


def test_a_standard_line_joining_behind_held_back_units_counts_them_ahead_as_the_whole_walk_does():
    # G and A hold what eta-v4 promised them; B joins. PO-1's 6 units would reach B (2 + 2 + 1)
    # but for the 3 a reserve keeps back from standard lines, which come first: PO-2 it is.
    queue = [of(Tier.GOLD, "G", 2, eta=d(10)), entry("A", 2, eta=d(20)), entry("B", 1)]
    supply = [line("PO-1", 6, 5), line("PO-2", 10, 15)]
    rules = Rationing(kept_back={"standard": 3})
    whole = plan_etas_v4(queue, 0, 0, supply, [source()], TODAY, rules)
    from_b = plan_etas_v5(queue, units_before(queue, 2, 5), 2, supply, [source()], TODAY, rules)
    assert from_b == whole
    assert [(c.order_id, c.new) for c in from_b.changes] == [("B", d(20))]


def test_a_platinum_line_joining_behind_a_standard_line_released_ahead_waits_behind_its_level_too():
    # the released standard line puts the 3 units kept back from standard lines in front of all
    # behind it, as the whole walk counts them: 2 + 3 + 2 > PO-1's 6
    released = of(Tier.STANDARD, "R", 2, eta=d(10)).model_copy(update={"released": 1})
    queue = [released, of(Tier.PLATINUM, "P", 2)]
    supply = [line("PO-1", 6, 5), line("PO-2", 10, 15)]
    rules = Rationing(kept_back={"standard": 3})
    whole = plan_etas_v4(queue, 0, 0, supply, [source()], TODAY, rules)
    from_p = plan_etas_v5(queue, 2, 1, supply, [source()], TODAY, rules)
    assert from_p == whole
    assert [(c.order_id, c.new) for c in from_p.changes] == [("P", d(20))]


tier_of = st.sampled_from(TIERS)


def rested(queue, inbound, sources, rules):
    """The queue after a whole walk's promises and expiries (`at rest`: walking it again changes nothing)."""
    plan = plan_etas_v5(queue, 0, 0, inbound, sources, TODAY, rules)
    return apply_promises(queue, 0, plan)[0]


def a_queue(released, waiting, levels, floors):
    """Lines released ahead (any tier), then the rest in priority-fifo order; reserve levels never
    fall with tier; some lines have a wait they may pass and a quota floor."""
    rules = Rationing(
        kept_back={t: n for t, n in (("gold", min(levels)), ("standard", max(levels))) if n},
        waits=AskedOfEveryLine({(f"L{i}", "1"): d(days) for i, days in floors.items()}),
    )
    ordered = sorted(enumerate(waiting), key=lambda item: (item[1][0].rank, item[0]))
    queue = [
        of(tier, f"R{i}", quantity).model_copy(update={"released": i})
        for i, (tier, quantity) in enumerate(released)
    ] + [
        of(tier, f"L{i}", quantity, wait_limit=None if limit is None else d(limit))
        for i, (tier, quantity, limit) in ordered
    ]
    return queue, rules


queues = {
    "released": st.lists(st.tuples(tier_of, st.integers(1, 5)), max_size=2),
    "waiting": st.lists(
        st.tuples(tier_of, st.integers(1, 5), st.one_of(st.none(), st.integers(0, 40))), max_size=10
    ),
    "levels": st.tuples(st.integers(0, 6), st.integers(0, 6)),
    "floors": st.dictionaries(st.integers(0, 9), st.integers(0, 40), max_size=3),
    "supply": st.lists(st.tuples(st.integers(1, 12), st.integers(0, 30)), max_size=4),
    "lead": st.integers(1, 60),
}


@settings(max_examples=150, deadline=None)
@given(**queues)
def test_a_queue_walked_whole_is_at_rest_a_second_walk_changes_nothing(
    released, waiting, levels, floors, supply, lead
):
    """What lets eta-v5 start part-way down: the lines a walk leaves hold what the next walk would
    give them, even where lines passed their wait (they give back the supply they were looked up
    against; eta-v4's walk does not, and its next walk may move the lines behind them)."""
    queue, rules = a_queue(released, waiting, levels, floors)
    inbound = [line(f"PO-{i}", q, days) for i, (q, days) in enumerate(supply)]
    again = plan_etas_v5(
        rested(queue, inbound, [source(lead=lead)], rules), 0, 0, inbound, [source(lead=lead)], TODAY, rules
    )
    assert not again.changes and not again.expired


@settings(max_examples=150, deadline=None)
@given(**queues, joining=st.tuples(tier_of, st.integers(1, 5)))
def test_a_line_joining_a_queue_at_rest_is_planned_from_its_place_as_a_walk_of_the_whole_queue_plans_it(
    released, waiting, levels, floors, supply, lead, joining
):
    """A line that joins taking no units: walking from it gives the plan the whole walk gives."""
    queue, rules = a_queue(released, waiting, levels, floors)
    inbound = [line(f"PO-{i}", q, days) for i, (q, days) in enumerate(supply)]
    sources = [source(lead=lead)]
    queue = rested(queue, inbound, sources, rules)
    tier, quantity = joining
    # priority-fifo: behind the lines released ahead, its own tier and those above it
    at = sum(1 for e in queue if e.released is not None or e.tier.rank <= tier.rank)
    joined = [*queue[:at], of(tier, "NEW", quantity), *queue[at:]]
    waiting_units = sum(e.quantity for e in joined)
    whole = plan_etas_v5(joined, 0, 0, inbound, sources, TODAY, rules)
    part = plan_etas_v5(joined, units_before(joined, at, waiting_units), at, inbound, sources, TODAY, rules)
    assert part == whole


def test_a_line_behind_one_that_passes_its_wait_gets_the_supply_it_leaves_in_the_same_walk():
    # X's 3 units need PO-2, past X's wait: X leaves. B (2 units) then fits in PO-1's 3 units.
    queue = [entry("A", 1), entry("X", 3, wait_limit=d(12)), entry("B", 2)]
    supply = [line("PO-1", 3, 5), line("PO-2", 10, 15)]
    v4 = plan_etas_v4(queue, 0, 0, supply, [source(lead=60)], TODAY)
    v5 = plan_etas_v5(queue, 0, 0, supply, [source(lead=60)], TODAY)
    assert [x.order_id for x in v5.expired] == [x.order_id for x in v4.expired] == ["X"]
    assert {c.order_id: c.new for c in v5.changes} == {"A": d(10), "B": d(10)}
    assert {c.order_id: c.new for c in v4.changes}["B"] == d(20)  # eta-v4 moves B at its next walk
