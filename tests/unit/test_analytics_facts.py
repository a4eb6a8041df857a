"""Following lines and purchase orders through their stored facts, written out by hand."""

from __future__ import annotations

from datetime import date, datetime

from domain.order import Order
from infra.bootstrap import log_feed
from projections.analytics.lines import follow
from projections.analytics.projection import AnalyticsProjection
from projections.analytics.suppliers import first_receipts
from projections.event import ProjectedEvent
from projections.store import SqliteReadStore
from tests.messages import apply, day, order_placed, po_placed, supplier_registered, ts

A, B = "stock-A", "stock-B"


def request(
    nid, order_id, stock=A, sku="A", requested=5, allocated=2, substitute_for=None, at="2026-01-05T10:00:00Z"
):
    return {
        "notification_id": nid,
        "stock_key": stock,
        "sku": sku,
        "order_id": order_id,
        "line_id": "1",
        "requested": requested,
        "allocated": allocated,
        "backordered": requested - allocated,
        "substitute_for": substitute_for,
        "message_id": f"m{nid}",
        "requested_at": at,
    }


def move(nid, kind, quantity, order_id="o1", stock=A, at="2026-01-07T16:00:00Z", seq=0):
    return {
        "notification_id": nid,
        "seq": seq,
        "stock_key": stock,
        "order_id": order_id,
        "line_id": "1",
        "kind": kind,
        "quantity": quantity,
        "at": at,
    }


def test_a_backorder_is_filled_when_the_last_waiting_unit_is():
    facts = [move(5, "fill", 1, at="2026-01-06T10:00:00Z"), move(9, "fill", 2, at="2026-01-08T22:00:00Z")]

    (line,), waiting = follow([request(1, "o1")], facts, {}, [])

    assert line.filled_at == datetime.fromisoformat("2026-01-08T22:00:00Z")
    assert line.wait_days == 3.5
    assert line.waiting == 0 and waiting == {}


def test_facts_are_taken_in_log_order_whatever_order_they_are_read_in():
    facts = [move(9, "fill", 2, at="2026-01-08T10:00:00Z"), move(5, "fill", 1, at="2026-01-06T10:00:00Z")]

    (line,), _ = follow([request(1, "o1")], facts, {}, [])

    assert line.filled_at == datetime.fromisoformat("2026-01-08T10:00:00Z")


def test_units_taken_back_wait_again_on_the_lines_own_sku():
    facts = [move(3, "fill", 3), move(6, "revoke", 2)]

    (line,), waiting = follow([request(1, "o1")], facts, {}, [])

    assert line.waiting == 2 and waiting == {"A": 2}
    assert line.filled_at is not None  # the wait ended once, and counts


def test_units_taken_back_from_a_substitute_do_not_queue_on_the_substitute():
    requests = [request(1, "o1", allocated=0), request(4, "o1", B, "B", 5, 5, substitute_for="A")]
    facts = [move(5, "withdraw", 5, at=None), move(8, "revoke", 5, stock=B)]

    (line,), waiting = follow(requests, facts, {}, [])

    assert (line.sku, line.waiting, line.filled_at) == ("A", 0, None)
    assert waiting == {}


def test_expired_and_withdrawn_units_stop_waiting_without_filling_the_line():
    requests = [request(1, "o1"), request(2, "o2", requested=4, allocated=0)]
    facts = [move(5, "expire", 3), move(7, "withdraw", 4, order_id="o2", at=None)]

    lines, waiting = follow(requests, facts, {}, [])

    assert [(x.order_id, x.waiting, x.filled_at) for x in lines] == [("o1", 0, None), ("o2", 0, None)]
    assert waiting == {}


def test_a_line_gets_its_first_promise_and_its_cancellations_through_the_order_id():
    key = str(Order.create_id("o1"))
    cancellations = [{"order_key": key, "line_id": "1", "automatic": 1}]

    (line,), _ = follow([request(1, "o1")], [], {(key, "1"): "2026-01-12"}, cancellations)

    assert line.first_eta == date(2026, 1, 12)
    assert line.cancelled_automatically and not line.cancelled_by_customer


def first_promises(events: list[ProjectedEvent]) -> list[tuple]:
    """analytics_promises after applying `events` in the given order."""
    projection, store = AnalyticsProjection(), SqliteReadStore(":memory:")
    with store.transaction() as tx:
        projection.create(tx)
        for event in events:
            projection.apply(tx, event)
    with store.reading() as tx:
        return tx.all(
            "SELECT order_key, line_id, first_eta, stock_version, notification_id FROM analytics_promises"
        )


def test_a_lines_first_promise_is_the_same_whether_its_stocks_revisions_are_projected_before_or_after_its_backorder(
    memory_engine,
):
    # Given O1's line waits for A, promised S1's lead time (7 days + 2 of assumed lateness),
    # then a PO for A expected on day 12 moves the promise to day 14 in a Stock.EtasRevised
    apply(
        memory_engine,
        supplier_registered("s1", "S1", ("A",), lead_time_days=7),
        order_placed("o1", "O1", (("1", "A", 3),)),
        po_placed("p1", "P1", (("A", 10),), expected=day(12), at=ts(1)),
    )
    events = log_feed(memory_engine).poll(10_000).events
    stock = [e for e in events if e.aggregate_type == "Stock"]
    others = [e for e in events if e.aggregate_type != "Stock"]
    backordered = next(e for e in others if e.event_type == "Order.LineBackordered")
    revisions = [e for e in stock if e.event_type == "Stock.EtasRevised"]
    assert [c["eta"] for e in revisions for c in e.data["changes"]] == [day(9), day(14)]

    # When the Stock's events are projected before the Order's, or after them
    stock_first, order_first = first_promises(stock + others), first_promises(others + stock)

    # Then both keep the promise the line was backordered with, made at the same Stock version
    # and credited to the same event, the first in the log of the two that tell it
    told_by = min(backordered.notification_id, revisions[0].notification_id)
    key = str(Order.create_id("O1"))
    assert stock_first == order_first == [(key, "1", day(9), revisions[0].aggregate_version, told_by)]


def po(nid, kind, expected=None, on=None, po_id="P1", seq=0):
    return {
        "notification_id": nid,
        "seq": seq,
        "supplier_key": "s1",
        "po_id": po_id,
        "kind": kind,
        "sku": "A",
        "quantity": 10,
        "expected": expected,
        "on_date": on,
    }


def test_a_receipt_is_measured_against_the_confirmed_date_not_a_later_delay_notice():
    events = [
        po(1, "placed", "2026-01-10", "2026-01-02T09:00:00Z"),
        po(2, "confirmed", "2026-01-12"),
        po(3, "delayed", "2026-01-20"),
        po(4, "received", on="2026-01-19"),
    ]

    (receipt,) = first_receipts(events)

    assert (receipt.promised, receipt.received_on, receipt.delay_days) == (
        date(2026, 1, 12),
        date(2026, 1, 19),
        7,
    )


def test_an_unconfirmed_po_is_measured_against_its_placed_date_and_only_its_first_receipt_counts():
    events = [
        po(1, "placed", "2026-01-10", "2026-01-02T09:00:00Z"),
        po(1, "placed", "2026-01-10", "2026-01-02T09:00:00Z", seq=1),
        po(5, "received", on="2026-01-09"),
        po(8, "received", on="2026-01-15"),
        po(2, "placed", "2026-01-10", "2026-01-02T09:00:00Z", po_id="P2"),
        po(3, "cancelled", po_id="P2"),
    ]

    (receipt,) = first_receipts(events)

    assert (receipt.po_id, receipt.delay_days) == ("P1", -1)
