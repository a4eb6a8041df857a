"""A SKU's reservations as a value: the units allocated always equal the sum of the lines' holdings."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.reservations import Reservations
from domain.values import LineRequest, QueueEntry, Tier

T0 = datetime(2026, 3, 1, 9)


def request(order: str, quantity: int = 1, tier: Tier = Tier.STANDARD, substitute_for: str | None = None):
    return LineRequest(
        order_id=order, line_id="1", quantity=quantity, tier=tier, placed_at=T0, substitute_for=substitute_for
    )


def waiting(order: str, quantity: int) -> QueueEntry:
    return QueueEntry(
        order_id=order, line_id="1", quantity=quantity, tier=Tier.GOLD, placed_at=T0, since=date(2026, 3, 1)
    )


operations = st.lists(
    st.tuples(st.sampled_from(["hold", "release"]), st.sampled_from(["O1", "O2", "O3"]), st.integers(1, 9)),
    max_size=40,
)


@given(operations)
def test_the_units_allocated_always_equal_the_sum_of_the_reservations(ops):
    reservations = Reservations()
    for kind, order, quantity in ops:
        if kind == "hold":
            reservations.hold(order, "1", quantity, request(order))
        elif (held := reservations.for_line(order, "1")) > 0:
            reservations.release(order, "1", min(quantity, held))
        assert reservations.allocated == sum(r.quantity for r in reservations.values())
        assert all(r.quantity > 0 for r in reservations.values())


def test_holding_more_for_a_line_adds_to_what_it_holds():
    reservations = Reservations()
    reservations.hold("O1", "1", 2, request("O1"))
    reservations.hold("O1", "1", 3, waiting("O1", 3))
    assert reservations.for_line("O1", "1") == 5 and reservations.allocated == 5
    assert reservations["O1/1"].tier is Tier.GOLD  # on the terms it last waited with


def test_releasing_all_a_line_holds_removes_it_and_releasing_part_keeps_the_rest():
    reservations = Reservations()
    reservations.hold("O1", "1", 4, request("O1"))
    reservations.hold("O2", "1", 2, request("O2"))
    assert reservations.release("O1", "1", 1).quantity == 4  # as it was
    assert reservations.for_line("O1", "1") == 3
    reservations.release("O2", "1", 2)
    assert set(reservations) == {"O1/1"} and reservations.allocated == 3


def test_a_line_holding_nothing_has_nothing_to_release():
    with pytest.raises(KeyError):
        Reservations().release("O1", "1", 1)
    assert Reservations().for_line("O1", "1") == 0


def test_units_held_for_a_substitute_say_which_sku_they_replace_and_units_from_the_queue_never_do():
    reservations = Reservations()
    reservations.hold("O1", "1", 2, request("O1", substitute_for="B"))
    reservations.hold("O2", "1", 2, waiting("O2", 2))
    assert reservations["O1/1"].substitute_for == "B"
    assert reservations["O2/1"].substitute_for is None


def test_reservations_made_from_a_mapping_count_its_units_and_compare_by_value():
    first = Reservations()
    first.hold("O1", "1", 2, request("O1"))
    copy = Reservations(dict(first))
    assert copy.allocated == 2 and copy == first
