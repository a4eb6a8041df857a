"""The audit history read model: what one order's or one SKU's timeline shows, in log order."""

from __future__ import annotations

import pytest

from projections.audit import AuditProjection
from projections.audit_timeline import order_timeline, sku_timeline
from tests.messages import apply, order_placed, po_placed, stock_received, supplier_registered, ts
from tests.support.read_side import project

pytestmark = pytest.mark.integration

# Given A with 2 on hand and B with 2; o1 wants 5 A and 1 B; o2 wants 1 A a day later; 4 A arrive on day 2.
HISTORY = (
    stock_received("m1", "A", 2),
    stock_received("m1b", "B", 2),
    order_placed("m2", "o1", (("1", "A", 5), ("2", "B", 1))),
    order_placed("m3", "o2", (("1", "A", 1),), at=ts(1)),
    stock_received("m4", "A", 4, at=ts(2)),
)


def timelines(engine, *messages):
    apply(engine, *messages)
    return project(engine, [AuditProjection()])


def test_an_order_timeline_holds_its_own_events_and_every_stock_event_naming_it_in_log_order(memory_engine):
    runner = timelines(memory_engine, *HISTORY)

    with runner.store.reading() as tx:
        entries = order_timeline(tx, "o1")

    assert [(e.event_type, e.summary) for e in entries] == [
        (
            "Stock.LineRequested",
            "line o1/1 asks 5: 2 allocated, 3 backordered at queue position 1 (0 unit(s) ahead)",
        ),
        ("Stock.EtasRevised", "promises from position 1: o1/1 none -> none (needs purchase)"),
        ("Stock.LineRequested", "line o1/2 asks 1: 1 allocated, 0 backordered"),
        ("Order.Placed", "order o1 placed by cust-o1 (standard): line 1 5 x A, line 2 1 x B"),
        ("Order.LineAllocated", "line 1: 2 x A allocated"),
        ("Order.LineBackordered", "line 1: 3 waiting at position 1, ETA none (needs purchase)"),
        ("Order.LineAllocated", "line 2: 1 x B allocated"),
        ("Stock.QueueFilled", "filled o1/1 x3 (and 1 other line(s))"),
        ("Order.BackorderFilled", "line 1: 3 x A filled from the queue"),
    ]
    ids = [e.notification_id for e in entries]
    assert ids == sorted(ids)


def test_an_event_naming_several_orders_appears_in_each_of_their_timelines(memory_engine):
    runner = timelines(memory_engine, *HISTORY)

    with runner.store.reading() as tx:
        o1 = {e.notification_id: e for e in order_timeline(tx, "o1") if e.event_type == "Stock.QueueFilled"}
        o2 = {e.notification_id: e for e in order_timeline(tx, "o2") if e.event_type == "Stock.QueueFilled"}

    assert o1.keys() == o2.keys() and len(o1) == 1
    assert [e.event_type for e in order_timeline_of(runner, "o2")] == [
        "Stock.LineRequested",
        "Stock.EtasRevised",
        "Order.Placed",
        "Order.LineBackordered",
        "Stock.QueueFilled",
        "Order.BackorderFilled",
    ]


def order_timeline_of(runner, order_id):
    with runner.store.reading() as tx:
        return order_timeline(tx, order_id)


def test_each_decision_shows_its_versioned_policy_message_time_inputs_reason_and_replay_command(
    memory_engine,
):
    runner = timelines(memory_engine, *HISTORY)

    request = order_timeline_of(runner, "o2")[0]

    decision = request.decisions["decision"]
    assert decision["policy"] == "priority-fifo-v1"
    assert decision["message_id"] == "m3"
    assert decision["as_of"] == ts(1)
    assert decision["inputs"] == {
        "sku": "A",
        "available": 0,
        "queue_length": 1,
        "units_waiting": 3,
        "position": 2,
        "units_ahead": 3,
    }
    assert "backorder" in decision["reason"]
    assert request.replay == ["antrian replay decision o2"]


def test_an_event_without_a_decision_offers_no_replay(memory_engine):
    runner = timelines(memory_engine, *HISTORY)

    placed = next(e for e in order_timeline_of(runner, "o1") if e.event_type == "Order.Placed")

    assert placed.decisions == {} and placed.replay == []


def test_a_sku_timeline_holds_its_stock_events_and_the_purchase_orders_naming_it_only(memory_engine):
    # Given a supplier of B only, the history above, and a PO for B
    runner = timelines(
        memory_engine,
        supplier_registered("s1", "S1", ("B",)),
        *HISTORY,
        po_placed("p1", "PB", (("B", 5),)),
    )

    with runner.store.reading() as tx:
        a = sku_timeline(tx, "A")
        b = sku_timeline(tx, "B")

    assert [e.event_type for e in a] == [
        "Stock.Registered",
        "Stock.Received",
        "Stock.LineRequested",
        "Stock.EtasRevised",
        "Stock.LineRequested",
        "Stock.EtasRevised",
        "Stock.Received",
        "Stock.QueueFilled",
    ]
    assert [e.summary for e in b if e.aggregate_type == "Supplier"] == [
        "supplier S1 (Supplier S1) registered",
        "PO PB placed: 5 x B, expected 2026-01-12",
    ]
    filled = a[-1]
    assert filled.replay == ["antrian replay decision o1", "antrian replay decision o2"]


def test_projecting_in_two_steps_gives_the_same_rows_as_projecting_once(memory_engine):
    # Given the first half projected, then the rest
    apply(memory_engine, *HISTORY[:3])
    stepwise = project(memory_engine, [AuditProjection()])
    apply(memory_engine, *HISTORY[3:])
    from infra.bootstrap import log_feed

    stepwise.run(log_feed(memory_engine))

    once = project(memory_engine, [AuditProjection()])

    assert stepwise.export() == once.export()


def test_order_events_take_the_business_time_of_the_message_that_caused_them(memory_engine):
    runner = timelines(memory_engine, *HISTORY)

    times = {e.event_type: e.business_time for e in order_timeline_of(runner, "o2")}

    assert times["Order.Placed"] == ts(1)
    assert times["Order.LineBackordered"] == ts(1)  # the request's decision time, same message
    assert times["Order.BackorderFilled"] == ts(2)
