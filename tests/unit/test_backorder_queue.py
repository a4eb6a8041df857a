"""A SKU's backorder queue as a value: its entries and the units they wait for stay in step."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import FIFO_V1, PRIORITY_FIFO_V1
from domain.eta import EtaChange, EtaPlan, Expiry
from domain.queue import Queue
from domain.values import LinePlace, QueueEntry, Tier

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 1, 9)


def entry(order: int, quantity: int, tier: Tier = Tier.STANDARD, line: int = 1) -> QueueEntry:
    return QueueEntry(
        order_id=f"o{order}",
        line_id=f"l{line}",
        quantity=quantity,
        tier=tier,
        placed_at=T0 + timedelta(minutes=order),
        since=DAY,
    )


def quantities(queue: Queue) -> list[tuple[str, int]]:
    return [(e.order_id, e.quantity) for e in queue]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("join_at"), st.integers(0, 8), st.integers(0, 5), st.integers(1, 9)),
        st.tuples(
            st.just("join_in_order"), st.integers(0, 8), st.sampled_from(list(Tier)), st.integers(1, 9)
        ),
        st.tuples(st.just("serve_head"), st.integers(1, 9)),
        st.tuples(st.just("withdraw"), st.integers(0, 8)),
        st.tuples(st.just("expire"), st.integers(0, 8), st.integers(0, 8)),
        st.tuples(st.just("resort"), st.sampled_from([FIFO_V1, PRIORITY_FIFO_V1])),
    ),
    max_size=30,
)


def apply(queue: Queue, operation: tuple) -> None:
    """Carry out one operation as an event body would: only ever on lines that are there."""
    kind, *args = operation
    keys = [e.key for e in queue]
    if kind == "join_at":
        order, index, quantity = args
        joining = entry(order, quantity)
        place = queue.position_of(*joining.key)  # a line that waits joins at its place (RequestPlan)
        queue.join_at(min(index, len(queue)) if place is None else place - 1, joining)
    elif kind == "join_in_order":
        order, tier, quantity = args
        queue.join_in_order(entry(order, quantity, tier), PRIORITY_FIFO_V1.key)
    elif kind == "serve_head" and queue:
        queue.serve_head(min(args[0], queue[0].quantity))
    elif kind == "withdraw" and queue:
        queue.withdraw(*keys[args[0] % len(keys)])
    elif kind == "expire" and queue:
        start, pick = args[0] % len(queue), args[1] % len(queue)
        if pick >= start:
            gone = queue[pick]
            expiry = Expiry(
                order_id=gone.order_id, line_id=gone.line_id, quantity=gone.quantity, eta=DAY, wait_limit=DAY
            )
            queue.promise(start, EtaPlan(changes=[], expired=[expiry]))
    elif kind == "resort":
        queue.resort(args[0].key)


@given(operations)
def test_the_units_waiting_always_equal_the_sum_of_the_entries_whatever_happens_to_the_queue(ops):
    queue = Queue()
    for operation in ops:
        apply(queue, operation)
        assert queue.waiting == sum(e.quantity for e in queue)


@given(operations)
def test_a_line_never_waits_in_two_places(ops):
    queue = Queue()
    for operation in ops:
        apply(queue, operation)
    keys = [e.key for e in queue]
    assert len(keys) == len(set(keys))


@given(st.lists(st.integers(1, 9), max_size=20), st.data())
def test_the_units_ahead_of_any_place_are_those_of_the_entries_before_it(sizes, data):
    queue = Queue(entry(order, quantity) for order, quantity in enumerate(sizes))
    index = data.draw(st.integers(0, len(sizes)))
    assert queue.units_before(index) == sum(sizes[:index])


def test_a_queue_made_from_entries_counts_their_units():
    assert Queue([entry(1, 2), entry(2, 5)]).waiting == 7
    assert Queue().waiting == 0 and not Queue()


def test_joining_where_the_same_line_already_waits_adds_its_units_to_that_place():
    queue = Queue([entry(1, 2), entry(2, 3)])
    queue.join_at(1, entry(2, 4))
    assert quantities(queue) == [("o1", 2), ("o2", 7)] and queue.waiting == 9


def test_joining_in_order_takes_the_policy_place_or_adds_to_the_line_where_it_waits():
    queue = Queue([entry(1, 2), entry(3, 3)])
    queue.join_in_order(entry(2, 1, Tier.GOLD), PRIORITY_FIFO_V1.key)
    assert quantities(queue) == [("o2", 1), ("o1", 2), ("o3", 3)]
    queue.join_in_order(entry(3, 2), PRIORITY_FIFO_V1.key)
    assert quantities(queue) == [("o2", 1), ("o1", 2), ("o3", 5)] and queue.waiting == 8


def test_serving_the_head_in_part_leaves_the_rest_of_it_waiting_at_the_head():
    queue = Queue([entry(1, 5), entry(2, 3)])
    served = queue.serve_head(2)
    assert served.quantity == 5  # as it was
    assert quantities(queue) == [("o1", 3), ("o2", 3)] and queue.waiting == 6
    queue.serve_head(3)
    assert quantities(queue) == [("o2", 3)] and queue.waiting == 3


def test_withdrawing_a_line_takes_all_its_units_out_and_a_line_not_waiting_cannot_be_withdrawn():
    queue = Queue([entry(1, 5), entry(2, 3)])
    assert queue.withdraw("o1", "l1").quantity == 5
    assert quantities(queue) == [("o2", 3)] and queue.waiting == 3
    with pytest.raises(KeyError):
        queue.withdraw("o1", "l1")


def test_a_promise_plan_changes_the_lines_it_names_and_its_expired_lines_take_their_units_away():
    queue = Queue([entry(1, 2), entry(2, 3), entry(3, 4)])
    change = EtaChange(order_id="o1", line_id="l1", old=None, new=DAY, needs_purchase=True)
    expiry = Expiry(order_id="o2", line_id="l1", quantity=3, eta=DAY, wait_limit=DAY)
    queue.promise(0, EtaPlan(changes=[change], expired=[expiry]))
    assert quantities(queue) == [("o1", 2), ("o3", 4)] and queue.waiting == 6
    assert queue[0].eta == DAY and queue[0].needs_purchase


def test_a_line_joining_ahead_names_the_nearest_lines_it_moves_back_and_counts_them_all():
    queue = Queue(entry(order, 1) for order in range(5))
    named, moved = queue.moved_back_by(2, ("g", "l1"), named=2)
    assert named == [
        LinePlace(order_id="o1", line_id="l1", position=3),
        LinePlace(order_id="o2", line_id="l1", position=4),
    ]
    assert moved == 4


def test_a_line_joining_at_the_tail_or_at_its_own_place_moves_nobody():
    queue = Queue(entry(order, 1) for order in range(3))
    assert queue.moved_back_by(4, ("g", "l1"), named=20) == ([], 0)
    assert queue.moved_back_by(2, ("o1", "l1"), named=20) == ([], 0)


def test_queues_with_the_same_entries_are_equal():
    assert Queue([entry(1, 2)]) == Queue([entry(1, 2)])
    assert Queue([entry(1, 2)]) != Queue([entry(1, 3)])
