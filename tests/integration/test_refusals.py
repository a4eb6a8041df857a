"""Refusals cost what an applied message costs, are remembered, and an unexpected error is one of them."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import OperationalError

from services import contracts, handlers
from services.outcomes import Status
from services.parking import LOT_ID
from services.parsing import parse_message
from tests import messages as m
from tests.conftest import make_engine
from tests.messages import apply
from tests.state import snapshot_of


@pytest.fixture
def engine(tmp_path):
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    apply(engine, m.sku_configured("cfg", "A"), m.stock_received("r0", "A", 5))
    yield engine
    engine.close()


def parsed(*raw):
    return [parse_message(message) for message in raw]


def test_an_error_nobody_expected_while_deciding_refuses_that_message_and_the_rest_of_its_batch_applies(
    engine, monkeypatch, tmp_path
):
    # Given a handler that overflows on one message (as a date in the year 9999 once did)
    def overflowing(session, message, cause):
        session.stock("A").receive("main", 1, None, cause)  # changes something first
        raise OverflowError("date value out of range")

    monkeypatch.setitem(handlers.HANDLERS, contracts.StockAdjusted, overflowing)
    batch = parsed(
        m.stock_received("r1", "A", 1, at=m.ts(1)),
        m.stock_adjusted("bad", "A", 3, at=m.ts(1, 1)),
        m.stock_received("r2", "A", 1, at=m.ts(1, 2)),
    )

    # When the batch is handled
    outcomes = engine.handle_batch(batch)

    # Then that one message is refused with the error named, and the rest apply as if it never came
    assert [o.status for o in outcomes] == [Status.APPLIED, Status.REJECTED, Status.APPLIED]
    assert outcomes[1].detail == "could not be applied: OverflowError: date value out of range"
    assert engine.get_stock("A").total_on_hand == 7
    # and the single-message path says the same
    again = engine.handle(parse_message(m.stock_adjusted("bad2", "A", 3, at=m.ts(1, 3))))
    assert again.status is Status.REJECTED and "OverflowError" in again.detail
    assert engine.get_stock("A").total_on_hand == 7


def test_a_failure_of_the_store_while_deciding_is_raised_not_turned_into_a_refusal(engine, monkeypatch):
    def store_down(session, message, cause):
        raise OperationalError("disk I/O error")

    monkeypatch.setitem(handlers.HANDLERS, contracts.StockAdjusted, store_down)
    with pytest.raises(OperationalError):
        engine.handle_batch(parsed(m.stock_adjusted("a1", "A", 3, at=m.ts(1))))
    with pytest.raises(OperationalError):
        engine.handle(parse_message(m.stock_adjusted("a1", "A", 3, at=m.ts(1))))


def test_a_refusal_that_changed_nothing_lets_its_batch_go_on_without_reading_anything_again(engine):
    # Given an engine that holds the SKU and an order in memory
    apply(engine, m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 1)))
    reads: list[object] = []
    original = engine.recorder.select_events
    engine.recorder.select_events = lambda *a, **k: (
        reads.append(k.get("originator_id", a[:1])) or original(*a, **k)
    )

    # When a batch holds refusals among valid messages (an unknown line, a shipment of nothing)
    outcomes = engine.handle_batch(
        parsed(
            m.order_placed("o2", "O2", [("1", "A", 1)], at=m.ts(1)),
            m.order_cancelled("x1", "O1", ["9"], at=m.ts(1, 1)),
            m.order_shipped("x2", "O2", [("1", 9)], at=m.ts(1, 2)),
            m.order_placed("o3", "O3", [("1", "A", 1)], at=m.ts(1, 3)),
        )
    )

    # Then they are refused, the rest applied, and nothing was read from the store again but
    # the parking lot (looked for once a batch while the store has none)
    assert [o.status for o in outcomes] == [Status.APPLIED, Status.REJECTED, Status.REJECTED, Status.APPLIED]
    assert reads == [LOT_ID]


def test_the_same_refused_content_twice_in_one_batch_is_refused_before_the_second_time(engine):
    apply(engine, m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 1)))
    bad = m.order_cancelled("x1", "O1", ["9"], at=m.ts(1))
    outcomes = engine.handle_batch(parsed(bad, bad))
    assert [o.status for o in outcomes] == [Status.REJECTED, Status.REFUSED_BEFORE]
    assert outcomes[1].detail == f"refused before: {outcomes[0].detail}"


def test_a_refused_message_sent_again_changes_nothing_even_when_it_would_now_apply(engine):
    # Given a shipment refused because its units were not all allocated yet, then they are
    apply(engine, m.order_placed("p5", "O5", [("1", "A", 8)], at=m.ts(1)))
    shipment = m.order_shipped("s5", "O5", [("1", 8)], at=m.ts(1, 1))
    outcome = engine.handle_raw(shipment)
    assert outcome.status is Status.REJECTED
    apply(engine, m.stock_received("r5", "A", 3, at=m.ts(1, 2)))
    before = snapshot_of(engine)

    # When the shipment is sent again, alone and in a batch
    alone = engine.handle_raw(shipment)
    batched = engine.handle_batch(parsed(shipment))

    # Then it is reported as refused before, with the first reason, and nothing changed
    assert alone.status is batched[0].status is Status.REFUSED_BEFORE
    assert alone.detail == f"refused before: {outcome.detail}"
    assert snapshot_of(engine) == before

    # When it is explicitly retried, it is judged on today's state
    retried = engine.handle(parse_message(shipment), retry=True)
    assert retried.status is Status.APPLIED
    assert engine.get_order("O5").lines["1"].shipped == 8


def test_a_shipment_dated_before_its_order_was_placed_is_refused(engine):
    apply(engine, m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(1)))
    outcome = engine.handle_raw(m.order_shipped("s1", "O1", [("1", 2)], at=m.ts(0, 5)))
    assert outcome.status is Status.REJECTED and outcome.field == "occurred_at"
    assert "before that" in outcome.detail
    assert engine.handle_raw(m.order_shipped("s2", "O1", [("1", 2)], at=m.ts(1, 1))).status is Status.APPLIED


def test_a_message_dated_after_its_arrival_is_refused_at_the_edge_and_judged_when_sent_in_time():
    from datetime import UTC, datetime, timedelta

    from services.errors import MessageRejected

    raw = m.stock_received("r9", "A", 1, at="2026-01-05T12:00:00Z")
    arrived = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    with pytest.raises(MessageRejected) as refused:
        parse_message(raw, received_at=arrived)
    assert refused.value.field == "occurred_at" and "2.0 hours after it was received" in refused.value.reason
    assert parse_message(raw, received_at=arrived + timedelta(hours=1)).message_id == "r9"
    assert parse_message(raw, received_at=arrived, ahead=timedelta(hours=3)).message_id == "r9"


def test_a_receipt_reported_weeks_late_is_decided_at_the_skus_time_with_its_own_time_kept(engine):
    # Given a line waiting since day 10
    apply(engine, m.order_placed("o1", "O1", [("1", "A", 8)], at=m.ts(10)))
    assert engine.get_order("O1").lines["1"].backordered == 3

    # When a receipt dated day 1 (reported weeks late) arrives
    apply(engine, m.stock_received("late", "A", 3, at=m.ts(1)))

    # Then the line is filled at the SKU's time, never before it waited, and the receipt's own time is kept
    stock = engine.get_stock("A")
    fill = next(
        e
        for e in engine.events.get(stock.id)
        if getattr(e, "decision", None) and e.decision.message_id == "late"
    )
    assert fill.decision.as_of == stock.clock >= engine.get_order("O1").placed_at
    assert fill.decision.inputs["message_at"] == "2026-01-06T10:00:00+00:00"
    assert engine.get_order("O1").lines["1"].backordered == 0


def test_a_skus_clock_is_the_latest_time_it_decided_at_and_an_older_message_is_decided_then():
    from datetime import UTC, datetime

    from domain.stock import Stock
    from domain.values import Cause, LineRequest, Tier

    stock = Stock(sku="A", policy="fifo-v1")
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)

    def request(line: str, at: datetime) -> None:
        line_request = LineRequest(order_id="O", line_id=line, quantity=1, tier=Tier.STANDARD, placed_at=at)
        stock.request(line_request, Cause(message_id=line, at=at))

    request("1", late)
    request("2", early)
    assert stock.clock == late
    assert stock.queued("O", "2").since == late.date()  # waiting since the SKU's time, not before it
    assert stock._at(Cause(message_id="c", at=datetime(2026, 1, 3, tzinfo=UTC))).day == 3


def test_receipts_shipments_releases_and_po_changes_carry_their_business_time(engine):
    apply(
        engine,
        m.supplier_registered("s", "S1", ["A"]),
        m.po_placed("p", "PO-1", [("A", 5)], expected=m.day(9), at=m.ts(0, 1)),
        m.po_delayed("d", "PO-1", m.day(12), at=m.ts(0, 2)),
        m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 3)),
        m.order_shipped("sh", "O1", [("1", 1)], at=m.ts(0, 4)),
        m.order_cancelled("c", "O1", at=m.ts(0, 5)),
        m.stock_received("r", "A", 1, at=m.ts(0, 6)),
    )
    stock, order = engine.get_stock("A"), engine.get_order("O1")
    times = {type(e).__name__: e.at for e in engine.events.get(stock.id) if hasattr(e, "at")}
    assert times["Shipped"].hour == 14 and times["Released"].hour == 15 and times["Received"].hour == 16
    (shipped,) = [e for e in engine.events.get(order.id) if type(e).__name__ == "LineShipped"]
    assert shipped.at.hour == 14
    supplier = engine.get_supplier("S1")
    (delayed,) = [e for e in engine.events.get(supplier.id) if type(e).__name__ == "PurchaseOrderDelayed"]
    assert delayed.at.hour == 12


def test_an_event_stored_before_its_business_time_was_kept_still_loads_without_it(engine):
    import orjson
    from eventsourcing.persistence import StoredEvent

    stock = engine.get_stock("A")
    (note,) = [n for n in engine.recorder.select_notifications(1, 100) if n.topic.endswith("Stock.Received")]
    older = orjson.loads(note.state)
    del older["at"]
    stored = StoredEvent(stock.id, note.originator_version, note.topic, orjson.dumps(older))
    assert engine.mapper.to_domain_event(stored).at is None
