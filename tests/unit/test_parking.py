"""The parking lot's rules: what waits, for what, in which order, and for how long (message time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.contracts import Message
from services.parking import ParkingLot, brings
from services.parsing import parse_message
from tests import messages as m

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def msg(raw: dict) -> Message:
    return parse_message(raw)


def lot_with(*parked: tuple[Message, str, datetime]) -> ParkingLot:
    lot = ParkingLot()
    for message, awaits, at in parked:
        lot.park(message, awaits, "unknown", None, at)
    return lot


def test_what_each_message_makes_known_is_what_early_messages_wait_for():
    assert brings(msg(m.po_placed("p", "PO-1"))) == ["purchase order PO-1"]
    assert brings(msg(m.order_placed("o", "O1"))) == ["order O1"]
    assert brings(msg(m.order_placed_v2("o2", "O1"))) == ["order O1"]  # every version of a placement
    assert brings(msg(m.supplier_registered("s", "S1", ["A", "B"]))) == ["supplier S1", "SKU A", "SKU B"]
    assert brings(msg(m.sku_configured("k", "A"))) == ["SKU A"]
    assert brings(msg(m.sku_configured("k2", "A", schema_version=2, reason="new supplier"))) == ["SKU A"]
    assert brings(msg(m.stock_received("r", "A", 1))) == ["SKU A"]
    assert brings(msg(m.order_cancelled("x", "O1"))) == []


def test_woken_messages_are_due_in_the_order_they_were_first_parked():
    # Given two receipts waiting for PO-1 and a cancel waiting for an order
    first = msg(m.stock_received("r1", "A", 1, po="PO-1", supplier_id="S1"))
    second = msg(m.stock_received("r2", "A", 2, po="PO-1", supplier_id="S1"))
    cancel = msg(m.order_cancelled("x", "O1"))
    lot = lot_with(
        (first, "purchase order PO-1", T0), (cancel, "order O1", T0), (second, "purchase order PO-1", T0)
    )
    # When PO-1 becomes known
    lot.wake("purchase order PO-1")
    # Then only what waited for it is due, first parked first
    assert [p.message_id for p in lot.due(T0, timedelta(hours=4))] == ["r1", "r2"]


def test_a_message_is_due_once_it_has_waited_its_time_in_message_time():
    cancel = msg(m.order_cancelled("x", "O1"))
    lot = lot_with((cancel, "order O1", T0))
    assert lot.due(T0 + timedelta(minutes=239), timedelta(hours=4)) == []
    assert [p.message_id for p in lot.due(T0 + timedelta(hours=4), timedelta(hours=4))] == ["x"]


def test_parked_again_it_keeps_its_place_and_since_when_it_waits():
    # Given a receipt parked at T0, woken, that still waits (for another thing) an hour later
    receipt = msg(m.stock_received("r1", "A", 1, po="PO-1", supplier_id="S1"))
    lot = lot_with((receipt, "purchase order PO-1", T0))
    lot.wake("purchase order PO-1")
    lot.park(receipt, "supplier S1", "unknown supplier", "supplier_id", T0 + timedelta(hours=1))
    # Then it is asleep again, with its first place and time
    parked = lot.waiting["r1"]
    assert (parked.awake, parked.awaits, parked.since, parked.seq) == (False, "supplier S1", T0, 1)


def test_the_same_message_sent_again_while_it_waits_records_nothing_new():
    cancel = msg(m.order_cancelled("x", "O1"))
    lot = lot_with((cancel, "order O1", T0))
    lot.collect_events()
    lot.park(cancel, "order O1", "unknown", None, T0 + timedelta(minutes=5))
    assert lot.collect_events() == []


def test_a_released_message_leaves_the_lot():
    cancel = msg(m.order_cancelled("x", "O1"))
    lot = lot_with((cancel, "order O1", T0))
    lot.release("x", "applied")
    assert lot.waiting == {}
