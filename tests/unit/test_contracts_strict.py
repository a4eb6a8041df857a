"""Inputs are taken as sent, within documented bounds: nothing is coerced, nothing absurd is stored."""

from __future__ import annotations

import json

import orjson
import pytest

from services.contract_values import MAX_LINES, MAX_TEXT_LENGTH, MAX_UNITS
from services.errors import MessageRejected
from services.parsing import parse_message
from tests import messages as m


def refusal(raw) -> MessageRejected:
    with pytest.raises(MessageRejected) as error:
        parse_message(raw if isinstance(raw, bytes | str) else json.dumps(raw))
    return error.value


@pytest.mark.parametrize("value", [True, "5", 3.0, None, [1], {"n": 1}])
def test_a_count_must_be_a_json_integer_not_a_boolean_a_text_or_a_float(value):
    error = refusal({**m.stock_received("m1", "A", 1), "quantity": value})
    assert error.field == "quantity" and error.message_id == "m1"


@pytest.mark.parametrize("value", [0, -1, MAX_UNITS + 1, 18446744073709551615, 10**30])
def test_a_quantity_outside_one_to_a_billion_is_refused(value):
    assert refusal({**m.stock_received("m1", "A", 1), "quantity": value}).field == "quantity"


def test_the_largest_quantity_allowed_is_accepted():
    assert parse_message(m.stock_received("m1", "A", MAX_UNITS)).quantity == MAX_UNITS


@pytest.mark.parametrize(
    "value",
    [
        1767225600,
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+05:00",
        "1970-01-01T00:00:00+01:00",
        "2200-01-01T00:00:00Z",
        "2026-01-05T10:00:00",
    ],
)
def test_a_time_must_be_an_rfc3339_text_with_its_offset_within_the_supported_range(value):
    assert refusal({**m.stock_received("m1", "A", 1), "occurred_at": value}).field == "occurred_at"


def test_a_purchase_order_expected_more_than_ten_years_from_its_message_is_refused():
    error = refusal(m.po_placed("m1", "PO-1", expected="2036-02-01"))
    assert error.field == "expected_date" and "3650 days" in error.reason
    assert refusal(m.po_placed("m1", "PO-1", expected="9999-12-31")).field == "expected_date"


@pytest.mark.parametrize(
    ("field", "value"), [("max_wait_days", 2**62), ("max_wait_days", 0), ("max_wait_days", 3651)]
)
def test_a_wait_outside_one_day_to_ten_years_is_refused(field, value):
    assert refusal(m.order_placed("m1", "O1", max_wait_days=value)).field == field


def test_a_lead_time_of_a_billion_days_is_refused():
    error = refusal(m.supplier_registered("m1", "S1", [m.terms("A", 10**9)]))
    assert error.field == "terms.0.lead_time_days"


def test_a_key_given_twice_in_one_json_object_is_refused_whichever_way_it_is_spaced():
    raw = b'{"message_id":"m1","type":"StockReceived","occurred_at":"2026-01-05T10:00:00Z","sku":"A",'
    for tail in (b'"quantity":1,"quantity":5}', b'"quantity" : 1, "quantity"\t: 5}'):
        error = refusal(raw + tail)
        assert error.field == "quantity" and "more than once" in error.reason and error.message_id == "m1"


def test_a_key_given_twice_deep_inside_a_message_is_refused_too():
    raw = orjson.dumps(m.order_placed("m1", "O1")).replace(b'"quantity":5', b'"quantity":5,"quantity":50')
    assert refusal(raw).field == "quantity"


@pytest.mark.parametrize(
    "value", ["", " ", "\t", " A", "A ", "A\u0000", "A\u001b[31m", "A\u200b", "\u202eA", "A" * 201]
)
def test_an_id_that_is_blank_padded_invisible_or_too_long_is_refused(value):
    assert refusal({**m.stock_received("m1", "A", 1), "sku": value}).field == "sku"


def test_ids_are_normalised_so_one_written_two_ways_is_one_id():
    composed = parse_message(m.stock_received("m1", "CAF\u00c9", 1))
    decomposed = parse_message(m.stock_received("m1", "CAFE\u0301", 1))
    assert composed.sku == decomposed.sku == "CAF\u00c9"


def test_a_reason_longer_than_the_limit_is_refused_without_being_stored():
    error = refusal(m.po_delayed("m1", "PO-1", m.day(12), reason="x" * (MAX_TEXT_LENGTH + 1)))
    assert error.field == "reason"
    huge = orjson.dumps(m.po_delayed("m1", "PO-1", m.day(12), reason="x" * 100_000_000))
    assert refusal(huge).field == "reason"


def test_an_order_with_more_lines_than_the_limit_is_refused():
    lines = [(str(i), "A", 1) for i in range(MAX_LINES + 1)]
    assert refusal(m.order_placed("m1", "O1", lines)).field == "lines"


@pytest.mark.parametrize("value", ["NaN", "-1", "1e400", "Infinity"])
def test_a_unit_cost_that_is_not_a_finite_amount_is_refused(value):
    error = refusal(m.supplier_registered("m1", "S1", [m.terms("A", 7, unit_cost=value)]))
    assert error.field == "terms.0.unit_cost"
