"""bench/allocation/bound.py: the hindsight lower bound, on worlds small enough to solve by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bench.allocation.bound import Demand, Receipt, fill_ceiling, hindsight_cost, lower_bound

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_nothing_waits_when_every_unit_is_there_before_anyone_asks():
    demand = [Demand(day(1), 3, 10.0), Demand(day(2), 2, 1.0)]
    assert hindsight_cost(demand, [Receipt(day(0), 5)], day(30)) == 0.0


def test_without_supply_every_unit_waits_to_the_horizon_at_its_tiers_cost():
    demand = [Demand(day(0), 2, 10.0), Demand(day(4), 1, 1.0)]
    assert hindsight_cost(demand, [], day(10)) == 2 * 10 * 10 + 1 * 1 * 6


def test_the_hindsight_optimum_holds_a_unit_back_for_a_platinum_order_that_has_not_come_yet():
    # Given one unit now, a standard line waiting now and a platinum line tomorrow; the next unit on day 100
    demand = [Demand(day(0), 1, 1.0), Demand(day(1), 1, 10.0)]
    supply = [Receipt(day(0), 1), Receipt(day(100), 1)]
    # Then the optimum keeps the unit for platinum (standard waits 100 days: 100), where serving the
    # standard line first (as any first-come policy does) costs platinum 99 days x 10 = 990
    assert hindsight_cost(demand, supply, day(200)) == 100.0


def test_a_late_receipt_goes_to_the_costlier_of_two_waiting_lines():
    demand = [Demand(day(0), 1, 1.0), Demand(day(0), 1, 4.0)]
    supply = [Receipt(day(5), 1)]
    # gold served on day 5 (4 x 5 = 20); standard never served, waits to day 10 (1 x 10 = 10)
    assert hindsight_cost(demand, supply, day(10)) == 30.0


def test_receipts_after_the_horizon_serve_nobody():
    demand = [Demand(day(0), 1, 1.0)]
    assert hindsight_cost(demand, [Receipt(day(20), 1)], day(10)) == 10.0


def test_the_bound_adds_up_over_skus_each_served_by_its_own_units():
    demand = {"A": [Demand(day(0), 1, 1.0)], "B": [Demand(day(0), 1, 1.0)]}
    assert lower_bound(demand, {"A": [Receipt(day(0), 5)]}, day(10)) == 10.0


def test_no_policy_can_fill_more_than_arrived_sku_by_sku():
    assert fill_ceiling({"A": 10, "B": 10}, {"A": 20, "B": 5}) == 15 / 20


def fifo_cost(demand: list[Demand], supply: list[Receipt], end: datetime) -> float:
    """First come, first served, unit by unit: a policy that cannot see ahead."""
    units = sorted((d.at, d.cost) for d in demand for _ in range(d.units))
    free = sorted(r.at for r in supply for _ in range(r.units) if r.at <= end)
    total = 0.0
    for at, cost in units:
        if free:
            total += cost * max(0.0, (free.pop(0) - at).total_seconds()) / 86_400
        else:
            total += cost * (end - at).total_seconds() / 86_400
    return total


worlds = st.tuples(
    st.lists(st.tuples(st.integers(0, 20), st.integers(1, 3), st.sampled_from([1.0, 4.0, 10.0])), max_size=8),
    st.lists(st.tuples(st.integers(0, 25), st.integers(1, 4)), max_size=5),
)


@given(worlds)
def test_no_first_come_first_served_schedule_costs_less_than_the_bound(world):
    demand = [Demand(day(d), q, c) for d, q, c in world[0]]
    supply = [Receipt(day(s), q) for s, q in world[1]]
    assert hindsight_cost(demand, supply, day(22)) <= fifo_cost(demand, supply, day(22)) + 1e-6
