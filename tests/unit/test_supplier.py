"""The Supplier aggregate on its own: terms, purchase orders, and observed lateness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import DuplicatePurchaseOrder, PurchaseOrderClosed, SkuNotSupplied, UnknownPurchaseOrder
from domain.eta import DEFAULT_LATENESS_DAYS
from domain.supplier import Supplier, Terms, supplier_uuid
from domain.values import PurchaseOrderStatus, SupplierPriority

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
TODAY = T0.date()


def d(days: int) -> date:
    return TODAY + timedelta(days=days)


def terms(
    sku: str, lead: int = 7, priority: SupplierPriority = SupplierPriority.PRIMARY, moq: int = 1
) -> Terms:
    return Terms(
        sku=sku, lead_time_days=lead, unit_cost=Decimal("2.50"), priority=priority, minimum_order_quantity=moq
    )


def new_supplier(*skus: str) -> Supplier:
    supplier = Supplier(supplier_id="S1", name="Acme", terms=[terms(s) for s in skus or ("A", "B")])
    supplier.collect_events()
    return supplier


def names(supplier: Supplier) -> list[str]:
    return [type(e).__name__ for e in supplier.collect_events()]


def test_a_supplier_is_identified_by_its_id():
    assert new_supplier().id == supplier_uuid("S1")


def test_a_source_carries_the_terms_and_the_default_lateness_before_any_delivery():
    supplier = Supplier(
        supplier_id="S1", name="Acme", terms=[terms("A", 12, SupplierPriority.BACKUP, moq=50)]
    )
    source = supplier.source_for("A")
    assert (source.supplier_id, source.lead_time_days, source.priority, source.minimum_order_quantity) == (
        "S1",
        12,
        SupplierPriority.BACKUP,
        50,
    )
    assert source.lateness_days == DEFAULT_LATENESS_DAYS


def test_unchanged_terms_record_nothing_and_changed_terms_replace_them():
    supplier = new_supplier("A")
    supplier.update_terms("Acme", [terms("A")])
    assert names(supplier) == []
    supplier.update_terms("Acme", [terms("A", lead=3), terms("C")])
    assert names(supplier) == ["TermsUpdated"]
    assert set(supplier.terms) == {"A", "C"} and supplier.terms["A"].lead_time_days == 3


def test_a_placed_po_is_open_with_its_promised_date():
    supplier = new_supplier()
    supplier.place("PO-1", {"A": 10, "B": 5}, d(7), T0)
    po = supplier.purchase_order("PO-1")
    assert po.status is PurchaseOrderStatus.PLACED and po.is_open
    assert (po.promised, po.expected) == (d(7), d(7))
    assert {sku: line.open for sku, line in po.lines.items()} == {"A": 10, "B": 5}


def test_placing_a_po_twice_or_for_an_sku_without_terms_is_refused():
    supplier = new_supplier("A")
    supplier.place("PO-1", {"A": 1}, d(7), T0)
    supplier.collect_events()
    with pytest.raises(DuplicatePurchaseOrder) as error:
        supplier.place("PO-1", {"A": 1}, d(7), T0)
    assert error.value.field == "purchase_order_id"
    with pytest.raises(SkuNotSupplied, match="Z"):
        supplier.place("PO-2", {"A": 1, "Z": 1}, d(7), T0)
    assert names(supplier) == []


def test_confirming_moves_the_promise_but_a_delay_does_not():
    supplier = new_supplier()
    supplier.place("PO-1", {"A": 10}, d(7), T0)
    supplier.confirm("PO-1", d(9), T0)
    po = supplier.purchase_order("PO-1")
    assert (po.promised, po.expected, po.status) == (d(9), d(9), PurchaseOrderStatus.CONFIRMED)
    supplier.delay("PO-1", d(15), "port congestion", T0)
    po = supplier.purchase_order("PO-1")
    assert (po.promised, po.expected, po.status) == (d(9), d(15), PurchaseOrderStatus.DELAYED)


def test_a_delivery_measures_lateness_against_the_promise_once_per_po():
    supplier = new_supplier()
    supplier.place("PO-1", {"A": 10}, d(7), T0)
    supplier.receive("PO-1", "A", 4, d(10))
    assert supplier.delays == [3]
    assert supplier.purchase_order("PO-1").status is PurchaseOrderStatus.PARTLY_RECEIVED
    supplier.receive("PO-1", "A", 6, d(20))
    assert supplier.delays == [3]  # the rest of the same PO does not count again
    assert supplier.purchase_order("PO-1").status is PurchaseOrderStatus.RECEIVED
    assert supplier.lateness_days == 3


def test_early_deliveries_count_as_zero_lateness():
    supplier = new_supplier()
    supplier.place("PO-1", {"A": 1}, d(7), T0)
    supplier.receive("PO-1", "A", 1, d(4))
    assert supplier.delays == [-3]
    assert supplier.lateness_days == 0


def test_lateness_follows_the_90th_percentile_of_deliveries():
    supplier = new_supplier()
    for i, late in enumerate([1, 1, 1, 1, 1, 1, 1, 1, 1, 9]):
        supplier.place(f"PO-{i}", {"A": 1}, d(0), T0)
        supplier.receive(f"PO-{i}", "A", 1, d(late))
    assert supplier.lateness_days == 1
    supplier.place("PO-x", {"A": 1}, d(0), T0)
    supplier.receive("PO-x", "A", 1, d(9))
    assert supplier.lateness_days == 9
    assert supplier.source_for("A").lateness_days == 9


def test_closed_or_unknown_pos_refuse_further_changes():
    supplier = new_supplier()
    supplier.place("PO-1", {"A": 1}, d(7), T0)
    supplier.cancel("PO-1", "not needed", T0)
    assert supplier.purchase_order("PO-1").status is PurchaseOrderStatus.CANCELLED
    supplier.collect_events()
    for attempt in (
        lambda: supplier.confirm("PO-1", d(8), T0),
        lambda: supplier.delay("PO-1", d(8), "x", T0),
        lambda: supplier.cancel("PO-1", "x", T0),
        lambda: supplier.receive("PO-1", "A", 1, d(8)),
    ):
        with pytest.raises(PurchaseOrderClosed):
            attempt()
    with pytest.raises(UnknownPurchaseOrder) as error:
        supplier.confirm("PO-404", d(8), T0)
    assert error.value.field == "purchase_order_id"
    assert names(supplier) == []


def test_receiving_an_sku_the_po_does_not_carry_is_refused_naming_the_sku():
    supplier = new_supplier()
    supplier.place("PO-1", {"A": 1}, d(7), T0)
    with pytest.raises(SkuNotSupplied) as error:
        supplier.receive("PO-1", "B", 1, d(7))
    assert error.value.field == "sku"


def test_a_confirmation_read_after_the_whole_po_arrived_is_kept_as_late_and_changes_nothing():
    # Given a PO whose goods all arrived
    supplier = new_supplier("A")
    supplier.place("PO-1", {"A": 10}, d(7), T0)
    supplier.receive("PO-1", "A", 10, d(6))
    names(supplier)
    # When its confirmation (sent before the goods came, read after them) is read
    changed = supplier.confirm("PO-1", d(8), T0 + timedelta(days=1))
    # Then it is recorded as late, without refusal, and the PO is as the receipt left it
    assert not changed
    assert names(supplier) == ["PurchaseOrderNoticeCameLate"]
    po = supplier.purchase_order("PO-1")
    assert (po.status, po.promised, po.expected) == (PurchaseOrderStatus.RECEIVED, d(7), d(7))


def test_a_delay_dated_before_a_partial_receipt_is_late_but_one_dated_after_it_moves_the_rest():
    # Given a PO of two SKUs, one of which arrived on day 6
    supplier = new_supplier("A", "B")
    supplier.place("PO-1", {"A": 10, "B": 5}, d(7), T0)
    supplier.receive("PO-1", "A", 10, d(6))
    names(supplier)
    # When a delay dated day 5 is read, then one dated day 6 (the day of the receipt)
    late = supplier.delay("PO-1", d(9), "carrier", T0 + timedelta(days=5))
    current = supplier.delay("PO-1", d(10), "carrier", T0 + timedelta(days=6))
    # Then the first is kept as late and the second moves the open line
    assert (late, current) == (False, True)
    assert names(supplier) == ["PurchaseOrderNoticeCameLate", "PurchaseOrderDelayed"]
    assert supplier.purchase_order("PO-1").expected == d(10)


def test_an_unknown_purchase_order_says_it_waits_for_that_purchase_order():
    with pytest.raises(UnknownPurchaseOrder) as raised:
        new_supplier("A").purchase_order("PO-9")
    assert raised.value.awaits == "purchase order PO-9"
