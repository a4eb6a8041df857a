"""Two processes writing one SQLite store decide on what the other stored, never on a stale cache."""

from __future__ import annotations

from services.outcomes import Status
from tests import messages as m
from tests.messages import apply


def test_a_message_valid_only_after_another_process_changed_the_store_is_applied_not_refused(open_sqlite):
    # Given two engines (two processes) on one file, and an order waiting for stock, known to both
    first, second = open_sqlite(), open_sqlite()
    apply(first, m.sku_configured("cfg", "A"), m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 1)))
    assert first.get_order("O1").lines["1"].backordered == 2

    # When the second receives the stock that fills the order, and the first is told it shipped
    apply(second, m.stock_received("r1", "A", 2, at=m.ts(0, 2)))
    outcome = first.handle_raw(m.order_shipped("s1", "O1", [("1", 2)], at=m.ts(0, 3)))

    # Then the first decides on the store's state (the units are allocated), not on what it held
    assert outcome.status is Status.APPLIED, outcome
    assert (
        second.handle_raw(m.order_shipped("s1", "O1", [("1", 2)], at=m.ts(0, 3))).status is Status.DUPLICATE
    )


def test_a_batch_valid_only_after_another_process_changed_the_store_is_applied_not_refused(open_sqlite):
    # Given the same, with the first engine handling a batch
    from services.parsing import parse_message

    first, second = open_sqlite(), open_sqlite()
    apply(first, *map(m.sku_configured, ("cfg-a", "cfg-b"), "AB"))
    apply(first, m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 1)))
    apply(second, m.stock_received("r1", "A", 2, at=m.ts(0, 2)))

    # When the first handles a batch whose shipment needs what the second stored
    batch = [
        m.order_placed("o2", "O2", [("1", "B", 1)], at=m.ts(0, 3)),
        m.order_shipped("s1", "O1", [("1", 2)], at=m.ts(0, 4)),
    ]
    outcomes = first.handle_batch([parse_message(raw) for raw in batch])

    # Then both apply
    assert [o.status for o in outcomes] == [Status.APPLIED, Status.APPLIED], outcomes
