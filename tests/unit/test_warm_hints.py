"""What a message says it will read, so a cold engine can load it beforehand."""

from __future__ import annotations

from domain.order import order_uuid
from domain.stock import stock_id
from domain.supplier import supplier_uuid
from services.parsing import parse_message
from services.warm import reads_of
from tests import messages as m


def named(raw: dict) -> set:
    return set(reads_of(parse_message(raw)))


def test_a_new_order_names_the_stock_of_every_line_and_not_the_order_itself():
    raw = m.order_placed("m1", "o1", lines=[("1", "A", 2), ("2", "B", 1), ("3", "A", 1)])
    assert named(raw) == {stock_id("A"), stock_id("B")}


def test_messages_about_an_existing_order_name_the_order():
    assert named(m.order_cancelled("m2", "o1")) == {order_uuid("o1")}
    assert named(m.order_shipped("m3", "o1")) == {order_uuid("o1")}


def test_a_receipt_on_a_purchase_order_names_the_stock_and_its_supplier():
    assert named(m.stock_received("m4", "A", po="PO1", supplier_id="S1")) == {
        stock_id("A"),
        supplier_uuid("S1"),
    }
    assert named(m.stock_received("m5", "A")) == {stock_id("A")}


def test_purchasing_messages_name_the_supplier_and_the_skus_on_the_order():
    raw = m.po_placed("m6", "PO1", lines=[("A", 5), ("B", 5)], supplier_id="S1")
    assert named(raw) == {supplier_uuid("S1"), stock_id("A"), stock_id("B")}


def test_declared_substitutes_are_named_with_the_sku():
    assert named(m.substitutes_declared("m7", "A", ["B", "C"])) == {stock_id(s) for s in "ABC"}
