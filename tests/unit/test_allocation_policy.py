"""The allocation policies are pure functions: ordering, partial fills, take-backs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import (
    DEFAULT_POLICY,
    FIFO_V1,
    POLICIES,
    PRIORITY_FIFO_V1,
    Fill,
    get_policy,
    line_key,
    split_line_key,
    take_units,
)
from domain.errors import UnknownPolicy
from domain.values import LineRequest, QueueEntry, Reservation, Tier

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
TODAY = date(2026, 1, 5)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def entry(
    order_id: str, quantity: int, minutes: int = 0, tier: Tier = Tier.STANDARD, line_id: str = "1"
) -> QueueEntry:
    return QueueEntry(
        order_id=order_id,
        line_id=line_id,
        quantity=quantity,
        tier=tier,
        placed_at=at(minutes),
        since=TODAY,
    )


def request(
    order_id: str, quantity: int, minutes: int = 0, tier: Tier = Tier.STANDARD, line_id: str = "1"
) -> LineRequest:
    return LineRequest(
        order_id=order_id, line_id=line_id, quantity=quantity, tier=tier, placed_at=at(minutes)
    )


def reservation(quantity: int, minutes: int = 0, tier: Tier = Tier.STANDARD) -> Reservation:
    return Reservation(quantity=quantity, tier=tier, placed_at=at(minutes))


def queue_in(policy, *entries: QueueEntry) -> list[QueueEntry]:
    return sorted(entries, key=policy.key)


def ids(entries) -> list[str]:
    return [e.order_id for e in entries]


# ------------------------------------------------------------------ naming
def test_policies_are_registered_by_versioned_name_and_default_is_priority_fifo():
    assert set(POLICIES) == {"fifo-v1", "priority-fifo-v1", "tier-reserve-v1", "tier-reserve-v2", "quota-v1"}
    assert get_policy("fifo-v1") is FIFO_V1
    assert get_policy(DEFAULT_POLICY) is PRIORITY_FIFO_V1


def test_an_unknown_policy_name_is_refused_with_the_known_names():
    with pytest.raises(UnknownPolicy, match="fifo-v1"):
        get_policy("lifo-v1")


def test_line_keys_round_trip_even_when_order_ids_contain_slashes():
    assert split_line_key(line_key("ORD-1", "3")) == ("ORD-1", "3")
    assert split_line_key(line_key("shop/2026/77", "a")) == ("shop/2026/77", "a")


# ---------------------------------------------------------------- ordering
def test_fifo_orders_by_placement_time_ignoring_tier():
    queue = queue_in(FIFO_V1, entry("late-platinum", 1, 30, Tier.PLATINUM), entry("early-standard", 1, 0))
    assert ids(queue) == ["early-standard", "late-platinum"]


def test_priority_fifo_serves_higher_tiers_first_then_placement_time():
    queue = queue_in(
        PRIORITY_FIFO_V1,
        entry("std-early", 1, 0),
        entry("gold-late", 1, 50, Tier.GOLD),
        entry("plat-latest", 1, 90, Tier.PLATINUM),
        entry("gold-early", 1, 10, Tier.GOLD),
    )
    assert ids(queue) == ["plat-latest", "gold-early", "gold-late", "std-early"]


def test_same_time_ties_are_broken_by_order_id_then_line_id():
    queue = queue_in(
        FIFO_V1,
        entry("B", 1, 0, line_id="1"),
        entry("A", 1, 0, line_id="2"),
        entry("A", 1, 0, line_id="1"),
    )
    assert [(e.order_id, e.line_id) for e in queue] == [("A", "1"), ("A", "2"), ("B", "1")]


def test_a_new_request_joins_after_every_entry_that_sorts_before_it():
    queue = queue_in(FIFO_V1, entry("A", 2, 0), entry("C", 2, 20))
    # Same placement time as A, but a later order id: it goes after A, before C.
    assert FIFO_V1.position_for(queue, request("B", 1, 0)) == 1
    assert FIFO_V1.position_for(queue, request("D", 1, 30)) == 2
    assert (
        PRIORITY_FIFO_V1.position_for(
            queue_in(PRIORITY_FIFO_V1, entry("A", 2, 0), entry("C", 2, 20)),
            request("P", 1, 99, Tier.PLATINUM),
        )
        == 0
    )


# ------------------------------------------------------------ plan_request
def test_a_request_with_nobody_waiting_takes_what_it_needs_from_free_stock():
    plan = FIFO_V1.plan_request(available=10, queue=[], waiting=0, request=request("A", 4))
    assert (plan.allocate, plan.backorder, plan.position, plan.units_ahead) == (4, 0, None, 0)


def test_a_request_larger_than_free_stock_is_partly_filled_and_the_rest_queues_first():
    plan = FIFO_V1.plan_request(available=3, queue=[], waiting=0, request=request("A", 5))
    assert (plan.allocate, plan.backorder, plan.position, plan.units_ahead) == (3, 2, 1, 0)


def test_a_request_gets_no_free_stock_while_others_are_waiting():
    queue = queue_in(FIFO_V1, entry("A", 4, 0))
    # Free units (which the engine never leaves next to a queue) go to the queue, not the newcomer.
    plan = FIFO_V1.plan_request(available=5, queue=queue, waiting=4, request=request("B", 2, 10))
    assert plan.allocate == 0
    assert (plan.backorder, plan.position, plan.units_ahead) == (2, 2, 4)


def test_a_platinum_request_queues_ahead_of_standard_lines_and_counts_only_units_ahead():
    queue = queue_in(
        PRIORITY_FIFO_V1,
        entry("gold", 3, 5, Tier.GOLD),
        entry("std-1", 4, 0),
        entry("std-2", 5, 1),
    )
    plan = PRIORITY_FIFO_V1.plan_request(0, queue, 12, request("plat", 2, 60, Tier.PLATINUM))
    assert (plan.position, plan.units_ahead) == (1, 0)
    plan = PRIORITY_FIFO_V1.plan_request(0, queue, 12, request("gold-2", 2, 60, Tier.GOLD))
    assert (plan.position, plan.units_ahead) == (2, 3)
    plan = FIFO_V1.plan_request(0, queue_in(FIFO_V1, *queue), 12, request("plat", 2, 60, Tier.PLATINUM))
    assert (plan.position, plan.units_ahead) == (4, 12)


# --------------------------------------------------------------- plan_fill
def test_arriving_units_fill_the_queue_in_order_and_the_last_fill_may_be_partial():
    queue = queue_in(FIFO_V1, entry("A", 2, 0), entry("B", 3, 1), entry("C", 4, 2))
    assert FIFO_V1.plan_fill(4, queue) == [
        Fill(order_id="A", line_id="1", quantity=2),
        Fill(order_id="B", line_id="1", quantity=2),
    ]


def test_filling_never_hands_out_more_than_the_units_or_the_waiting_quantity():
    queue = queue_in(FIFO_V1, entry("A", 2, 0), entry("B", 3, 1))
    assert FIFO_V1.plan_fill(0, queue) == []
    assert FIFO_V1.plan_fill(-3, queue) == []
    assert sum(f.quantity for f in FIFO_V1.plan_fill(100, queue)) == 5


@given(
    units=st.integers(min_value=0, max_value=60),
    quantities=st.lists(st.integers(min_value=1, max_value=9), max_size=8),
)
def test_a_fill_plan_takes_exactly_min_units_waiting_from_a_prefix_of_the_queue(units, quantities):
    queue = [entry(f"O{i:02}", q, i) for i, q in enumerate(quantities)]
    fills = PRIORITY_FIFO_V1.plan_fill(units, queue)
    assert sum(f.quantity for f in fills) == min(units, sum(quantities))
    assert [f.order_id for f in fills] == ids(queue[: len(fills)])
    for fill, waiting in zip(fills, queue, strict=False):
        assert 0 < fill.quantity <= waiting.quantity
    # Only the last fill may be partial.
    assert all(f.quantity == q.quantity for f, q in zip(fills[:-1], queue, strict=False))


# ------------------------------------------------------------- plan_revoke
def test_a_shortfall_is_taken_back_from_the_line_last_in_policy_order_first():
    reservations = {
        line_key("early", "1"): reservation(3, 0),
        line_key("middle", "1"): reservation(3, 10),
        line_key("late", "1"): reservation(3, 20),
    }
    assert FIFO_V1.plan_revoke(4, reservations) == [
        Fill(order_id="late", line_id="1", quantity=3),
        Fill(order_id="middle", line_id="1", quantity=1),
    ]


def test_under_priority_fifo_a_standard_line_loses_units_before_an_older_platinum_one_and_a_later_gold_one():
    reservations = {
        line_key("plat", "1"): reservation(2, 30, Tier.PLATINUM),
        line_key("std", "1"): reservation(2, 0),
        line_key("gold", "1"): reservation(2, 60, Tier.GOLD),
    }
    revoked = PRIORITY_FIFO_V1.plan_revoke(3, reservations)
    assert [(f.order_id, f.quantity) for f in revoked] == [("std", 2), ("gold", 1)]
    # fifo-v1 ignores tiers: the most recent placement loses first.
    revoked = FIFO_V1.plan_revoke(3, reservations)
    assert [(f.order_id, f.quantity) for f in revoked] == [("gold", 2), ("plat", 1)]


def test_revoking_nothing_takes_nothing_and_never_more_than_is_reserved():
    reservations = {line_key("A", "1"): reservation(2)}
    assert FIFO_V1.plan_revoke(0, reservations) == []
    assert FIFO_V1.plan_revoke(5, reservations) == [Fill(order_id="A", line_id="1", quantity=2)]


def test_taking_units_walks_the_reservations_in_the_order_given_and_stops_once_enough_are_taken():
    ordered = [
        (line_key("b", "2"), reservation(2)),
        (line_key("a/x", "1"), reservation(3)),
        (line_key("c", "1"), reservation(5)),
    ]
    assert take_units(ordered, 4) == [
        Fill(order_id="b", line_id="2", quantity=2),
        Fill(order_id="a/x", line_id="1", quantity=2),
    ]
    assert take_units(ordered, 0) == []
