"""Inbound contracts: every bad message is refused whole, naming its id and the field at fault."""

from __future__ import annotations

from datetime import UTC

import orjson
import pytest

from services import contracts
from services.errors import MessageRejected
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m

EVERY_TYPE = [
    m.order_placed("m1", "O1"),
    m.order_cancelled("m2", "O1", ["1"]),
    m.order_shipped("m3", "O1", [("1", 2)]),
    m.stock_received("m4", "A", 5, po="PO-1", supplier_id="S1"),
    m.stock_adjusted("m5", "A", 3),
    m.supplier_registered("m6", "S1", ["A", m.terms("B", 3, "backup", moq=10)]),
    m.po_placed("m7", "PO-1", [("A", 5), ("B", 2)]),
    m.po_confirmed("m8", "PO-1", m.day(8)),
    m.po_delayed("m9", "PO-1", m.day(12)),
    m.po_cancelled("m10", "PO-1"),
    m.substitutes_declared("m11", "A", ["B"]),
    m.substitute_accepted("m12", "O1", "1"),
    m.substitute_declined("m13", "O1", "1"),
    m.back_in_stock_requested("m14", "A"),
    m.sku_configured("m15", "A", reorder_point=5, safety_stock=2, policy="fifo-v1"),
    m.line_released_ahead("m16", "O1", "1", reason="hospital order"),
    m.line_release_withdrawn("m17", "O1", "1", reason="covered elsewhere"),
    m.warehouse_configured("m18", "main", capacity_units=1000),
]


def rejection(raw) -> MessageRejected:
    with pytest.raises(MessageRejected) as error:
        parse_message(raw)
    return error.value


def test_the_builders_cover_all_eighteen_message_types_and_each_parses():
    assert len(contracts.BY_TYPE) == 18
    assert {raw["type"] for raw in EVERY_TYPE} == set(contracts.BY_TYPE)
    for raw in EVERY_TYPE:
        message = parse_message(raw)
        assert message.message_id == raw["message_id"]
        assert type(message).__name__ == raw["type"]


def test_a_message_parses_from_bytes_str_or_dict_alike():
    raw = m.order_placed("m1", "O1", [("1", "A", 2), ("2", "B", 1)], tier="gold")
    as_dict = parse_message(raw)
    assert parse_message(orjson.dumps(raw)) == as_dict == parse_message(orjson.dumps(raw).decode())
    assert as_dict.customer_tier.value == "gold"


def test_times_in_other_zones_are_normalised_to_utc():
    message = parse_message(m.stock_received("m1", at="2026-01-05T17:00:00+07:00"))
    assert message.occurred_at.tzinfo == UTC
    assert message.occurred_at.hour == 10


def test_an_unknown_type_is_refused_naming_the_message_and_the_known_types():
    error = rejection({"message_id": "x-1", "type": "OrderTeleported", "occurred_at": m.T0})
    assert error.message_id == "x-1" and error.field == "type"
    assert "OrderTeleported" in error.reason and "OrderPlaced" in error.reason
    assert str(error).startswith("message x-1, field type:")


def test_a_message_without_a_type_is_refused_on_the_type_field():
    error = rejection({"message_id": "x-2"})
    assert (error.message_id, error.field) == ("x-2", "type")


@pytest.mark.parametrize(
    "field",
    ["customer_id", "order_id", "lines", "contact", "placed_at", "occurred_at"],
)
def test_a_missing_required_field_is_named(field):
    raw = m.order_placed("o-9", "O9")
    del raw[field]
    error = rejection(raw)
    assert (error.message_id, error.message_type, error.field) == ("o-9", "OrderPlaced", field)
    assert "Field required" in error.reason
    assert f"message o-9 (OrderPlaced), field {field}" in str(error)


def test_a_missing_message_id_is_refused_and_says_so():
    raw = m.stock_received("r-1")
    del raw["message_id"]
    error = rejection(raw)
    assert error.message_id is None and error.field == "message_id"
    assert "<no message_id>" in str(error)


@pytest.mark.parametrize(
    "raw, field",
    [
        (m.order_placed("n-1", "O1", [("1", "A", -5)]), "lines.0.quantity"),
        (m.order_placed("n-2", "O1", [("1", "A", 1), ("2", "A", 0)]), "lines.1.quantity"),
        (m.stock_received("n-3", "A", -1), "quantity"),
        (m.stock_adjusted("n-4", "A", -2), "counted"),
        (m.order_shipped("n-5", "O1", [("1", -1)]), "lines.0.quantity"),
        (m.po_placed("n-6", "PO-1", [("A", 0)]), "lines.0.quantity"),
        (m.sku_configured("n-7", "A", reorder_point=-1), "reorder_point"),
        (m.supplier_registered("n-8", "S1", [m.terms("A", lead_time_days=-1)]), "terms.0.lead_time_days"),
        (m.order_placed("n-9", "O1", max_wait_days=0), "max_wait_days"),
    ],
)
def test_a_negative_or_zero_quantity_is_refused_naming_the_field(raw, field):
    error = rejection(raw)
    assert (error.message_id, error.field) == (raw["message_id"], field)


def test_a_naive_datetime_is_refused():
    error = rejection(m.stock_received("t-1", at="2026-01-05T10:00:00"))
    assert (error.message_id, error.field) == ("t-1", "occurred_at")
    assert "timezone" in error.reason


def test_duplicate_line_ids_are_refused_naming_the_lines_field():
    error = rejection(m.order_placed("d-1", "O1", [("1", "A", 1), ("1", "B", 2)]))
    assert (error.message_id, error.field) == ("d-1", "lines")
    assert "unique" in error.reason


def test_a_line_id_containing_a_slash_is_refused():
    error = rejection(m.order_placed("d-2", "O1", [("1/2", "A", 1)]))
    assert (error.message_id, error.field) == ("d-2", "lines")


def test_a_purchase_order_naming_an_sku_twice_is_refused():
    error = rejection(m.po_placed("d-3", "PO-1", [("A", 1), ("A", 2)]))
    assert (error.message_id, error.field) == ("d-3", "lines")


def test_unknown_fields_are_refused_rather_than_ignored():
    error = rejection(m.stock_received("u-1", colour="blue"))
    assert (error.message_id, error.field) == ("u-1", "colour")


def test_an_unknown_schema_version_is_refused():
    error = rejection(m.stock_received("v-2", schema_version=2))
    assert error.field == "schema_version"
    assert "not supported; supported: 1" in str(error)


def test_bad_enum_values_and_emails_are_named():
    assert rejection(m.order_placed("e-1", "O1", tier="diamond")).field == "customer_tier"
    assert rejection(m.order_placed("e-2", "O1", email="not-an-email")).field == "contact.email"
    assert rejection(m.order_placed("e-3", "O1", shipping="whenever")).field == "shipping_preference"


def test_an_empty_order_is_refused():
    assert rejection(m.order_placed("e-4", "O1", lines=[])).field == "lines"


def test_bytes_that_are_not_json_or_not_an_object_are_refused():
    assert "not valid JSON" in rejection(b"{nope").reason
    assert "JSON object" in rejection(b"[1, 2]").reason


@pytest.mark.parametrize(
    "raw, field",
    [
        ({"message_id": "h-1", "type": "Nope", "occurred_at": m.T0}, "type"),
        ({k: v for k, v in m.order_placed("h-2", "O1").items() if k != "customer_id"}, "customer_id"),
        (m.order_placed("h-3", "O1", [("1", "A", -5)]), "lines.0.quantity"),
        (m.order_placed("h-4", "O1", at="2026-01-05T10:00:00"), "occurred_at"),
        (m.order_placed("h-5", "O1", [("1", "A", 1), ("1", "A", 1)]), "lines"),
    ],
)
def test_the_engine_reports_bad_input_as_a_rejection_naming_the_message_and_field(memory_engine, raw, field):
    outcome = memory_engine.handle_raw(raw)
    assert outcome.status is Status.REJECTED
    assert (outcome.message_id, outcome.field) == (raw["message_id"], field)
    assert outcome.detail
    # Nothing was recorded, not even the message id: a corrected message with that id can still apply.
    assert memory_engine.recorder.max_notification_id() in (None, 0)


def test_the_engine_parks_messages_about_things_not_known_yet_naming_the_field(memory_engine):
    m.apply(memory_engine, m.stock_received("seed", "A", 1))
    cases = [
        (m.order_placed("k-1", "O1", [("1", "A", 1), ("2", "NOPE", 1)]), "lines.1.sku"),
        (m.order_cancelled("k-2", "O-404"), "order_id"),
        (m.order_shipped("k-3", "O-404"), "order_id"),
        (m.po_placed("k-4", "PO-1", supplier_id="S-404"), "supplier_id"),
        (m.back_in_stock_requested("k-5", "NOPE"), "sku"),
        (m.substitutes_declared("k-6", "NOPE", []), "sku"),
    ]
    for raw, field in cases:
        outcome = memory_engine.handle_raw(raw)
        assert (outcome.status, outcome.message_id, outcome.field) == (
            Status.PARKED,
            raw["message_id"],
            field,
        ), outcome
        assert "unknown" in outcome.detail
    assert memory_engine.parked_waiting() == len(cases)
