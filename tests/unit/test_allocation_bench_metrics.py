"""bench/allocation/metrics.py and outcomes.LineOutcome: the per-tier figures, on hand-made lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bench.allocation.metrics import by_tier, line_cost, on_shelf, on_time, p90
from bench.allocation.outcomes import LineOutcome

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
END = T0 + timedelta(days=10)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def line(tier: str = "standard", quantity: int = 2, changes=(), **kw) -> LineOutcome:
    return LineOutcome("A", f"O-{tier}-{quantity}", "1", tier, quantity, T0, list(changes), **kw)


def test_a_line_filled_in_two_parts_holds_each_unit_from_when_it_came():
    filled = line(changes=[(day(1), 1), (day(3), 1)])
    assert filled.unit_times() == [day(1), day(3)]
    assert filled.completed_at == day(3)


def test_a_unit_taken_back_counts_from_when_it_came_back_not_from_its_first_allocation():
    redistributed = line(quantity=1, changes=[(day(0), 1), (day(0.5), -1), (day(4), 1)])
    assert redistributed.unit_times() == [day(4)]


def test_a_line_short_at_the_end_is_not_completed():
    short = line(quantity=3, changes=[(day(1), 2)])
    assert short.filled == 2
    assert short.completed_at is None


def test_a_line_allocated_when_it_asked_is_on_time_until_a_unit_is_taken_back():
    assert on_time(line(changes=[(T0, 2)], immediate=True))
    assert not on_time(line(changes=[(T0, 2), (day(0.2), -1), (day(2), 1)], immediate=True))


def test_a_backordered_line_filled_on_its_first_promised_day_is_on_time_and_the_next_day_late():
    promised = date(2026, 1, 8)  # day 3
    assert on_time(line(changes=[(day(3.5), 2)], first_eta=promised))  # 2026-01-08 22:00
    assert not on_time(line(changes=[(day(3.6), 2)], first_eta=promised))  # 2026-01-09 00:24


def test_a_backordered_line_promised_no_date_is_never_on_time():
    assert not on_time(line(changes=[(day(1), 2)], first_eta=None))


def test_a_line_served_in_the_decision_that_took_its_request_is_on_time_whatever_it_was_told():
    # e.g. redistribution: backordered, then units taken from a lower tier, at the same decision time
    assert on_time(line(changes=[(T0, 2)], first_eta=None))


def test_the_shortage_cost_counts_unit_days_to_each_allocation_and_to_the_horizon_for_the_rest():
    # one unit after 1 day, the other never (10 days to the horizon), at 4 a unit-day
    assert line_cost(line(changes=[(day(1), 1)]), 4.0, END) == pytest.approx(4 * (1 + 10))


def test_a_customer_cancel_takes_the_line_out_and_an_automatic_one_counts_it_lost():
    lines = [
        line("platinum", 2, [(T0, 2)], immediate=True),
        line("platinum", 3, customer_cancelled=True),
        line("gold", 1, auto_cancelled=True),
        line("standard", 4, [(day(2), 4)], first_eta=date(2026, 1, 9)),
    ]
    platinum, gold, standard, total = by_tier(lines, {"platinum": 10.0, "gold": 4.0, "standard": 1.0}, END)
    assert (platinum.lines, platinum.ordered, platinum.filled, platinum.on_time) == (1, 2, 2, 1)
    assert (gold.fill_rate, gold.unfilled, gold.cost) == (0.0, 1, pytest.approx(4 * 10))
    assert standard.wait_mean == pytest.approx(2.0)
    assert (total.lines, total.ordered, total.filled, total.unfilled) == (3, 7, 6, 1)
    assert total.cost == pytest.approx(platinum.cost + gold.cost + standard.cost)
    assert total.on_time_share == pytest.approx(2 / 3)


def test_the_p90_of_waits_lies_within_them():
    assert p90([float(n) for n in range(1, 11)]) == pytest.approx(9.1)
    assert p90([2.0]) == 2.0
    assert p90([]) is None


def test_a_line_still_waiting_for_a_promise_after_the_horizon_is_left_out_of_the_on_time_share():
    costs = {"platinum": 10.0}
    after = END.date() + timedelta(days=2)
    waiting = line("platinum", first_eta=after)  # nothing came yet: its promise is not due
    broken = line("platinum", first_eta=END.date() - timedelta(days=3))  # due and not kept
    cancelled = line("platinum", first_eta=after, auto_cancelled=True)  # lost: counted, late
    kept = line("platinum", changes=[(T0, 2)], immediate=True)
    platinum, _total = by_tier([waiting, broken, cancelled, kept], costs, END)
    assert (platinum.lines, platinum.undecided, platinum.on_time) == (4, 1, 1)
    assert platinum.on_time_share == pytest.approx(1 / 3)
    assert platinum.unfilled == 6  # the fill rate still counts every line


def test_units_on_the_shelf_are_those_received_that_no_line_holds_at_the_end():
    held = line(quantity=3, changes=[(day(1), 3)])
    taken_back = line(tier="gold", quantity=2, changes=[(day(1), 2), (day(2), -2)])  # its units went back
    part = line(tier="platinum", quantity=4, changes=[(day(3), 1)])
    assert on_shelf([held, taken_back, part], {"A": 7, "B": 2}) == 9 - 4
