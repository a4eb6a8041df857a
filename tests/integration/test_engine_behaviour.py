"""How Antrian behaves, message by message, on every store.

Each test is written once and runs against the in-memory store and a SQLite
file (the `store` fixture), so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.allocation import POLICIES
from domain.eta import ETA_POLICY, EtaChange
from domain.order import Line
from domain.stock import stock_id
from domain.substitution import SUBSTITUTE_POLICY
from domain.values import DecisionInfo, LineStatus, QueueEntry
from services.engine import Engine
from services.outcomes import Status
from services.parsing import parse_message
from services.replay import Replayer
from tests import messages as m
from tests.messages import apply, as_date, day, ts
from tests.state import events_of, recorded, snapshot_of, state

KNOWN_POLICIES = {*POLICIES, ETA_POLICY, SUBSTITUTE_POLICY}


# ------------------------------------------------------------------ helpers
def line(engine: Engine, order_id: str, line_id: str = "1") -> Line:
    return engine.get_order(order_id).lines[line_id]


def queue(engine: Engine, sku: str) -> list[tuple[str, str, int]]:
    return [(e.order_id, e.line_id, e.quantity) for e in engine.get_stock(sku).queue]


def order_events(engine: Engine, order_id: str, kind: str | None = None) -> list[Any]:
    found = events_of(engine, engine.get_order(order_id).id)
    return [e for e in found if kind is None or type(e).__name__ == kind]


def stock_events(engine: Engine, sku: str, kind: str | None = None) -> list[Any]:
    found = events_of(engine, stock_id(sku))
    return [e for e in found if kind is None or type(e).__name__ == kind]


def promise(engine: Engine, order_id: str, line_id: str = "1", sku: str = "A") -> QueueEntry:
    """The line's current promise: its entry in the SKU's queue (an order line keeps only the
    promise it was backordered with)."""
    entry = engine.get_stock(sku).queued(order_id, line_id)
    assert entry is not None, f"{order_id}/{line_id} does not wait for {sku}"
    return entry


def promise_changes(
    engine: Engine, order_id: str, line_id: str = "1", sku: str = "A"
) -> list[tuple[EtaChange, DecisionInfo]]:
    """Every change of the line's promise, oldest first, with the Stock decision that made it
    (its first promise, told with the backorder, included)."""
    return [
        (change, event.decision)
        for event in stock_events(engine, sku, "EtasRevised")
        for change in event.plan.changes
        if (change.order_id, change.line_id) == (order_id, line_id)
    ]


def latest_promise_change(
    engine: Engine, order_id: str, line_id: str = "1", sku: str = "A"
) -> tuple[EtaChange, DecisionInfo]:
    """The latest Stock.EtasRevised change naming the line, and that event's decision."""
    changes = promise_changes(engine, order_id, line_id, sku)
    assert changes, f"no promise to {order_id}/{line_id} was ever made by {sku}"
    return changes[-1]


def rejected(engine: Engine, raw: dict[str, Any]):
    outcome = engine.handle_raw(raw)
    assert outcome.status is Status.REJECTED, outcome
    assert outcome.message_id == raw["message_id"]
    return outcome


# ------------------------------------------------------------ allocation
def test_arriving_stock_goes_to_waiting_lines_before_new_orders(store):
    # Given a line waiting for 3 units of A, with nothing on hand
    apply(store, m.sku_configured("cfg", "A"), m.order_placed("o1", "O1", [("1", "A", 3)]))
    assert line(store, "O1").status is LineStatus.BACKORDERED

    # When 5 units arrive, and only then a new order asks for 4
    apply(store, m.stock_received("r1", "A", 5, at=ts(1)))
    apply(store, m.order_placed("o2", "O2", [("1", "A", 4)], at=ts(1, 1)))

    # Then the waiting line was served first, and the newcomer only got what was left
    assert line(store, "O1").allocated == {"A": 3} and line(store, "O1").backordered == 0
    assert line(store, "O2").allocated == {"A": 2} and line(store, "O2").backordered == 2
    assert [type(e).__name__ for e in order_events(store, "O1")][-1] == "BackorderFilled"
    stock = store.get_stock("A")
    assert (stock.total_on_hand, stock.allocated, stock.available) == (5, 5, 0)
    assert queue(store, "A") == [("O2", "1", 2)]


def test_a_new_order_never_takes_free_units_while_another_line_is_partly_filled(store):
    # Given O1 waiting for 5 and 2 units arriving
    apply(store, m.sku_configured("cfg", "A"), m.order_placed("o1", "O1", [("1", "A", 5)]))
    apply(store, m.stock_received("r1", "A", 2, at=ts(1)))
    # Then O1 holds the 2 and still waits for 3, and a newcomer queues behind it
    assert (line(store, "O1").allocated_total, line(store, "O1").backordered) == (2, 3)
    apply(store, m.order_placed("o2", "O2", [("1", "A", 1)], at=ts(1, 1)))
    assert queue(store, "A") == [("O1", "1", 3), ("O2", "1", 1)]
    assert line(store, "O2").position == 2


def test_a_platinum_line_overtakes_standard_lines_under_priority_fifo(store):
    # Given two standard lines waiting on A (priority-fifo-v1, the default) and on B (fifo-v1)
    apply(
        store,
        m.sku_configured("cfg-a", "A"),
        m.sku_configured("cfg-b", "B", policy="fifo-v1"),
        m.order_placed("o1", "O1", [("1", "A", 3), ("2", "B", 3)], at=ts(0, 0)),
        m.order_placed("o2", "O2", [("1", "A", 3), ("2", "B", 3)], at=ts(0, 1)),
    )
    # When a platinum customer orders both later
    apply(store, m.order_placed("o3", "O3", [("1", "A", 3), ("2", "B", 3)], tier="platinum", at=ts(0, 2)))

    # Then on A it goes first, on B it keeps its place in time
    assert [o for o, _, _ in queue(store, "A")] == ["O3", "O1", "O2"]
    assert [o for o, _, _ in queue(store, "B")] == ["O1", "O2", "O3"]
    assert (line(store, "O3", "1").position, line(store, "O3", "2").position) == (1, 3)
    backordered = order_events(store, "O3", "LineBackordered")[0]
    assert backordered.decision.policy == "priority-fifo-v1"
    assert backordered.decision.inputs["units_ahead"] == 0

    # And when 3 units of each arrive, A's go to the platinum line and B's to the oldest
    apply(store, m.stock_received("r-a", "A", 3, at=ts(1)), m.stock_received("r-b", "B", 3, at=ts(1)))
    assert line(store, "O3", "1").allocated == {"A": 3}
    assert line(store, "O1", "2").allocated == {"B": 3}
    assert line(store, "O1", "1").backordered == 3 and line(store, "O3", "2").backordered == 3


def test_switching_a_sku_to_another_policy_reorders_its_queue(store):
    # Given a platinum line queued ahead of an older standard one
    apply(
        store,
        m.sku_configured("cfg", "A"),
        m.order_placed("o1", "O1", [("1", "A", 1)], at=ts(0, 0)),
        m.order_placed("o2", "O2", [("1", "A", 1)], tier="platinum", at=ts(0, 1)),
    )
    assert [o for o, _, _ in queue(store, "A")] == ["O2", "O1"]
    # When the SKU switches to plain fifo
    apply(store, m.sku_configured("cfg-2", "A", policy="fifo-v1", at=ts(0, 2)))
    # Then the oldest line is first again, and unknown policies are refused by name
    assert [o for o, _, _ in queue(store, "A")] == ["O1", "O2"]
    outcome = rejected(store, m.sku_configured("cfg-3", "A", policy="lifo-v1", at=ts(0, 3)))
    assert "lifo-v1" in outcome.detail
    assert store.get_stock("A").policy == "fifo-v1"


def test_cancelling_a_backordered_line_frees_its_place_and_improves_etas_behind_it(store):
    # Given two POs (3 units due day 4, 3 units due day 10) and two lines of 3 waiting
    apply(
        store,
        m.supplier_registered("s1", "S1", ["A"]),
        m.po_placed("p1", "PO-1", [("A", 3)], expected=day(4)),
        m.po_placed("p2", "PO-2", [("A", 3)], expected=day(10)),
        m.order_placed("o1", "O1", [("1", "A", 3)], at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 3)], at=ts(0, 2)),
    )
    # (a supplier without history is assumed 2 days late)
    assert line(store, "O1").eta == as_date(day(6))
    assert line(store, "O2").eta == as_date(day(12))

    # When the first customer cancels
    apply(store, m.order_cancelled("c1", "O1", at=ts(1)))

    # Then their line is cancelled, their place is gone, and the line behind is promised PO-1
    assert (line(store, "O1").cancelled, line(store, "O1").status) == (3, LineStatus.CANCELLED)
    assert queue(store, "A") == [("O2", "1", 3)]
    assert store.get_stock("A").position_of("O2", "1") == 1
    assert promise(store, "O2").eta == as_date(day(6))
    # with a Stock.EtasRevised that says why (the change after the promise told with the backorder)
    (told, _), (revised, decision) = promise_changes(store, "O2")
    assert (told.old, told.new) == (None, as_date(day(12)))
    assert (revised.old, revised.new) == (as_date(day(12)), as_date(day(6)))
    assert decision.message_id == "c1" and decision.policy == ETA_POLICY
    # and the order keeps what it was told at backorder, with no revision of its own
    assert line(store, "O2").eta == as_date(day(12))
    assert not order_events(store, "O2", "EtaRevised")
    cancelled = order_events(store, "O1", "LineCancelled")[0]
    assert cancelled.automatic is False and cancelled.withdrawn == 3


def test_cancelling_an_allocated_line_gives_its_units_to_the_next_in_line(store):
    # Given O1 holding all 4 units and O2 waiting for 2
    apply(
        store,
        m.stock_received("r1", "A", 4),
        m.order_placed("o1", "O1", [("1", "A", 4)], at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 2)], at=ts(0, 2)),
    )
    # When O1 cancels
    apply(store, m.order_cancelled("c1", "O1", at=ts(1)))
    # Then O2 is filled and the other 2 units are free
    assert line(store, "O2").allocated == {"A": 2}
    assert store.get_stock("A").available == 2 and queue(store, "A") == []


def test_a_line_whose_eta_exceeds_the_maximum_wait_is_cancelled_automatically(store):
    # Given a customer who waits at most 10 days, promised PO-1 (due day 5, so day 7 with lateness)
    apply(
        store,
        m.supplier_registered("s1", "S1", ["A"], lead_time_days=30),
        m.stock_received("r1", "A", 1),
        m.po_placed("p1", "PO-1", [("A", 10)], expected=day(5)),
        m.order_placed("o1", "O1", [("1", "A", 4)], max_wait_days=10, at=ts(0, 1)),
    )
    assert (line(store, "O1").allocated_total, line(store, "O1").backordered) == (1, 3)
    assert line(store, "O1").eta == as_date(day(7))

    # When the PO slips to day 20
    apply(store, m.po_delayed("d1", "PO-1", day(20), at=ts(2)))

    # Then the waiting part is cancelled on its own, the allocated unit is kept
    l1 = line(store, "O1")
    assert (l1.allocated_total, l1.backordered, l1.cancelled) == (1, 0, 3)
    assert l1.status is LineStatus.ALLOCATED
    assert queue(store, "A") == []
    (cancelled,) = order_events(store, "O1", "LineCancelled")
    assert cancelled.automatic is True
    assert cancelled.decision.policy == ETA_POLICY and cancelled.decision.message_id == "d1"
    assert "maximum wait" in cancelled.reason


def test_a_line_that_could_never_arrive_in_time_is_cancelled_when_placed(store):
    # Given the only way to get A takes 30 + 2 days
    apply(store, m.supplier_registered("s1", "S1", ["A"], lead_time_days=30))
    # When a customer who waits at most 5 days orders it
    apply(store, m.order_placed("o1", "O1", [("1", "A", 2)], max_wait_days=5))
    # Then the line is promised, found too late, and cancelled in the same message
    l1 = line(store, "O1")
    assert (l1.backordered, l1.cancelled, l1.status) == (0, 2, LineStatus.CANCELLED)
    assert [type(e).__name__ for e in order_events(store, "O1")] == [
        "Placed",
        "LineBackordered",
        "LineCancelled",
    ]
    assert queue(store, "A") == []


# ---------------------------------------------------------- idempotency
def test_reapplying_a_message_changes_nothing_and_says_so(store):
    # Given a history of messages, all applied
    history = [
        m.supplier_registered("s1", "S1", ["A"]),
        m.stock_received("r1", "A", 2),
        m.order_placed("o1", "O1", [("1", "A", 5)]),
        m.po_placed("p1", "PO-1", [("A", 5)], expected=day(3)),
        m.order_cancelled("c1", "O1", at=ts(1)),
    ]
    apply(store, *history)
    before = snapshot_of(store)

    # When each is delivered again (as raw JSON bytes, as a broker would redeliver it)
    import orjson

    outcomes = [store.handle_raw(orjson.dumps(raw)) for raw in history]

    # Then each is a duplicate, says so, and not one aggregate moved
    assert {o.status for o in outcomes} == {Status.DUPLICATE}
    assert all("already applied" in o.detail and o.events == 0 for o in outcomes)
    assert snapshot_of(store) == before


def test_a_message_id_reused_with_different_content_is_rejected(store):
    # Given an applied order
    apply(store, m.stock_received("r1", "A", 10), m.order_placed("o1", "O1", [("1", "A", 2)]))
    before = snapshot_of(store)
    # When another message arrives with the same id but different content
    outcome = rejected(store, m.order_placed("o1", "O1", [("1", "A", 3)]))
    other_type = rejected(store, m.stock_received("o1", "A", 1))
    # Then it is refused on its message_id, and nothing changed
    assert outcome.field == "message_id" and "different" in outcome.detail
    assert other_type.field == "message_id" and "OrderPlaced" in other_type.detail
    assert snapshot_of(store) == before


def test_the_same_content_is_an_equal_message_whatever_the_time_zone_it_was_written_in(store):
    # Given a message applied with a UTC timestamp
    apply(store, m.stock_received("r1", "A", 1, at="2026-01-05T10:00:00Z"))
    # When it is redelivered with the same instant in another zone
    outcome = store.handle_raw(m.stock_received("r1", "A", 1, at="2026-01-05T17:00:00+07:00"))
    # Then it is recognised as the same message
    assert outcome.status is Status.DUPLICATE


def test_a_rejected_message_changes_nothing(store):
    # Given an order with line 1 fully allocated and line 2 waiting
    apply(
        store,
        m.stock_received("r1", "A", 5),
        m.sku_configured("cfg-b", "B"),
        m.order_placed("o1", "O1", [("1", "A", 3), ("2", "B", 2)]),
    )
    before = snapshot_of(store)
    before_topics = recorded(store)
    versions = {k: v["version"] for k, v in before.items()}

    # When the warehouse reports shipping line 1 (valid) together with line 2 (nothing allocated)
    outcome = rejected(store, m.order_shipped("s1", "O1", [("1", 3), ("2", 2)], at=ts(1)))

    # Then the whole message is refused, naming the reason, and neither order nor stock moved
    assert outcome.field == "lines" and "cannot ship" in outcome.detail
    after = snapshot_of(store)
    assert {k: v["version"] for k, v in after.items()} == versions
    assert after == before
    assert line(store, "O1", "1").allocated == {"A": 3}
    assert store.get_stock("A").total_on_hand == 5
    # and the only new record is the inbox's note of the refusal: a corrected message may use the id
    assert {topic for _, topic in recorded(store).values()} - {t for _, t in before_topics.values()} == {
        "services.inbox:RefusedMessage.Refused"
    }
    assert len(recorded(store)) == len(before) + 1

    # And the corrected message, even under the same id, applies cleanly afterwards
    apply(store, m.order_shipped("s1", "O1", [("1", 3)], at=ts(1)))
    assert line(store, "O1", "1").shipped == 3
    assert store.get_stock("A").total_on_hand == 2


def test_shipping_from_a_warehouse_without_the_units_is_rejected_whole(store):
    # Given 3 units in the main warehouse, allocated to O1
    apply(store, m.stock_received("r1", "A", 3), m.order_placed("o1", "O1", [("1", "A", 3)]))
    before = snapshot_of(store)
    # When the shipment is reported from another warehouse
    outcome = rejected(store, m.order_shipped("s1", "O1", [("1", None)], warehouse="north"))
    # Then it is refused on the warehouse and nothing moved
    assert outcome.field == "warehouse"
    assert snapshot_of(store) == before


def test_cancel_after_shipment_is_rejected(store):
    # Given an order shipped in full
    apply(
        store,
        m.stock_received("r1", "A", 3),
        m.order_placed("o1", "O1", [("1", "A", 3)]),
        m.order_shipped("s1", "O1", [("1", None)], at=ts(1)),
    )
    assert line(store, "O1").status is LineStatus.SHIPPED
    before = snapshot_of(store)
    # When the customer tries to cancel the line, or the whole order
    by_line = rejected(store, m.order_cancelled("c1", "O1", ["1"], at=ts(2)))
    whole = rejected(store, m.order_cancelled("c2", "O1", at=ts(2)))
    # Then both are refused, saying why, and nothing changed
    assert by_line.field == "line_ids" and "shipped" in by_line.detail
    assert whole.field == "order_id" and "nothing left to cancel" in whole.detail
    assert snapshot_of(store) == before


def test_cancelling_a_partly_shipped_line_cancels_only_what_is_left(store):
    # Given a line of 5 with 3 shipped and 2 waiting
    apply(
        store,
        m.stock_received("r1", "A", 3),
        m.order_placed("o1", "O1", [("1", "A", 5)]),
        m.order_shipped("s1", "O1", [("1", None)], at=ts(1)),
    )
    # When it is cancelled
    apply(store, m.order_cancelled("c1", "O1", at=ts(2)))
    # Then the shipped units stay shipped
    l1 = line(store, "O1")
    assert (l1.shipped, l1.cancelled, l1.backordered, l1.status) == (3, 2, 0, LineStatus.SHIPPED)
    assert queue(store, "A") == []


# ----------------------------------------------------------- substitutes
def _substitute_setup(store: Engine) -> None:
    apply(
        store,
        m.sku_configured("cfg-a", "A"),
        m.stock_received("r-b", "B", 10),
        m.substitutes_declared("subs", "A", ["B"]),
    )


def test_substitutes_declared_while_lines_wait_are_offered_to_those_who_accept_them(store):
    # Given lines waiting for A, which has no substitute yet: one customer accepts substitutes, one does not
    apply(
        store,
        m.sku_configured("cfg-a", "A"),
        m.stock_received("r-b", "B", 10),
        m.stock_received("r-c", "C", 10),
        m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 4)], at=ts(0, 2)),
    )
    assert line(store, "O1").offer is None

    # When B is declared A's substitute
    apply(store, m.substitutes_declared("subs-b", "A", ["B"], at=ts(0, 3)))

    # Then the waiting customer who accepts substitutes is offered B, the other one is not
    assert (line(store, "O1").offer.sku, line(store, "O1").offer.quantity) == ("B", 4)
    assert line(store, "O2").offer is None

    # When that customer declines, and C is declared too: nobody is asked again
    apply(
        store,
        m.substitute_declined("no", "O1", "1", at=ts(0, 4)),
        m.substitutes_declared("subs-cb", "A", ["C", "B"], at=ts(0, 5)),
    )
    assert line(store, "O1").offer is None and line(store, "O1").declined == ["B"]


def test_substitute_offer_accept_moves_the_line_to_the_substitute(store):
    # Given A is out of stock, B is declared its substitute and has 10 free
    _substitute_setup(store)
    # When a customer who accepts substitutes orders 4 of A
    apply(store, m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)))
    # Then they are offered B for the 4 waiting units
    l1 = line(store, "O1")
    assert l1.status is LineStatus.SUBSTITUTE_OFFERED
    assert (l1.offer.sku, l1.offer.quantity) == ("B", 4)
    (offered,) = order_events(store, "O1", "SubstituteOffered")
    assert offered.decision.policy == SUBSTITUTE_POLICY and offered.decision.message_id == "o1"

    # When they accept
    apply(store, m.substitute_accepted("a1", "O1", "1", at=ts(1)))

    # Then the line holds 4 of B, no longer waits for A, and B has 6 free
    l1 = line(store, "O1")
    assert (l1.allocated, l1.backordered, l1.offer, l1.status) == ({"B": 4}, 0, None, LineStatus.ALLOCATED)
    assert queue(store, "A") == []
    assert store.get_stock("B").reserved_for("O1", "1") == 4
    assert store.get_stock("B").available == 6
    # And shipping it takes the units from B
    apply(store, m.order_shipped("s1", "O1", [("1", None)], at=ts(2)))
    assert store.get_stock("B").total_on_hand == 6 and line(store, "O1").shipped == 4


def test_a_customer_who_does_not_accept_substitutes_is_not_offered_one(store):
    _substitute_setup(store)
    apply(store, m.order_placed("o1", "O1", [("1", "A", 4)], at=ts(0, 1)))
    assert line(store, "O1").offer is None
    assert line(store, "O1").status is LineStatus.BACKORDERED


def test_declining_a_substitute_keeps_the_queue_place(store):
    # Given O1 (accepting substitutes) and O2 waiting for A, O1 offered B
    _substitute_setup(store)
    apply(
        store,
        m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 2)], at=ts(0, 2)),
    )
    assert line(store, "O1").offer is not None
    # When O1 declines
    apply(store, m.substitute_declined("dec", "O1", "1", at=ts(1)))
    # Then O1 still waits first in line, and no offer is left to accept
    l1 = line(store, "O1")
    assert (l1.offer, l1.backordered, l1.status) == (None, 4, LineStatus.BACKORDERED)
    assert queue(store, "A") == [("O1", "1", 4), ("O2", "1", 2)]
    assert store.get_stock("B").available == 10
    outcome = rejected(store, m.substitute_accepted("acc", "O1", "1", at=ts(2)))
    assert outcome.field == "line_id"
    # And when A arrives, O1 is served first
    apply(store, m.stock_received("r-a", "A", 4, at=ts(3)))
    assert line(store, "O1").allocated == {"A": 4}


def test_accepting_a_substitute_after_part_of_the_line_arrived_moves_only_what_still_waits(store):
    # Given O1 waits for 4 of A and was offered 4 of B
    _substitute_setup(store)
    apply(store, m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)))
    assert line(store, "O1").offer.quantity == 4
    # When 2 of A arrive, and only then the customer accepts
    apply(store, m.stock_received("r-a", "A", 2, at=ts(1)), m.substitute_accepted("acc", "O1", "1", at=ts(2)))
    # Then only the 2 still waiting move to B: nothing is counted twice
    l1 = line(store, "O1")
    assert (l1.allocated, l1.backordered, l1.offer) == ({"A": 2, "B": 2}, 0, None)
    assert l1.quantity == l1.allocated_total
    assert store.get_stock("B").reserved_for("O1", "1") == 2 and store.get_stock("B").available == 8
    assert queue(store, "A") == []
    (accepted,) = order_events(store, "O1", "SubstituteAccepted")
    assert accepted.quantity == 2


def test_cancelling_a_line_served_by_a_substitute_names_the_substitutes_release_as_its_decision(store):
    # Given O1 took 4 of B as a substitute for A, and A moved on after that
    _substitute_setup(store)
    apply(
        store,
        m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)),
        m.substitute_accepted("acc", "O1", "1", at=ts(1)),
        m.stock_received("r-a", "A", 3, at=ts(1, 1)),
    )
    # When the customer cancels, and A keeps moving
    apply(store, m.order_cancelled("c1", "O1", at=ts(2)), m.stock_received("r-a2", "A", 1, at=ts(3)))

    # Then the cancel's decision names the event that released the 4 units of B, not a later one of A
    (cancelled,) = order_events(store, "O1", "LineCancelled")
    ref = cancelled.decision
    stock_b = store.get_stock("B")
    released = list(store.events.get(stock_b.id, gt=ref.stock_version - 1, lte=ref.stock_version))
    assert ref.sku == "B" and type(released[0]).__name__ == "Released"
    assert released[0].order_id == "O1" and released[0].quantity == 4


def test_taking_back_substitute_units_keeps_the_line_consistent(store):
    # Given O1 took 4 of B as a substitute for A
    _substitute_setup(store)
    apply(
        store,
        m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)),
        m.substitute_accepted("acc", "O1", "1", at=ts(1)),
    )
    # When a count finds no B at all, and the customer then cancels
    apply(store, m.stock_adjusted("count", "B", 0, at=ts(2)), m.order_cancelled("c1", "O1", at=ts(3)))
    # Then nothing waits for the cancelled line anywhere, and every decision replays
    assert line(store, "O1").cancelled == 4
    assert queue(store, "A") == [] and queue(store, "B") == []
    assert not Replayer(store).verify().diffs
    # And B that turns up later stays free instead of being "filled" into the cancelled line
    apply(store, m.stock_received("r-b2", "B", 4, at=ts(4)))
    assert line(store, "O1").backordered == 0 and store.get_stock("B").available == 4


def test_accepting_a_substitute_that_has_run_out_is_rejected_and_keeps_the_place(store):
    # Given O1 offered B, then B sold out to someone else
    _substitute_setup(store)
    apply(
        store,
        m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "B", 8)], at=ts(0, 2)),
    )
    before = snapshot_of(store)
    # When O1 accepts
    outcome = rejected(store, m.substitute_accepted("a1", "O1", "1", at=ts(1)))
    # Then the acceptance is refused and O1 keeps its place and its offer
    assert outcome.field == "line_id" and "keeps its queue place" in outcome.detail
    assert snapshot_of(store) == before


# ---------------------------------------------------------------- supply
def test_a_delayed_po_revises_the_promise_with_a_stock_event_that_says_why(store):
    # Given a line promised from PO-1, due day 5 (day 7 with the default lateness)
    apply(
        store,
        m.supplier_registered("s1", "S1", ["A"]),
        m.po_placed("p1", "PO-1", [("A", 10)], expected=day(5)),
        m.order_placed("o1", "O1", [("1", "A", 4)], at=ts(0, 1)),
    )
    assert line(store, "O1").eta == as_date(day(7))

    # When the supplier reports a delay to day 12
    apply(store, m.po_delayed("d1", "PO-1", day(12), at=ts(1)))

    # Then the promise moves with a Stock.EtasRevised event that says why
    assert (promise(store, "O1").eta, promise(store, "O1").needs_purchase) == (as_date(day(14)), False)
    assert store.get_stock("A").queue[0].eta == as_date(day(14))
    (told, _), (revised, decision) = promise_changes(store, "O1")
    assert (told.old, told.new) == (None, as_date(day(7)))
    assert (revised.old, revised.new, revised.needs_purchase) == (as_date(day(7)), as_date(day(14)), False)
    assert decision.policy == ETA_POLICY
    assert decision.message_id == "d1"
    assert ["PO-1", 10, day(14)] in decision.inputs["inbound"]
    # And the order keeps the promise it was backordered with, revised nowhere but on the Stock
    l1 = line(store, "O1")
    assert (l1.eta, l1.first_eta, l1.eta_revisions) == (as_date(day(7)), as_date(day(7)), 0)
    assert not order_events(store, "O1", "EtaRevised")


def test_a_confirmed_or_cancelled_po_moves_the_promise(store):
    apply(
        store,
        m.supplier_registered("s1", "S1", ["A"], lead_time_days=20),
        m.po_placed("p1", "PO-1", [("A", 10)], expected=day(5)),
        m.order_placed("o1", "O1", [("1", "A", 4)], at=ts(0, 1)),
    )
    apply(store, m.po_confirmed("cf", "PO-1", day(3), at=ts(1)))
    assert promise(store, "O1").eta == as_date(day(5))
    assert latest_promise_change(store, "O1")[1].message_id == "cf"
    apply(store, m.po_cancelled("cx", "PO-1", at=ts(2)))
    now = promise(store, "O1")
    assert now.needs_purchase and now.eta == as_date(day(2 + 20 + 2))
    assert latest_promise_change(store, "O1")[1].message_id == "cx"
    assert store.get_stock("A").inbound == {}


def test_late_supplier_history_makes_promises_later(store):
    # Given a line promised from PO-2 (due day 10, so day 12 with the default 2 days' lateness)
    apply(
        store,
        m.supplier_registered("s1", "S1", ["A", "B"]),
        m.po_placed("p1", "PO-1", [("B", 5)], expected=day(1)),
        m.po_placed("p2", "PO-2", [("A", 5)], expected=day(10)),
        m.order_placed("o1", "O1", [("1", "A", 2)], at=ts(0, 1)),
    )
    assert line(store, "O1").eta == as_date(day(12))

    # When PO-1 turns up a week late
    apply(store, m.stock_received("rb", "B", 5, po="PO-1", at=ts(8)))

    # Then the supplier is now taken to be 7 days late, and A's promise moves out to day 17
    assert store.get_supplier("S1").lateness_days == 7
    assert store.get_stock("A").sources["S1"].lateness_days == 7
    assert store.get_stock("A").inbound["S1/PO-2"].lateness_days == 7
    assert promise(store, "O1").eta == as_date(day(17))
    (told, _), (revised, decision) = promise_changes(store, "O1")
    assert (told.new, revised.old, revised.new) == (as_date(day(12)), as_date(day(12)), as_date(day(17)))
    assert decision.message_id == "rb"
    # And a brand-new uncovered order is promised lead time plus the same lateness
    apply(store, m.order_placed("o2", "O2", [("1", "A", 10)], at=ts(8, 1)))
    assert line(store, "O2").needs_purchase
    assert line(store, "O2").eta == as_date(day(8 + 7 + 7))


def test_stock_received_against_a_po_finds_its_supplier_and_closes_the_inbound(store):
    apply(
        store,
        m.supplier_registered("s1", "S1", ["A"]),
        m.po_placed("p1", "PO-1", [("A", 5)], expected=day(3)),
        m.order_placed("o1", "O1", [("1", "A", 2)], at=ts(0, 1)),
    )
    apply(store, m.stock_received("r1", "A", 5, po="PO-1", at=ts(3)))
    assert store.get_supplier("S1").purchase_orders["PO-1"].status.value == "received"
    assert store.get_stock("A").inbound == {}
    assert line(store, "O1").allocated == {"A": 2}
    # A receipt against a PO that has nothing open for the SKU, with no supplier given, waits for it
    outcome = store.handle_raw(m.stock_received("r2", "A", 1, po="PO-9", at=ts(4)))
    assert (outcome.status, outcome.field) == (Status.PARKED, "purchase_order_id")
    assert "waits for purchase order PO-9" in outcome.detail


def test_uncovered_backorder_needs_purchase_and_suggests_replenishment_from_primary(store):
    # Given A is sold by a fast backup supplier and a slower primary one (minimum order 6)
    apply(
        store,
        m.supplier_registered("s-b", "S-backup", [m.terms("A", lead_time_days=2, priority="backup")]),
        m.supplier_registered("s-p", "S-primary", [m.terms("A", lead_time_days=10, moq=6)]),
    )
    # When an order for 4 arrives with nothing on hand or on order
    apply(store, m.order_placed("o1", "O1", [("1", "A", 4)], at=ts(0, 1)))

    # Then the line needs purchase and is promised the primary's lead time plus lateness
    l1 = line(store, "O1")
    assert l1.needs_purchase and l1.eta == as_date(day(10 + 2))
    # And a replenishment is suggested from the primary, rounded up to its minimum order
    (suggested,) = stock_events(store, "A", "ReplenishmentSuggested")
    assert (suggested.supplier_id, suggested.quantity) == ("S-primary", 6)
    assert suggested.decision.message_id == "o1" and suggested.decision.inputs["need"] == 4
    assert store.get_stock("A").suggested == 6

    # When purchasing orders it, the suggestion is spent and the line is covered
    apply(store, m.po_placed("p1", "PO-1", [("A", 6)], expected=day(9), supplier_id="S-primary", at=ts(1)))
    assert store.get_stock("A").suggested == 0
    assert not promise(store, "O1").needs_purchase and promise(store, "O1").eta == as_date(day(11))
    revised, decision = latest_promise_change(store, "O1")
    assert (revised.old, revised.new, revised.needs_purchase) == (as_date(day(12)), as_date(day(11)), False)
    assert decision.message_id == "p1"


def test_a_supplier_that_stops_selling_a_sku_is_no_longer_promised_or_suggested_from(store):
    # Given A from a fast primary (3 days) and a slow backup (10 days), and a line waiting on it
    apply(
        store,
        m.supplier_registered("s1", "S-fast", ["A", "B"], lead_time_days=3),
        m.supplier_registered("s2", "S-slow", [m.terms("A", lead_time_days=10, priority="backup")]),
        m.order_placed("o1", "O1", [("1", "A", 2)], at=ts(0, 1)),
    )
    assert line(store, "O1").eta == as_date(day(3 + 2))
    # When the fast supplier re-registers without A
    apply(store, m.supplier_registered("s1-again", "S-fast", ["B"], lead_time_days=3, at=ts(1)))
    # Then A only knows the slow one, the promise moves, and new needs are suggested from it
    assert set(store.get_stock("A").sources) == {"S-slow"}
    assert set(store.get_stock("B").sources) == {"S-fast"}
    assert promise(store, "O1").eta == as_date(day(1 + 10 + 2))  # counted from today, day 1
    assert latest_promise_change(store, "O1")[1].message_id == "s1-again"
    apply(store, m.order_placed("o2", "O2", [("1", "A", 5)], at=ts(1, 1)))
    assert stock_events(store, "A", "ReplenishmentSuggested")[-1].supplier_id == "S-slow"


def test_a_reorder_point_suggests_replenishment_before_anyone_waits(store):
    apply(
        store,
        m.supplier_registered("s1", "S1", ["A"]),
        m.stock_received("r1", "A", 10),
        m.sku_configured("cfg", "A", reorder_point=5, safety_stock=2),
    )
    assert stock_events(store, "A", "ReplenishmentSuggested") == []
    # When an order takes the projection below the reorder point
    apply(store, m.order_placed("o1", "O1", [("1", "A", 7)], at=ts(0, 1)))
    # Then enough is suggested to get back to reorder point plus safety stock
    (suggested,) = stock_events(store, "A", "ReplenishmentSuggested")
    assert suggested.quantity == 5 + 2 - 3


# --------------------------------------------------------------- counts
def test_cycle_count_shrinkage_takes_back_allocations_last_in_policy_order(store):
    # Given 6 units allocated: 3 to an early standard order, 3 to a later platinum one
    apply(
        store,
        m.stock_received("r1", "A", 6),
        m.order_placed("o1", "O1", [("1", "A", 3)], at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 3)], tier="platinum", at=ts(0, 2)),
    )
    # When a count finds only 4
    apply(store, m.stock_adjusted("count", "A", 4, at=ts(1)))

    # Then the standard line (last under priority-fifo) gives back 2 and waits for them again
    assert (line(store, "O1").allocated_total, line(store, "O1").backordered) == (1, 2)
    assert line(store, "O2").allocated == {"A": 3}
    stock = store.get_stock("A")
    assert (stock.total_on_hand, stock.allocated, stock.available) == (4, 4, 0)
    assert queue(store, "A") == [("O1", "1", 2)]
    (revoked,) = order_events(store, "O1", "AllocationRevoked")
    assert revoked.quantity == 2 and revoked.decision.message_id == "count"
    assert revoked.decision.inputs["shortfall"] == 2
    assert "last in priority-fifo-v1 order" in revoked.decision.reason
    # And a later count that finds the units again gives them straight back
    apply(store, m.stock_adjusted("count-2", "A", 6, at=ts(2)))
    assert line(store, "O1").allocated == {"A": 3} and queue(store, "A") == []


# -------------------------------------------------------------- shipping
def test_complete_orders_cannot_ship_until_every_line_is_allocated(store):
    # Given a ship-complete order with A in stock and B not
    apply(
        store,
        m.stock_received("r-a", "A", 5),
        m.sku_configured("cfg-b", "B"),
        m.order_placed("o1", "O1", [("1", "A", 2), ("2", "B", 2)], shipping="complete"),
    )
    before = snapshot_of(store)
    # When the warehouse tries to ship the allocated line
    outcome = rejected(store, m.order_shipped("s1", "O1", [("1", None)], at=ts(1)))
    # Then it is refused on the order, and nothing moved
    assert outcome.field == "order_id" and "complete" in outcome.detail
    assert snapshot_of(store) == before

    # When B arrives, the whole order ships
    apply(store, m.stock_received("r-b", "B", 2, at=ts(2)))
    apply(store, m.order_shipped("s2", "O1", [("1", None), ("2", None)], at=ts(3)))
    assert {lid: each.status for lid, each in store.get_order("O1").lines.items()} == {
        "1": LineStatus.SHIPPED,
        "2": LineStatus.SHIPPED,
    }


def test_a_partial_order_ships_what_is_allocated_while_the_rest_waits(store):
    apply(
        store,
        m.stock_received("r-a", "A", 5),
        m.sku_configured("cfg-b", "B"),
        m.order_placed("o1", "O1", [("1", "A", 2), ("2", "B", 2)]),
        m.order_shipped("s1", "O1", [("1", None)], at=ts(1)),
    )
    assert line(store, "O1", "1").shipped == 2 and line(store, "O1", "2").backordered == 2
    nothing = rejected(store, m.order_shipped("s2", "O1", [("2", None)], at=ts(2)))
    assert nothing.field == "lines"


# ---------------------------------------------------------- back in stock
def test_back_in_stock_request_is_announced_when_stock_arrives(store):
    # Given a customer watching A, which is out of stock, and a line waiting for 3
    apply(
        store,
        m.sku_configured("cfg", "A"),
        m.order_placed("o1", "O1", [("1", "A", 3)]),
        m.back_in_stock_requested("w1", "A", "C-9", email="c9@example.com", at=ts(0, 1)),
    )
    assert [w.customer_id for w in store.get_stock("A").watchers] == ["C-9"]
    # When only enough for the waiting line arrives, nobody is told: nothing is free
    apply(store, m.stock_received("r1", "A", 3, at=ts(1)))
    assert stock_events(store, "A", "BackInStockAnnounced") == []
    # When more arrives
    apply(store, m.stock_received("r2", "A", 4, at=ts(2)))
    # Then the watcher is told once, with what is available
    (announced,) = stock_events(store, "A", "BackInStockAnnounced")
    assert [w.customer_id for w in announced.watchers] == ["C-9"]
    assert announced.watchers[0].contact.email == "c9@example.com"
    assert announced.available == 4
    assert store.get_stock("A").watchers == []
    apply(store, m.stock_received("r3", "A", 1, at=ts(3)))
    assert len(stock_events(store, "A", "BackInStockAnnounced")) == 1


# ------------------------------------------------------------- snapshots
def test_stock_snapshots_keep_a_hot_sku_loadable(open_durable):
    # Given a hot SKU with well over 200 events: receipts, orders, counts
    engine = open_durable()
    apply(engine, m.supplier_registered("s1", "S1", ["A"]))
    for i in range(80):
        apply(
            engine,
            m.order_placed(
                f"o{i}", f"O{i}", [("1", "A", 2)], tier=("platinum", "gold", "standard")[i % 3], at=ts(i / 10)
            ),
            m.stock_received(f"r{i}", "A", 1 + i % 3, at=ts(i / 10, 1)),
        )
        if i % 10 == 9:
            apply(
                engine,
                m.stock_adjusted(
                    f"c{i}", "A", max(0, engine.get_stock("A").total_on_hand - 1), at=ts(i / 10, 2)
                ),
            )
    stock = engine.get_stock("A")
    assert stock.version > 200
    assert stock.queue and stock.reservations
    snapshots = list(engine.snapshots.get(stock_id("A")))
    assert snapshots and all(s.originator_version >= 200 for s in snapshots)  # one per 200 events crossed

    # When a fresh engine opens the same store
    fresh = open_durable()

    # Then it loads the stock (from the snapshot plus later events) with equal state
    assert state(fresh.get_stock("A")) == state(stock)
    assert state(fresh.repository.get(stock_id("A"), version=snapshots[0].originator_version)) == state(
        engine.repository.get(stock_id("A"), version=snapshots[0].originator_version)
    )
    # And it carries on from there: the next receipt serves the head of the queue
    head = stock.queue[0]
    apply(fresh, m.stock_received("r-next", "A", head.quantity, at=ts(9)))
    assert fresh.get_stock("A").reserved_for(head.order_id, head.line_id) >= head.quantity


def test_a_sqlite_store_survives_a_restart_with_the_same_state(open_sqlite):
    engine = open_sqlite()
    apply(
        engine,
        m.supplier_registered("s1", "S1", ["A", "B"]),
        m.stock_received("r1", "A", 2),
        m.po_placed("p1", "PO-1", [("A", 3), ("B", 1)], expected=day(4)),
        m.order_placed("o1", "O1", [("1", "A", 4), ("2", "B", 1)], accept_substitutes=True),
    )
    before = snapshot_of(engine)
    fresh = open_sqlite()
    assert snapshot_of(fresh) == before
    # The inbox survives the restart too: redelivery is still a duplicate
    assert fresh.handle_raw(m.stock_received("r1", "A", 2)).status is Status.DUPLICATE


def test_two_engines_on_one_file_see_each_others_messages_and_never_apply_one_twice(open_sqlite):
    # Given two engines (two processes) on the same SQLite file
    first, second = open_sqlite(), open_sqlite()
    apply(first, m.stock_received("r1", "A", 5))
    # When each handles messages about the same SKU, and one message reaches both
    apply(second, m.order_placed("o1", "O1", [("1", "A", 2)], at=ts(0, 1)))
    apply(first, m.order_placed("o2", "O2", [("1", "A", 2)], at=ts(0, 2)))
    assert (
        second.handle_raw(m.order_placed("o2", "O2", [("1", "A", 2)], at=ts(0, 2))).status is Status.DUPLICATE
    )
    # Then both see the same books
    assert state(first.get_stock("A")) == state(second.get_stock("A"))
    assert second.get_stock("A").allocated == 4 and second.get_stock("A").available == 1


# ------------------------------------------------------------- decisions
def _new_events(engine: Engine, after: int) -> tuple[list[Any], int]:
    notifications = engine.recorder.select_notifications(after + 1, 10_000)
    events = [engine.mapper.to_domain_event(n) for n in notifications]
    return events, (notifications[-1].id if notifications else after)


def test_every_decision_event_records_policy_cause_inputs_and_reason(store):
    # Given a day's traffic that makes every kind of decision
    traffic = [
        m.supplier_registered("s1", "S1", ["A", "B"]),
        m.sku_configured("cfg-c", "C"),
        m.stock_received("r1", "B", 5, at=ts(0, 1)),
        m.substitutes_declared("subs", "A", ["B"], at=ts(0, 2)),
        m.stock_received("r2", "A", 3, at=ts(0, 3)),
        m.order_placed("o1", "O1", [("1", "A", 2)], at=ts(0, 4)),
        m.order_placed("o2", "O2", [("1", "A", 4), ("2", "C", 1)], accept_substitutes=True, at=ts(0, 5)),
        m.po_placed("p1", "PO-1", [("A", 2)], expected=day(3), at=ts(0, 6)),
        m.order_placed("o3", "O3", [("1", "A", 3)], tier="platinum", max_wait_days=30, at=ts(0, 7)),
        m.order_placed("o4", "O4", [("1", "A", 1)], max_wait_days=4, at=ts(0, 8)),
        m.po_delayed("d1", "PO-1", day(9), at=ts(1)),
        m.substitute_accepted("acc", "O2", "1", at=ts(1, 1)),
        m.stock_adjusted("count", "A", 1, at=ts(1, 2)),
        m.order_cancelled("c1", "O3", at=ts(1, 3)),
        m.stock_received("r3", "A", 6, po="PO-1", at=ts(2)),
        m.sku_configured("cfg-a", "A", reorder_point=4, safety_stock=1, at=ts(2, 1)),
    ]
    seen: set[str] = set()
    last = 0
    for raw in traffic:
        apply(store, raw)
        events, last = _new_events(store, last)
        message = parse_message(raw)
        for event in events:
            for name in ("decision", "eta_decision"):
                decision = getattr(event, name, None)
                if decision is None:
                    continue
                kind = type(event).__name__
                seen.add(kind)
                # Then it names a released policy version, the message that caused it, what it saw and why
                assert decision.policy in KNOWN_POLICIES, (kind, decision)
                assert decision.message_id == raw["message_id"], (kind, decision)
                assert decision.inputs, (kind, decision)
                assert decision.reason.strip(), (kind, decision)
                if hasattr(decision, "as_of"):  # recorded on the Stock that decided
                    assert decision.as_of == message.occurred_at
                    assert decision.inputs["sku"] == store.get_stock(decision.inputs["sku"]).sku
                else:  # mirrored on an order: it points at the Stock event that holds the decision
                    _check_reference(store, kind, event, decision)

    # And re-running every recorded decision gives the recorded answer
    report = Replayer(store).verify()
    assert report.verdicts and not report.diffs
    assert {
        "LineRequested",
        "QueueFilled",
        "AllocationsRevoked",
        "EtasRevised",
        "ReplenishmentSuggested",
        "LineAllocated",
        "LineBackordered",
        "BackorderFilled",
        "AllocationRevoked",
        "SubstituteOffered",
        "SubstituteAccepted",
        "LineCancelled",
    } <= seen
    # (revised promises are decided and recorded once, on the Stock: no order records an EtaRevised)
    assert "EtaRevised" not in seen


def _check_reference(store: Engine, kind: str, event: Any, ref: Any) -> None:
    stock_event = events_of(store, stock_id(ref.sku))[ref.stock_version - 1]
    assert stock_event.originator_version == ref.stock_version
    if ref.policy == SUBSTITUTE_POLICY:
        # The offer points at the substitute's state it was judged on.
        assert ref.inputs["candidates"][0]["stock_version"] == ref.stock_version
        return
    if kind == "LineCancelled" and not event.automatic:
        # A customer's cancellation is their decision, not a policy's: it records what it gave up.
        assert set(ref.inputs) == {"released", "withdrawn", "position"}
        return
    held = stock_event.decision
    assert (held.policy, held.message_id, held.inputs, held.reason) == (
        ref.policy,
        ref.message_id,
        ref.inputs,
        ref.reason,
    ), (kind, type(stock_event).__name__)


@pytest.mark.parametrize("tier", ["platinum", "gold", "standard"])
def test_each_tier_is_accepted_and_recorded_on_the_order(store, tier):
    apply(store, m.stock_received("r1", "A", 1), m.order_placed("o1", "O1", [("1", "A", 1)], tier=tier))
    assert store.get_order("O1").tier.value == tier
    assert store.get_stock("A").reservations["O1/1"].tier.value == tier


def test_dates_in_promises_are_plain_dates(store):
    apply(store, m.supplier_registered("s1", "S1", ["A"]), m.order_placed("o1", "O1", [("1", "A", 1)]))
    assert isinstance(line(store, "O1").eta, date)
    assert isinstance(promise(store, "O1").eta, date)
