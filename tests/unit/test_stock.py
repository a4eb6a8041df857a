"""The Stock aggregate on its own: commands, the events they record, and the effects they report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import InsufficientStock, NotAllocated, UnknownPolicy
from domain.stock import PUSHED_NAMED, Stock, StockState, stock_id
from domain.values import (
    Cause,
    Contact,
    InboundLine,
    LineRequest,
    Source,
    SupplierPriority,
    Tier,
)

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
TODAY = T0.date()


def cause(mid: str = "m1", days: int = 0, minutes: int = 0) -> Cause:
    return Cause(message_id=mid, at=T0 + timedelta(days=days, minutes=minutes))


def request(
    order_id: str,
    quantity: int,
    tier: Tier = Tier.STANDARD,
    minutes: int = 0,
    wait_limit: date | None = None,
    line_id: str = "1",
) -> LineRequest:
    return LineRequest(
        order_id=order_id,
        line_id=line_id,
        quantity=quantity,
        tier=tier,
        placed_at=T0 + timedelta(minutes=minutes),
        wait_limit=wait_limit,
    )


def source(supplier: str = "S1", lead: int = 7, lateness: int = 2, moq: int = 1) -> Source:
    return Source(
        supplier_id=supplier,
        lead_time_days=lead,
        priority=SupplierPriority.PRIMARY,
        minimum_order_quantity=moq,
        lateness_days=lateness,
    )


def inbound(po_id: str, quantity: int, in_days: int, lateness: int = 0) -> InboundLine:
    return InboundLine(
        po_id=po_id,
        supplier_id="S1",
        quantity=quantity,
        expected=TODAY + timedelta(days=in_days),
        lateness_days=lateness,
    )


def new_stock(policy: str = "priority-fifo-v1", on_hand: int = 0, sku: str = "A") -> Stock:
    stock = Stock(sku=sku, policy=policy)
    if on_hand:
        stock.receive("main", on_hand, None, cause("setup"))
    stock.collect_events()
    return stock


def event_names(stock: Stock) -> list[str]:
    return [type(e).__name__ for e in stock.collect_events()]


def queue_of(stock: Stock) -> list[tuple[str, int]]:
    return [(e.order_id, e.quantity) for e in stock.queue]


def test_a_stock_is_identified_by_its_sku():
    stock = Stock(sku="A", policy="fifo-v1")
    assert stock.id == stock_id("A") == Stock.create_id("A")
    assert stock_id("A") != stock_id("B")
    assert event_names(stock) == ["Registered"]


def test_a_request_with_free_stock_is_allocated_and_recorded_with_its_decision():
    stock = new_stock(on_hand=10)
    effects = stock.request(request("O1", 4), cause("place-1"))
    assert stock.available == 6 and stock.allocated == 4
    assert stock.reserved_for("O1", "1") == 4
    ((fill, ref),) = effects.allocated
    assert (fill.order_id, fill.quantity) == ("O1", 4)
    assert ref.sku == "A" and ref.policy == "priority-fifo-v1" and ref.message_id == "place-1"
    events = stock.collect_events()
    requested = next(e for e in events if type(e).__name__ == "LineRequested")
    assert requested.decision.policy == "priority-fifo-v1"
    assert requested.decision.inputs["available"] == 10
    assert requested.decision.as_of == T0
    assert "allocated 4" in requested.decision.reason
    assert requested.originator_version == ref.stock_version


def test_a_request_without_stock_is_queued_with_a_promise():
    stock = new_stock()
    stock.set_source(source(lead=7, lateness=2), cause())
    effects = stock.request(request("O1", 3), cause("place-1"))
    assert queue_of(stock) == [("O1", 3)] and stock.waiting == 3
    ((backorder, _),) = effects.backordered
    assert (backorder.quantity, backorder.position) == (3, 1)
    promise = effects.promise_for("O1", "1")
    assert promise is not None and promise.needs_purchase
    assert promise.eta == TODAY + timedelta(days=9)
    assert stock.queue[0].eta == promise.eta and stock.queue[0].needs_purchase


def test_a_partly_covered_request_is_allocated_what_is_free_and_queues_the_rest():
    stock = new_stock(on_hand=2)
    effects = stock.request(request("O1", 5), cause())
    assert [f.quantity for f, _ in effects.allocated] == [2]
    assert [b.quantity for b, _ in effects.backordered] == [3]
    assert stock.available == 0 and stock.waiting == 3


def test_received_units_go_to_the_queue_before_becoming_available():
    stock = new_stock()
    stock.request(request("O1", 2, minutes=0), cause())
    stock.request(request("O2", 5, minutes=1), cause())
    stock.collect_events()
    effects = stock.receive("main", 4, None, cause("recv"))
    assert [(f.order_id, f.quantity) for f, _ in effects.filled] == [("O1", 2), ("O2", 2)]
    assert queue_of(stock) == [("O2", 3)]
    assert stock.available == 0
    names = event_names(stock)
    assert names[:2] == ["Received", "QueueFilled"]


def test_units_left_after_the_queue_is_served_become_available_and_are_announced_to_watchers():
    stock = new_stock()
    stock.watch("C1", Contact(email="c1@example.com"), cause())
    assert event_names(stock) == ["BackInStockRequested"]
    stock.receive("main", 5, None, cause("recv"))
    names = event_names(stock)
    assert "BackInStockAnnounced" in names
    assert stock.watchers == []


def test_watching_a_sku_that_is_in_stock_is_announced_at_once_and_watching_twice_is_a_no_op():
    stock = new_stock(on_hand=1)
    stock.watch("C1", Contact(email="c1@example.com"), cause())
    assert event_names(stock) == ["BackInStockRequested", "BackInStockAnnounced"]
    empty = new_stock()
    empty.watch("C1", Contact(email="c1@example.com"), cause())
    empty.watch("C1", Contact(email="c1@example.com"), cause())
    assert event_names(empty) == ["BackInStockRequested"]


def test_a_count_below_allocations_takes_back_units_last_in_policy_order():
    stock = new_stock(on_hand=6)
    stock.request(request("early", 3, minutes=0), cause())
    stock.request(request("late", 3, minutes=5), cause())
    stock.collect_events()
    effects = stock.adjust("main", 4, "cycle count", cause("count"))
    assert [(f.order_id, f.quantity) for f, _ in effects.revoked] == [("late", 2)]
    assert stock.allocated == 4 == stock.total_on_hand
    assert queue_of(stock) == [("late", 2)]
    names = event_names(stock)
    assert names[:2] == ["Adjusted", "AllocationsRevoked"]


def test_a_count_above_the_books_feeds_the_queue():
    stock = new_stock()
    stock.request(request("O1", 2), cause())
    effects = stock.adjust("main", 5, "found a box", cause("count"))
    assert [(f.order_id, f.quantity) for f, _ in effects.filled] == [("O1", 2)]
    assert stock.available == 3


def test_a_count_that_matches_the_books_records_nothing():
    stock = new_stock(on_hand=5)
    stock.adjust("main", 5, "cycle count", cause())
    assert event_names(stock) == []


def test_shipping_reduces_on_hand_and_the_lines_allocation():
    stock = new_stock(on_hand=5)
    stock.request(request("O1", 3), cause())
    stock.ship("O1", "1", 2, "main", T0)
    assert stock.total_on_hand == 3 and stock.reserved_for("O1", "1") == 1 and stock.allocated == 1


def test_shipping_more_than_allocated_or_from_an_empty_warehouse_is_refused_without_events():
    stock = new_stock(on_hand=5)
    stock.request(request("O1", 3), cause())
    stock.collect_events()
    with pytest.raises(NotAllocated, match="cannot ship 4"):
        stock.ship("O1", "1", 4, "main", T0)
    with pytest.raises(InsufficientStock) as refused:
        stock.ship("O1", "1", 1, "elsewhere", T0)
    assert refused.value.field == "warehouse"
    assert event_names(stock) == []


def test_releasing_a_line_gives_its_units_to_the_queue():
    stock = new_stock(on_hand=3)
    stock.request(request("O1", 3, minutes=0), cause())
    stock.request(request("O2", 2, minutes=1), cause())
    effects = stock.release("O1", "1", "customer request", cause("cancel"))
    assert [(f.order_id, f.quantity) for f, _ in effects.filled] == [("O2", 2)]
    assert stock.reservations.keys() == {"O2/1"} and stock.available == 1


def test_withdrawing_a_line_improves_promises_behind_it():
    stock = new_stock()
    stock.schedule_inbound(inbound("PO-1", 3, 4), cause())
    stock.schedule_inbound(inbound("PO-2", 3, 10), cause())
    stock.request(request("O1", 3, minutes=0), cause())
    stock.request(request("O2", 3, minutes=1), cause())
    assert stock.queued("O2", "1").eta == TODAY + timedelta(days=10)
    effects = stock.withdraw("O1", "1", "customer request", cause("cancel"))
    assert stock.queued("O2", "1").eta == TODAY + timedelta(days=4)
    assert [(c.order_id, c.new) for c, _ in effects.etas] == [("O2", TODAY + timedelta(days=4))]
    assert stock.withdraw("nobody", "1", "x", cause()).etas == []


def test_cancelling_inbound_turns_promises_into_purchase_needs():
    stock = new_stock()
    stock.set_source(source(lead=5, lateness=0), cause())
    stock.schedule_inbound(inbound("PO-1", 5, 3), cause())
    stock.request(request("O1", 2), cause())
    assert not stock.queue[0].needs_purchase
    stock.cancel_inbound("S1", "PO-1", cause())
    assert stock.queue[0].needs_purchase and stock.queue[0].eta == TODAY + timedelta(days=5)
    stock.collect_events()
    stock.cancel_inbound("S1", "PO-1", cause())  # already gone: nothing to record
    assert event_names(stock) == []


def test_receiving_against_a_po_reduces_its_open_inbound_quantity():
    stock = new_stock()
    stock.schedule_inbound(inbound("PO-1", 5, 3), cause())
    stock.receive("main", 2, ("S1", "PO-1"), cause())
    assert stock.inbound["S1/PO-1"].quantity == 3
    stock.receive("main", 3, ("S1", "PO-1"), cause())
    assert "S1/PO-1" not in stock.inbound


def test_a_line_whose_promise_passes_its_wait_limit_leaves_the_queue():
    stock = new_stock()
    stock.set_source(source(lead=20, lateness=0), cause())
    effects = stock.request(request("O1", 2, wait_limit=TODAY + timedelta(days=5)), cause())
    assert list(stock.queue) == [] and stock.waiting == 0
    ((expiry, ref),) = effects.expired
    assert expiry.eta == TODAY + timedelta(days=20) and ref.policy == "eta-v1"


def test_changing_the_policy_resorts_the_queue():
    stock = new_stock(policy="fifo-v1")
    stock.request(request("std", 1, minutes=0), cause())
    stock.request(request("plat", 1, Tier.PLATINUM, minutes=5), cause())
    assert [e.order_id for e in stock.queue] == ["std", "plat"]
    stock.configure(0, 0, "priority-fifo-v1", cause())
    assert stock.policy == "priority-fifo-v1"
    assert [e.order_id for e in stock.queue] == ["plat", "std"]


def test_configuring_an_unknown_policy_is_refused_without_events():
    stock = new_stock()
    with pytest.raises(UnknownPolicy):
        stock.configure(1, 1, "lifo-v9", cause())
    assert event_names(stock) == []


def test_a_projected_shortfall_below_the_reorder_point_suggests_replenishment_from_the_best_source():
    stock = new_stock(on_hand=2)
    stock.set_source(source("S1", moq=10), cause())
    stock.collect_events()
    stock.configure(reorder_point=5, safety_stock=3, policy=None, cause=cause("cfg"))
    events = stock.collect_events()
    suggested = [e for e in events if type(e).__name__ == "ReplenishmentSuggested"]
    assert len(suggested) == 1
    assert suggested[0].supplier_id == "S1"
    assert suggested[0].quantity == 10  # need 6, rounded up to the minimum order quantity
    assert stock.suggested == 10
    # Scheduling inbound counts against the outstanding suggestion.
    stock.schedule_inbound(inbound("PO-1", 10, 5), cause())
    assert stock.suggested == 0


def test_declared_substitutes_never_include_the_sku_itself():
    stock = new_stock()
    stock.declare_substitutes(["B", "A", "C"])
    assert stock.substitutes == ["B", "C"]


def test_a_snapshot_restores_the_same_state():
    stock = new_stock(on_hand=3)
    stock.set_source(source(), cause())
    stock.request(request("O1", 5), cause())
    stock.watch("C1", Contact(email="c@example.com"), cause())
    stock.collect_events()
    snapshot = Stock.Snapshot.take(stock)
    assert isinstance(snapshot.state, StockState)
    restored = snapshot.mutate(None)
    assert restored.version == stock.version
    assert vars(restored) == vars(stock)


def test_a_snapshot_stores_the_queue_and_reservations_with_their_totals_as_stores_already_hold_them():
    stock = new_stock(on_hand=3)
    stock.request(request("O1", 5), cause())
    stored = Stock.Snapshot.take(stock).state.model_dump(mode="json")
    assert stored["reservations"] == {
        "O1/1": {
            "quantity": 3,
            "tier": "standard",
            "placed_at": "2026-01-05T10:00:00Z",
            "wait_limit": None,
            "substitute_for": None,
            "customer_id": None,
            "customer_group": None,
            "channel": None,
            "allocated_at": "2026-01-05T10:00:00Z",  # the decision's time (redistribution reads it)
        }
    }
    assert stored["allocated"] == 3
    assert [(e["order_id"], e["quantity"]) for e in stored["queue"]] == [("O1", 2)]
    assert stored["waiting"] == 2


def test_a_snapshot_in_the_stored_shape_loads_into_a_stock_with_its_queue_and_reservations():
    stock = new_stock(on_hand=3)
    stock.request(request("O1", 5), cause())
    stock.request(request("O2", 1, minutes=1), cause())
    taken = Stock.Snapshot.take(stock)
    stored = taken.model_dump(mode="json")  # what a store holds, read back as JSON

    restored = Stock.Snapshot.model_validate(stored).mutate(None)

    assert queue_of(restored) == [("O1", 2), ("O2", 1)] and restored.waiting == 3
    assert restored.reserved_for("O1", "1") == 3 and restored.allocated == 3 and restored.available == 0
    assert "waiting" not in vars(restored) and "allocated" not in vars(restored)


def test_a_line_joining_ahead_of_waiting_lines_records_each_line_it_moved_back_with_its_new_place():
    stock = new_stock()
    for i, order_id in enumerate(("S1", "S2", "S3")):
        stock.request(request(order_id, 2, minutes=i), cause(order_id))
    stock.collect_events()

    stock.request(request("G1", 1, tier=Tier.GOLD, minutes=5), cause("g1"))

    (requested,) = [e for e in stock.collect_events() if type(e).__name__ == "LineRequested"]
    assert requested.plan.position == 1
    assert [(p.order_id, p.position) for p in requested.pushed_back] == [("S1", 2), ("S2", 3), ("S3", 4)]
    assert [order_id for order_id, _ in queue_of(stock)] == ["G1", "S1", "S2", "S3"]


def test_a_line_joining_at_the_tail_or_adding_to_its_own_place_moves_nobody_back():
    stock = new_stock()
    stock.request(request("S1", 2), cause("s1"))
    stock.request(request("S2", 2, minutes=1), cause("s2"))  # the tail
    stock.request(request("S1", 3), cause("s1-more"))  # the same line again: its own place
    pushed = [e.pushed_back for e in stock.collect_events() if type(e).__name__ == "LineRequested"]
    assert pushed == [[], [], []]


def test_a_line_joining_ahead_of_a_long_queue_names_only_the_nearest_lines_it_moved_back_and_counts_all():
    stock = new_stock()
    for i in range(PUSHED_NAMED + 30):
        stock.request(request(f"S{i:03}", 1, minutes=i), cause(f"s{i}"))
    stock.collect_events()

    stock.request(request("G1", 1, tier=Tier.GOLD, minutes=999), cause("g1"))

    (requested,) = [e for e in stock.collect_events() if type(e).__name__ == "LineRequested"]
    assert requested.moved_back == PUSHED_NAMED + 30
    assert len(requested.pushed_back) == PUSHED_NAMED
    assert requested.pushed_back[-1].position == PUSHED_NAMED + 1
