"""What a customer is told about a line: the latest view against the last one they were told."""

from __future__ import annotations

from dataclasses import replace

import pytest

from projections.notifications.compose import Kind, nothing_told, what_to_say
from projections.notifications.views import LineView, advance

ORDERED = LineView(sku="A", quantity=5)
WAITING = replace(ORDERED, waiting=5, position=2, eta="2026-01-20")


def backordered(quantity=5, position=2, eta="2026-01-20", needs_purchase=False):
    return (
        "Order.LineBackordered",
        {"quantity": quantity, "queue_position": position, "eta": eta, "needs_purchase": needs_purchase},
    )


def eta_revised(eta, needs_purchase=False):
    """A later promise of the line's SKU (a change in Stock.EtasRevised)."""
    return ("promise", {"eta": eta, "needs_purchase": needs_purchase})


def filled(quantity=5, sku="A"):
    return ("Order.BackorderFilled", {"sku": sku, "quantity": quantity})


def offered(sku="B", quantity=5):
    return ("Order.SubstituteOffered", {"substitute_sku": sku, "quantity": quantity})


def cancelled(released=0, withdrawn=5, automatic=False, reason="changed my mind"):
    return (
        "Order.LineCancelled",
        {
            "released_quantity": released,
            "withdrawn_quantity": withdrawn,
            "reason": reason,
            "automatic": automatic,
        },
    )


def after(view, *changes):
    for event_type, data in changes:
        if event_type == "promise":
            view = replace(view, eta=data["eta"], needs_purchase=data["needs_purchase"])
        else:
            view = advance(view, event_type, data)
    return view


def test_a_line_that_starts_waiting_is_backordered_with_its_place_and_date():
    now = after(ORDERED, backordered())

    assert now == WAITING
    assert what_to_say(nothing_told(now), now) is Kind.BACKORDERED


def test_backordered_then_the_eta_moved_is_one_backordered_message_with_the_latest_date():
    now = after(ORDERED, backordered(), eta_revised("2026-01-25"))

    assert what_to_say(nothing_told(now), now) is Kind.BACKORDERED
    assert now.eta == "2026-01-25"


@pytest.mark.parametrize(
    ("moves", "expected"),
    [
        (["2026-01-25"], Kind.ETA_LATER),
        (["2026-01-18"], Kind.ETA_EARLIER),
        (["2026-01-25", "2026-01-28"], Kind.ETA_LATER),
        (["2026-01-25", "2026-01-18"], Kind.ETA_EARLIER),
        (["2026-01-25", "2026-01-20"], None),
        ([None], Kind.ETA_CHANGED),
    ],
)
def test_eta_moves_are_compared_with_the_date_the_customer_was_last_told(moves, expected):
    now = after(WAITING, *(eta_revised(eta) for eta in moves))

    assert what_to_say(WAITING, now) is expected


def test_a_date_that_loses_its_supplier_backing_is_news_even_when_the_day_is_the_same():
    now = after(WAITING, eta_revised("2026-01-20", needs_purchase=True))

    assert what_to_say(WAITING, now) is Kind.ETA_CHANGED


def test_offered_then_allocated_says_allocated():
    now = after(WAITING, offered(), filled())

    assert what_to_say(WAITING, now) is Kind.ALLOCATED
    assert (now.offer_sku, now.waiting, now.position, now.eta) == (None, 0, None, None)


def test_an_open_offer_is_news_while_the_line_waits():
    now = after(WAITING, offered())

    assert what_to_say(WAITING, now) is Kind.SUBSTITUTE_OFFERED


def test_an_offer_declined_leaves_nothing_to_say_about_it():
    now = after(WAITING, offered(), ("Order.SubstituteDeclined", {"substitute_sku": "B"}))

    assert what_to_say(WAITING, now) is None


@pytest.mark.parametrize(
    "before",
    [[], [offered()], [eta_revised("2026-01-30")], [filled(2)], [offered(), eta_revised(None)]],
)
def test_anything_then_cancelled_says_cancelled(before):
    view = after(WAITING, *before)
    now = after(view, cancelled(released=view.ready, withdrawn=view.waiting))

    assert what_to_say(WAITING, now) is Kind.CANCELLED
    assert (now.ready, now.waiting, now.cancelled) == (0, 0, 5)


def test_an_automatic_cancel_keeps_the_promise_that_was_too_late():
    now = after(WAITING, cancelled(automatic=True, reason="promised date later than the maximum wait"))

    assert (now.cancel_automatic, now.cancel_eta) == (True, "2026-01-20")


def test_a_partial_fill_says_allocated_and_the_rest_still_waits_where_it_was():
    now = after(WAITING, filled(2))

    assert what_to_say(WAITING, now) is Kind.ALLOCATED
    assert (now.ready, now.waiting, now.position, now.eta) == (2, 3, 2, "2026-01-20")


def test_units_taken_back_from_an_allocated_line_make_it_backordered_again():
    told = after(ORDERED, ("Order.LineAllocated", {"sku": "A", "quantity": 5}))
    now = after(
        told,
        ("Order.AllocationRevoked", {"sku": "A", "quantity": 2}),
        eta_revised(None, needs_purchase=True),
    )

    assert (now.ready, now.waiting, now.position, now.needs_purchase) == (3, 2, None, True)
    assert what_to_say(told, now) is Kind.BACKORDERED


def test_substitute_units_taken_back_wait_only_when_the_own_sku_queues_them_again():
    told = after(WAITING, ("Order.SubstituteAccepted", {"substitute_sku": "B", "quantity": 5}))
    now = advance(told, "Order.AllocationRevoked", {"sku": "B", "quantity": 5})

    assert (now.ready, now.waiting) == (0, 0)
    assert what_to_say(told, now) is None


def test_nothing_changed_for_the_customer_says_nothing():
    assert what_to_say(WAITING, WAITING) is None
    assert what_to_say(nothing_told(ORDERED), ORDERED) is None


def test_an_event_that_is_not_about_a_line_is_refused():
    with pytest.raises(ValueError, match="Order.LineShipped"):
        advance(WAITING, "Order.LineShipped", {})
