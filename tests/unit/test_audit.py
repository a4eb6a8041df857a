"""Which orders and SKUs an event concerns, and how the audit words it."""

from __future__ import annotations

from domain.order import Order
from domain.stock import Stock
from projections.audit import order_subject, orders_named, sku_subject, skus_named
from projections.audit_timeline import summarize


def test_a_stock_payload_names_each_order_once_in_first_mention_order():
    data = {
        "changes": [{"order_id": "o2", "line_id": "1"}, {"order_id": "o1", "line_id": "1"}],
        "expired": [{"order_id": "o2", "line_id": "2"}, {"order_id": "o3", "line_id": "1"}],
    }

    assert orders_named(data) == ["o2", "o1", "o3"]


def test_a_stock_payload_about_no_line_names_no_order():
    assert orders_named({"warehouse": "main", "quantity": 3, "purchase_order_key": None}) == []


def test_supplier_payloads_name_the_skus_of_their_lines_terms_or_receipt():
    assert skus_named("Supplier.PurchaseOrderPlaced", {"lines": [{"sku": "B"}, {"sku": "A"}]}) == ["B", "A"]
    assert skus_named("Supplier.Registered", {"terms": [{"sku": "A"}]}) == ["A"]
    assert skus_named("Supplier.PurchaseOrderReceived", {"sku": "C", "quantity": 1}) == ["C"]


def test_subjects_are_the_aggregate_ids_so_an_order_or_sku_needs_no_lookup():
    assert order_subject("o1") == str(Order.create_id("o1"))
    assert sku_subject("A") == str(Stock.create_id("A"))


def test_an_expired_promise_is_worded_with_its_limit():
    data = {
        "from_queue_position": 1,
        "changes": [],
        "expired": [
            {"order_id": "o1", "line_id": "1", "quantity": 2, "eta": "2026-02-01", "wait_limit": "2026-01-20"}
        ],
    }

    assert summarize("Stock.EtasRevised", data) == (
        "promises from position 1: o1/1 x2 expired (ETA 2026-02-01 after limit 2026-01-20)"
    )


def test_a_customer_cancellation_says_what_went_back():
    data = {
        "line_id": "2",
        "released_quantity": 1,
        "withdrawn_quantity": 3,
        "reason": "changed mind",
        "automatic": False,
    }

    assert summarize("Order.LineCancelled", data) == (
        "line 2 cancelled by the customer (changed mind): 1 released, 3 withdrawn from the queue"
    )


def test_every_event_type_the_audit_records_has_its_own_wording():
    from projections.audit import AuditProjection
    from projections.audit_timeline import SUMMARIES

    assert AuditProjection().event_types == set(SUMMARIES)
