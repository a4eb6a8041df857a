"""The Order aggregate on its own: lines, what they were promised, and what may be done to them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import LineNotOpen, NoOpenOffer, NotAllocated, UnknownLine
from domain.order import LineSpec, Order, order_uuid
from domain.values import Contact, DecisionRef, LineStatus, ShippingPreference, Tier

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
TODAY = T0.date()


def ref(sku: str = "A", version: int = 2, policy: str = "priority-fifo-v1") -> DecisionRef:
    return DecisionRef(
        sku=sku, stock_version=version, policy=policy, message_id="m", inputs={}, reason="test"
    )


def new_order(
    *lines: tuple[str, str, int],
    shipping: ShippingPreference = ShippingPreference.PARTIAL,
    max_wait_days: int | None = None,
    tier: Tier = Tier.GOLD,
) -> Order:
    order = Order(
        order_id="O1",
        customer_id="C1",
        tier=tier,
        placed_at=T0,
        shipping=shipping,
        accept_substitutes=True,
        max_wait_days=max_wait_days,
        contact=Contact(email="c@example.com"),
        lines=[LineSpec(line_id=i, sku=s, quantity=q) for i, s, q in lines or [("1", "A", 5)]],
        message_id="place",
    )
    order.collect_events()
    return order


def names(order: Order) -> list[str]:
    return [type(e).__name__ for e in order.collect_events()]


def balanced(order: Order) -> bool:
    return all(
        line.quantity == line.allocated_total + line.backordered + line.cancelled + line.shipped
        for line in order.lines.values()
    )


def test_an_order_is_identified_by_its_order_id_and_its_lines_start_empty():
    order = new_order(("1", "A", 5), ("2", "B", 1))
    assert order.id == order_uuid("O1")
    line = order.lines["1"]
    assert (line.allocated_total, line.backordered, line.cancelled, line.shipped) == (0, 0, 0, 0)
    assert not line.is_open


def test_a_line_request_carries_the_orders_tier_time_and_wait_limit():
    order = new_order(max_wait_days=10)
    request = order.request_for("1")
    assert (request.quantity, request.tier, request.placed_at) == (5, Tier.GOLD, T0)
    assert request.wait_limit == date(2026, 1, 15)
    assert order.request_for("1", 2).quantity == 2
    assert new_order().wait_limit is None


def test_an_unknown_line_is_named_in_the_error():
    with pytest.raises(UnknownLine, match="'9'") as error:
        new_order().line("9")
    assert error.value.field == "line_ids"


def test_a_line_moves_from_backordered_through_filled_to_shipped():
    order = new_order()
    order.allocate("1", "A", 2, ref())
    order.backorder("1", 3, 1, TODAY + timedelta(days=9), True, ref(), ref(policy="eta-v1"))
    assert order.lines["1"].status is LineStatus.PARTIALLY_ALLOCATED
    assert (order.lines["1"].position, order.lines["1"].first_eta) == (1, TODAY + timedelta(days=9))
    order.fill("1", "A", 3, ref())
    line = order.lines["1"]
    assert line.status is LineStatus.ALLOCATED
    assert (line.position, line.eta, line.needs_purchase) == (None, None, False)
    assert line.first_eta == TODAY + timedelta(days=9)  # what was first promised is remembered
    order.ship("1", 4, "main", "ship-1", T0)
    assert order.lines["1"].status is LineStatus.PARTIALLY_SHIPPED
    order.ship("1", 1, "main", "ship-2", T0)
    assert order.lines["1"].status is LineStatus.SHIPPED
    assert names(order) == [
        "LineAllocated",
        "LineBackordered",
        "BackorderFilled",
        "LineShipped",
        "LineShipped",
    ]
    assert balanced(order)


def test_an_eta_revision_stored_on_an_order_before_revisions_moved_to_the_stock_still_applies():
    order = new_order()
    order.backorder("1", 5, 1, TODAY + timedelta(days=9), True, ref(), None)
    order._eta_revised(
        line_id="1",
        old=TODAY + timedelta(days=9),
        new=TODAY + timedelta(days=4),
        needs_purchase=False,
        decision=ref(),
    )
    line = order.lines["1"]
    assert (line.eta, line.first_eta, line.eta_revisions, line.needs_purchase) == (
        TODAY + timedelta(days=4),
        TODAY + timedelta(days=9),
        1,
        False,
    )


def test_a_revoked_allocation_becomes_backordered_again():
    order = new_order()
    order.allocate("1", "A", 5, ref())
    order.revoke("1", "A", 2, ref())
    line = order.lines["1"]
    assert (line.allocated, line.backordered) == ({"A": 3}, 2)
    assert balanced(order)


def test_cancelling_a_line_releases_and_withdraws_everything_open():
    order = new_order()
    order.allocate("1", "A", 2, ref())
    order.backorder("1", 3, 1, None, True, ref(), None)
    order.cancel("1", "customer request", automatic=False, decision=ref())
    line = order.lines["1"]
    assert (line.allocated, line.backordered, line.cancelled) == ({}, 0, 5)
    assert line.status is LineStatus.CANCELLED
    assert balanced(order)


def test_an_automatic_expiry_cancels_only_the_waiting_part():
    order = new_order()
    order.allocate("1", "A", 2, ref())
    order.backorder("1", 3, 1, None, True, ref(), None)
    order.cancel("1", "too late", automatic=True, decision=ref(policy="eta-v1"), quantity=3)
    line = order.lines["1"]
    assert (line.allocated_total, line.backordered, line.cancelled) == (2, 0, 3)
    assert line.status is LineStatus.ALLOCATED
    events = order.collect_events()
    assert events[-1].automatic is True and events[-1].withdrawn == 3 and events[-1].released == 0


def test_a_shipped_or_cancelled_line_cannot_be_cancelled():
    order = new_order(("1", "A", 1), ("2", "B", 1))
    order.allocate("1", "A", 1, ref())
    order.ship("1", 1, "main", "ship", T0)
    with pytest.raises(LineNotOpen, match="shipped"):
        order.check_cancellable("1")
    order.backorder("2", 1, 1, None, True, ref(), None)
    order.cancel("2", "x", automatic=False, decision=None)
    order.collect_events()
    with pytest.raises(LineNotOpen, match="cancelled"):
        order.cancel("2", "again", automatic=False, decision=None)
    assert names(order) == []


def test_shipping_more_than_is_allocated_is_refused():
    order = new_order()
    order.allocate("1", "A", 2, ref())
    order.collect_events()
    with pytest.raises(NotAllocated, match="cannot ship 3") as error:
        order.ship("1", 3, "main", "ship", T0)
    assert error.value.field == "lines"
    assert names(order) == []


def test_a_complete_order_is_not_ready_to_ship_while_any_line_waits():
    order = new_order(("1", "A", 2), ("2", "B", 2), shipping=ShippingPreference.COMPLETE)
    order.allocate("1", "A", 2, ref())
    order.backorder("2", 2, 1, None, True, ref("B"), None)
    assert not order.ready_to_ship
    with pytest.raises(NotAllocated, match="complete") as error:
        order.check_shippable("1", 2)
    assert error.value.field == "order_id"
    order.fill("2", "B", 2, ref("B"))
    assert order.ready_to_ship
    order.check_shippable("1", 2)


def test_a_partial_order_may_ship_what_is_allocated_while_other_lines_wait():
    order = new_order(("1", "A", 2), ("2", "B", 2))
    order.allocate("1", "A", 2, ref())
    order.backorder("2", 2, 1, None, True, ref("B"), None)
    assert order.ready_to_ship
    assert order.ship("1", 2, "main", "ship", T0) == {"A": 2}


def test_shipping_takes_the_lines_own_sku_before_a_substitute():
    order = new_order(("1", "A", 5))
    order.allocate("1", "A", 2, ref())
    order.backorder("1", 3, 1, None, True, ref(), None)
    order.offer_substitute("1", "B", 3, ref("B", policy="substitute-v1"))
    order.accept_substitute("1", ref("B"))
    assert order.lines["1"].allocated == {"A": 2, "B": 3}
    assert order.ship("1", 4, "main", "ship", T0) == {"A": 2, "B": 2}
    assert order.lines["1"].allocated == {"B": 1}
    assert balanced(order)


def test_a_substitute_offer_is_open_only_while_the_line_waits():
    order = new_order()
    with pytest.raises(NoOpenOffer):
        order.open_offer("1")
    order.backorder("1", 5, 1, None, True, ref(), None)
    order.offer_substitute("1", "B", 5, ref("B"))
    assert order.lines["1"].status is LineStatus.SUBSTITUTE_OFFERED
    assert order.open_offer("1").sku == "B"
    order.decline_substitute("1", "decline")
    line = order.lines["1"]
    assert line.offer is None and line.backordered == 5 and line.status is LineStatus.BACKORDERED
    with pytest.raises(NoOpenOffer) as error:
        order.accept_substitute("1", ref("B"))
    assert error.value.field == "line_id"


def test_accepting_a_substitute_moves_the_waiting_units_to_it():
    order = new_order()
    order.backorder("1", 5, 1, TODAY, False, ref(), None)
    order.offer_substitute("1", "B", 5, ref("B"))
    order.accept_substitute("1", ref("B"))
    line = order.lines["1"]
    assert (line.allocated, line.backordered, line.offer, line.position, line.eta) == (
        {"B": 5},
        0,
        None,
        None,
        None,
    )
    assert line.status is LineStatus.ALLOCATED
