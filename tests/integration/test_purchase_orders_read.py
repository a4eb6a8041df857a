"""The buyer's purchase-order views from real messages, on SQLite and PostgreSQL read stores.

One history holds what a buyer meets: a PO confirmed then delayed twice, one
cancelled, one received in two parts with a confirmation read after its
goods, a receipt read before its PO, a refused cancel and re-sent messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from domain.values import PurchaseOrderStatus
from projections import catalog
from projections.purchasing.po_read import UnknownStatusFilter, incoming_supply, purchase_orders
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore
from services.outcomes import Status
from tests.messages import (
    apply,
    as_date,
    day,
    order_placed,
    po_cancelled,
    po_confirmed,
    po_delayed,
    po_placed,
    sku_configured,
    stock_received,
    supplier_registered,
    ts,
)
from tests.support.read_side import project

pytestmark = pytest.mark.integration

SUPPLY = (
    supplier_registered("s1", "S1", ("A", "B"), lead_time_days=7),
    supplier_registered("s2", "S2", ("A",), lead_time_days=10, priority="backup"),
    sku_configured("c1", "A", reorder_point=2, safety_stock=3),
    stock_received("r1", "A", 2),
)
# o1 takes the 2 free A and waits for 3; o2 waits for 4 (7 A waiting from day 1)
ORDERS = (
    order_placed("o1", "o1", (("1", "A", 5),)),
    order_placed("o2", "o2", (("1", "A", 4),), at=ts(1)),
)
# P1: 5 A placed for day 9, confirmed for day 10, delayed to 12 and again to 14
DELAYED_TWICE = (
    po_placed("p1", "P1", (("A", 5),), expected=day(9), at=ts(2)),
    po_confirmed("p1c", "P1", expected=day(10), at=ts(3)),
    po_delayed("p1d", "P1", new_expected=day(12), at=ts(5)),
    po_delayed("p1e", "P1", new_expected=day(14), at=ts(8), reason="port strike"),
)
# P2: 10 A and 5 B, cancelled two days later
CANCELLED = (
    po_placed("p2", "P2", (("A", 10), ("B", 5)), expected=day(11), at=ts(4)),
    po_cancelled("p2x", "P2", at=ts(6), reason="duplicate"),
)
# P3: 10 B due day 5, received 6 on day 6 and 4 on day 7; a confirmation read after the goods
PARTS = (
    po_placed("p3", "P3", (("B", 10),), expected=day(5), at=ts(4)),
    stock_received("r3a", "B", 6, at=ts(6), po="P3", supplier_id="S1"),
    stock_received("r3b", "B", 4, at=ts(7), po="P3", supplier_id="S1"),
    po_confirmed("p3c", "P3", expected=day(5), at=ts(7, hours=1)),
)
# P4 from S2: its receipt is read before the PO (it waits), 3 of 8 come on day 9
EARLY_RECEIPT = stock_received("r4", "A", 3, at=ts(9), po="P4", supplier_id="S2")
P4 = po_placed("p4", "P4", (("A", 8),), expected=day(8), supplier_id="S2", at=ts(9, hours=-1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def read_store(request, tmp_path) -> Iterator[ReadStore]:
    if request.param == "postgres":
        store: ReadStore = PostgresReadStore(*request.getfixturevalue("postgres_schema"))
    else:
        store = SqliteReadStore(tmp_path / "read.sqlite")
    yield store
    store.close()


def given_the_history(engine) -> None:
    apply(engine, *SUPPLY, *ORDERS, *DELAYED_TWICE, *CANCELLED, *PARTS)
    assert engine.handle_raw(EARLY_RECEIPT).status is Status.PARKED
    apply(engine, P4)
    # a cancel of a cancelled PO is refused; re-sent messages change nothing
    assert engine.handle_raw(po_cancelled("p2y", "P2", at=ts(9))).status is Status.REJECTED
    for again in (DELAYED_TWICE[-1], PARTS[1], P4):
        assert engine.handle_raw(again).status is Status.DUPLICATE


def by_id(views):
    return {view.purchase_order_id: view for view in views}


def test_a_po_delayed_twice_shows_every_date_it_was_given_and_how_late_it_runs(memory_engine, read_store):
    given_the_history(memory_engine)
    project(memory_engine, catalog.build(), read_store)

    p1 = by_id(purchase_orders(read_store))["P1"]

    assert p1.status is PurchaseOrderStatus.DELAYED
    assert [(r.kind, r.expected_date, r.reason) for r in p1.revisions] == [
        ("placed", as_date(day(9)), None),
        ("confirmed", as_date(day(10)), None),
        ("delayed", as_date(day(12)), "carrier delay"),
        ("delayed", as_date(day(14)), "port strike"),
    ]
    assert (p1.expected_date, p1.promised_date, p1.current_expected_date) == (
        as_date(day(9)),
        as_date(day(10)),
        as_date(day(14)),
    )
    assert (p1.confirmations, p1.delays) == (1, 2)
    # the latest message is the receipt of day 9: P1 is not due yet by its confirmed date
    assert p1.as_of == as_date(day(9))
    assert (p1.days_late, p1.late_now) == (0, False)


def test_open_pos_exclude_the_cancelled_and_received_and_all_shows_them(memory_engine, read_store):
    given_the_history(memory_engine)
    project(memory_engine, catalog.build(), read_store)

    assert [po.purchase_order_id for po in purchase_orders(read_store)] == ["P4", "P1"]
    every = by_id(purchase_orders(read_store, "all"))
    assert sorted(every) == ["P1", "P2", "P3", "P4"]
    p2 = every["P2"]
    assert (p2.status, p2.cancel_reason, p2.days_late, p2.late_now) == (
        PurchaseOrderStatus.CANCELLED,
        "duplicate",
        None,
        False,
    )
    assert [(line.sku, line.open, line.covers.units) for line in p2.lines] == [("A", 10, 0), ("B", 5, 0)]


def test_a_po_received_in_parts_counts_each_receipt_and_keeps_a_notice_read_after_its_goods(
    memory_engine, read_store
):
    given_the_history(memory_engine)
    project(memory_engine, catalog.build(), read_store)

    p3 = by_id(purchase_orders(read_store, "all"))["P3"]

    assert p3.status is PurchaseOrderStatus.RECEIVED
    assert [(line.sku, line.ordered, line.received, line.open) for line in p3.lines] == [("B", 10, 10, 0)]
    assert [(r.kind, r.quantity) for r in p3.revisions] == [
        ("placed", None),
        ("received", 6),
        ("received", 4),
        ("notice_came_late:confirmed", None),
    ]
    # first received on day 6 against day 5: a day late, whatever came after
    assert (p3.first_received_on, p3.last_received_on, p3.days_late) == (
        as_date(day(6)),
        as_date(day(7)),
        1,
    )


def test_a_receipt_read_before_its_po_leaves_the_po_partly_received_and_late(memory_engine, read_store):
    given_the_history(memory_engine)
    project(memory_engine, catalog.build(), read_store)

    p4 = by_id(purchase_orders(read_store, supplier="S2"))["P4"]

    assert p4.status is PurchaseOrderStatus.PARTLY_RECEIVED
    assert [(line.received, line.open) for line in p4.lines] == [(3, 5)]
    # due day 8, first goods day 9; still open on day 9, past its expected date
    assert (p4.days_late, p4.late_now) == (1, True)


def test_each_open_po_covers_the_waiting_lines_it_will_serve_in_arrival_order(memory_engine, read_store):
    # Given 7 A waiting (o1 3, then o2 4) and open supply: P4's 5 (due day 8) before P1's 5 (day 14)
    given_the_history(memory_engine)
    project(memory_engine, catalog.build(), read_store)
    # the receipt's 3 units went to o1: 4 wait (o2)
    assert memory_engine.get_stock("A").waiting == 4

    covered = {po.purchase_order_id: (po.covers.lines, po.covers.units) for po in purchase_orders(read_store)}

    # Then P4 serves o2's 4 units and P1 nobody
    assert covered == {"P4": (1, 4), "P1": (0, 0)}


def test_the_filters_select_by_supplier_sku_and_status(memory_engine, read_store):
    given_the_history(memory_engine)
    project(memory_engine, catalog.build(), read_store)

    assert [po.purchase_order_id for po in purchase_orders(read_store, "all", sku="B")] == ["P3", "P2"]
    assert [po.purchase_order_id for po in purchase_orders(read_store, "all", supplier="S1", sku="A")] == [
        "P2",  # expected day 11
        "P1",  # now expected day 14
    ]
    assert [po.purchase_order_id for po in purchase_orders(read_store, "received")] == ["P3"]
    assert purchase_orders(read_store, supplier="nobody") == []
    with pytest.raises(UnknownStatusFilter):
        purchase_orders(read_store, "late")


def test_incoming_supply_lists_a_skus_open_pos_with_arrival_lateness_and_coverage(memory_engine, read_store):
    given_the_history(memory_engine)
    project(memory_engine, catalog.build(), read_store)

    supply = incoming_supply(read_store, "A")

    stock = memory_engine.get_stock("A")
    assert [(s.purchase_order_id, s.supplier_id, s.quantity) for s in supply] == [
        ("P4", "S2", 5),
        ("P1", "S1", 5),
    ]
    assert [s.expected_arrival for s in supply] == sorted(line.arrival for line in stock.inbound.values())
    p4, p1 = supply
    # S1 has one delivery a day late (P3): its lateness is 1 day; S2 delivered a day late too
    assert (p1.expected_date, p1.lateness_days, p1.expected_arrival) == (
        as_date(day(14)),
        1,
        as_date(day(15)),
    )
    assert (p1.status, p1.confirmed, p1.delayed, p1.late_now) == (
        PurchaseOrderStatus.DELAYED,
        True,
        True,
        False,
    )
    assert (p4.status, p4.confirmed, p4.delayed, p4.late_now) == (
        PurchaseOrderStatus.PARTLY_RECEIVED,
        False,
        False,
        True,
    )
    assert (p4.covers.lines, p4.covers.units) == (1, 4)
    assert incoming_supply(read_store, "B") == []
    assert incoming_supply(read_store, "unknown") == []


def test_the_po_read_model_follows_the_supplier_aggregate_over_a_demo(memory_engine):
    from simulation import DemoOptions, run_demo

    run_demo(memory_engine, DemoOptions(days=21, skus=6, orders_per_day=15))
    runner = project(memory_engine, catalog.build())

    views = purchase_orders(runner.store, "all")

    assert views, "the demo placed no purchase order"
    for view in views:
        po = memory_engine.get_supplier(view.supplier_id).purchase_order(view.purchase_order_id)
        assert (view.status, view.promised_date, view.current_expected_date) == (
            po.status,
            po.promised,
            po.expected,
        )
        assert {line.sku: line.received for line in view.lines} == {
            s: pl.received for s, pl in po.lines.items()
        }
    assert date.today() not in {v.as_of for v in views}  # business time, never the wall clock
