"""Stock decisions reaching the order lines they concern (domain/fulfilment.py), in memory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import fulfilment
from domain.errors import SubstituteUnavailable
from domain.values import LineStatus
from tests.unit.in_memory import TODAY, InMemory, cause, recorded, stands_in_for


def stock_event(found: InMemory, sku: str, name: str):
    return next(e for e in found.stock(sku).collect_events() if type(e).__name__ == name)


def order_event(found: InMemory, order_id: str, name: str):
    return next(e for e in found.order(order_id).collect_events() if type(e).__name__ == name)


def test_a_line_allocated_from_free_stock_names_the_stock_event_that_allocated_it():
    found = InMemory()
    found.add_stock("A", on_hand=10)
    order = found.add_order("O1", ("1", "A", 4))

    fulfilment.request_lines(found, order, cause("place"))

    assert order.line("1").allocated == {"A": 4}
    requested = stock_event(found, "A", "LineRequested")
    allocated = order_event(found, "O1", "LineAllocated")
    assert allocated.decision.stock_version == requested.originator_version
    assert allocated.decision.message_id == "place"


def test_a_line_left_waiting_is_backordered_with_the_promise_its_stock_just_made():
    found = InMemory()
    found.add_stock("A", lead_days=7)
    order = found.add_order("O1", ("1", "A", 3), accept_substitutes=False)

    fulfilment.request_lines(found, order, cause())

    line = order.line("1")
    assert (line.backordered, line.position) == (3, 1)
    assert line.eta == found.stock("A").queue[0].eta == TODAY + timedelta(days=7)
    assert line.needs_purchase


def test_more_units_for_a_line_that_already_waits_keep_the_promise_it_waits_with():
    found = InMemory()
    found.add_stock("A", lead_days=7)
    order = found.add_order("O1", ("1", "A", 3), accept_substitutes=False)
    fulfilment.request_lines(found, order, cause())
    found.collect_all()

    effects = found.stock("A").request(order.request_for("1", 2), cause("again"))
    assert effects.promise_for("O1", "1") is None
    fulfilment.mirror(found, effects, cause("again"))

    backordered = order_event(found, "O1", "LineBackordered")
    assert backordered.eta == TODAY + timedelta(days=7) and backordered.eta_decision is None


def test_a_waiting_line_is_offered_a_substitute_that_has_the_units_free():
    found = InMemory()
    found.add_stock("A")
    stands_in_for(found.add_stock("B", on_hand=5), found.stock("A"))
    order = found.add_order("O1", ("1", "A", 3))

    fulfilment.request_lines(found, order, cause())

    assert order.line("1").status is LineStatus.SUBSTITUTE_OFFERED
    assert order.line("1").offer is not None and order.line("1").offer.sku == "B"


def test_a_line_whose_promise_is_later_than_its_maximum_wait_is_cancelled_automatically():
    found = InMemory()
    found.add_stock("A", lead_days=7)
    order = found.add_order("O1", ("1", "A", 3), accept_substitutes=False, max_wait_days=3)

    fulfilment.request_lines(found, order, cause())

    cancelled = order_event(found, "O1", "LineCancelled")
    assert cancelled.automatic and "maximum wait" in cancelled.reason
    assert order.line("1").status is LineStatus.CANCELLED


def test_units_a_substitute_takes_back_are_asked_of_the_lines_own_sku_again():
    found = InMemory()
    own = found.add_stock("A")
    substitute = found.add_stock("B", on_hand=5)
    stands_in_for(substitute, own)
    order = found.add_order("O1", ("1", "A", 3))
    fulfilment.request_lines(found, order, cause())
    fulfilment.accept_substitute(found, order, "1", cause("accept"))
    assert not own.queue and order.line("1").allocated == {"B": 3}
    found.collect_all()

    fulfilment.mirror(found, substitute.adjust("main", 1, "count", cause("count")), cause("count"))

    assert order.line("1").allocated == {"B": 1}
    assert [(e.order_id, e.quantity) for e in own.queue] == [("O1", 2)]
    assert recorded(order)[:2] == ["AllocationRevoked", "LineBackordered"]


def test_cancelling_a_line_names_the_first_event_its_release_recorded_on_its_own_sku():
    found = InMemory()
    found.add_stock("A", on_hand=2, lead_days=7)
    order = found.add_order("O1", ("1", "A", 5), accept_substitutes=False)
    fulfilment.request_lines(found, order, cause())
    found.collect_all()

    fulfilment.cancel_line(found, order, "1", "changed my mind", cause("cancel"))

    released = stock_event(found, "A", "Released")
    cancelled = order_event(found, "O1", "LineCancelled")
    assert cancelled.decision.stock_version == released.originator_version
    assert cancelled.decision.inputs == {"released": {"A": 2}, "withdrawn": {"A": 3}, "position": 1}
    assert not cancelled.automatic and order.line("1").cancelled == 5


def test_cancelling_a_line_served_by_a_substitute_names_the_substitutes_release():
    found = InMemory()
    own = found.add_stock("A")
    stands_in_for(found.add_stock("B", on_hand=5), own)
    order = found.add_order("O1", ("1", "A", 3))
    fulfilment.request_lines(found, order, cause())
    fulfilment.accept_substitute(found, order, "1", cause("accept"))
    found.collect_all()

    fulfilment.cancel_line(found, order, "1", "changed my mind", cause("cancel"))

    assert recorded(own) == []
    released = stock_event(found, "B", "Released")
    decision = order_event(found, "O1", "LineCancelled").decision
    assert (decision.sku, decision.stock_version) == ("B", released.originator_version)


def test_units_released_by_a_cancellation_go_to_the_next_waiting_line():
    found = InMemory()
    found.add_stock("A", on_hand=2)
    first = found.add_order("O1", ("1", "A", 2), accept_substitutes=False)
    second = found.add_order("O2", ("1", "A", 2), accept_substitutes=False, minutes=1)
    fulfilment.request_lines(found, first, cause())
    fulfilment.request_lines(found, second, cause())

    fulfilment.cancel_line(found, first, "1", "changed my mind", cause("cancel"))

    assert second.line("1").allocated == {"A": 2} and second.line("1").backordered == 0


def test_accepting_a_substitute_allocates_it_and_gives_up_the_queue_place():
    found = InMemory()
    own = found.add_stock("A")
    substitute = found.add_stock("B", on_hand=5)
    stands_in_for(substitute, own)
    order = found.add_order("O1", ("1", "A", 3))
    fulfilment.request_lines(found, order, cause())

    fulfilment.accept_substitute(found, order, "1", cause("accept"))

    assert order.line("1").allocated == {"B": 3} and order.line("1").backordered == 0
    assert substitute.available == 2 and not own.queue


def test_a_substitute_no_longer_free_is_refused_and_the_line_keeps_its_queue_place():
    found = InMemory()
    own = found.add_stock("A")
    substitute = found.add_stock("B", on_hand=5)
    stands_in_for(substitute, own)
    order = found.add_order("O1", ("1", "A", 3))
    fulfilment.request_lines(found, order, cause())
    substitute.adjust("main", 2, "count", cause("count"))
    found.collect_all()

    with pytest.raises(SubstituteUnavailable, match="B has 2 free now, 3 needed"):
        fulfilment.accept_substitute(found, order, "1", cause("accept"))

    assert [e.order_id for e in own.queue] == ["O1"]
    assert recorded(order) == [] and recorded(substitute) == []
