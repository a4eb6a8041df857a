"""An adversarial corpus: upstream lines that must each be refused, with the refusal they get.

Every case starts from a valid message (tests/messages.py) and breaks exactly one
thing: a field missing, a JSON type that is not the contract's, a value past its
bound, an empty, huge or invisible text, a key given twice, a line that is not a
JSON object at all. Each names the field its refusal must name (None when the
whole text is bad) and a fragment of the refusal's detail, taken from what the
code really says.

Most are refused by the parser (`stage="parse"`, services/parsing.py). The
`stage="rule"` ones are valid JSON the engine refuses against the seeded shop of
`seed()` (an order placed twice, a cancel after shipment, shipping more than is
allocated, ...); `stage="inbox"` is a message id reused for other content. Lines
naming an order, SKU, supplier or purchase order the shop does not know are not
refused but wait for it (`stage="wait"`, `early_cases()`: services/parking.py). Each case's raw bytes hold no newline, so one case is
one JSONL line.

`valid_line(i)` is the good line that follows each nasty one: one unit of SKU A
received, under a fresh message id.

Not in cases(): ACCEPTED_BUT_SUSPICIOUS (nasty lines the code applies today). Lines that
were accepted (`_suspicious`) or crashed the parser (`_deep`) when the corpus was first
written are refused now and are part of cases().
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import orjson

from tests import messages as m

AT = m.ts(1)
"""When the nasty lines happen: the day after the seeded shop opened."""


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    field: str | None  # the field the refusal must name; None when the whole text is bad
    reason: str  # a fragment the refusal's detail must contain
    stage: str = "parse"  # "parse": services.parsing; "rule": the engine's rules; "inbox": the id's record


# ------------------------------------------------------------------ the seeded shop
def seed() -> list[dict[str, Any]]:
    """A supplier of A, B, C; stock of B; orders open, shipped and waiting (on A, filled by receipts; on C, never)."""
    return [
        m.supplier_registered("seed-supplier", "S1", ["A", "B", "C"], at=m.ts(0)),
        m.sku_configured("seed-sku-a", "A", reorder_point=2, safety_stock=1, at=m.ts(0)),
        m.sku_configured("seed-sku-b", "B", at=m.ts(0)),
        m.stock_received("seed-stock-b", "B", 10, at=m.ts(0, 1)),
        m.order_placed("seed-order-1", "O1", [("1", "B", 3), ("2", "B", 2)], at=m.ts(0, 2)),
        m.order_shipped("seed-ship-1", "O1", [("2", None)], at=m.ts(0, 3)),
        m.order_placed("seed-order-3", "O3", [("1", "B", 1)], at=m.ts(0, 3)),
        m.order_shipped("seed-ship-3", "O3", [("1", None)], at=m.ts(0, 4)),
        m.po_placed("seed-po", "PO1", [("A", 20)], expected=m.day(7), supplier_id="S1", at=m.ts(0, 4)),
        m.order_placed("seed-order-2", "O2", [("1", "A", 4)], at=m.ts(0, 5), max_wait_days=30),
        m.order_placed("seed-order-4", "O4", [("1", "C", 2)], at=m.ts(0, 5)),
    ]


def valid_line(i: int) -> dict[str, Any]:
    """The good line after nasty line `i`: one unit of A received."""
    return m.stock_received(f"valid-{i:04d}", "A", 1, at=m.ts(1, minutes=i + 1))


# ------------------------------------------------------------------ valid messages to break
def _template(type_: str, mid: str) -> dict[str, Any]:
    """A valid message of each type, naming what the seeded shop holds."""
    build: dict[str, Callable[[], dict[str, Any]]] = {
        "OrderPlaced": lambda: m.order_placed(mid, "O-new", [("1", "A", 1)], at=AT, max_wait_days=10),
        "OrderCancelled": lambda: m.order_cancelled(mid, "O1", ["1"], at=AT, reason="changed mind"),
        "OrderShipped": lambda: m.order_shipped(mid, "O1", [("1", 1)], at=AT),
        "StockReceived": lambda: m.stock_received(mid, "A", 1, at=AT),
        "StockAdjusted": lambda: m.stock_adjusted(mid, "B", 5, at=AT, reason="cycle count"),
        "SupplierRegistered": lambda: m.supplier_registered(mid, "S-new", [m.terms("A", moq=6)], at=AT),
        "PurchaseOrderPlaced": lambda: m.po_placed(mid, "PO-new", [("A", 5)], expected=m.day(9), at=AT),
        "PurchaseOrderConfirmed": lambda: m.po_confirmed(mid, "PO1", m.day(8), at=AT),
        "PurchaseOrderDelayed": lambda: m.po_delayed(mid, "PO1", m.day(10), at=AT),
        "PurchaseOrderCancelled": lambda: m.po_cancelled(mid, "PO1", at=AT, reason="not needed"),
        "SubstitutesDeclared": lambda: m.substitutes_declared(mid, "A", ["B"], at=AT),
        "SubstituteAccepted": lambda: m.substitute_accepted(mid, "O2", "1", at=AT),
        "SubstituteDeclined": lambda: m.substitute_declined(mid, "O2", "1", at=AT),
        "BackInStockRequested": lambda: m.back_in_stock_requested(mid, "A", at=AT),
        "SkuConfigured": lambda: m.sku_configured(mid, "A", reorder_point=3, safety_stock=1, at=AT),
        "LineReleasedAhead": lambda: m.line_released_ahead(mid, "O2", "1", at=AT, reason="hospital"),
        "LineReleaseWithdrawn": lambda: m.line_release_withdrawn(mid, "O2", "1", at=AT, reason="over"),
        "WarehouseConfigured": lambda: m.warehouse_configured(mid, "main", capacity_units=500, at=AT),
    }
    return build[type_]()


TYPES = (
    "OrderPlaced",
    "OrderCancelled",
    "OrderShipped",
    "StockReceived",
    "StockAdjusted",
    "SupplierRegistered",
    "PurchaseOrderPlaced",
    "PurchaseOrderConfirmed",
    "PurchaseOrderDelayed",
    "PurchaseOrderCancelled",
    "SubstitutesDeclared",
    "SubstituteAccepted",
    "SubstituteDeclined",
    "BackInStockRequested",
    "SkuConfigured",
    "LineReleasedAhead",
    "LineReleaseWithdrawn",
    "WarehouseConfigured",
)

_RAW = "\x01raw\x01"  # stands in for a value written by hand into the serialised text
_DROP = object()
Path = tuple[str | int, ...]


def _changed(message: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(message)
    *parents, last = path
    target: Any = changed
    for part in parents:
        target = target[part]
    if value is _DROP:
        del target[last]
    else:
        target[last] = value
    return changed


def _dumps(message: dict[str, Any], raw_value: bytes | None = None) -> bytes:
    text = orjson.dumps(message)
    if raw_value is not None:
        placeholder = orjson.dumps(_RAW)
        assert text.count(placeholder) == 1
        text = text.replace(placeholder, raw_value)
    return text


class _Corpus:
    def __init__(self) -> None:
        self.cases: list[Case] = []

    def mid(self, name: str) -> str:
        return f"bad-{name}"

    def add(self, name: str, raw: bytes, field: str | None, reason: str, stage: str = "parse") -> None:
        self.cases.append(Case(name, raw, field, reason, stage))

    def set(self, name: str, type_: str, path: Path, value: Any, field: str | None, reason: str) -> None:
        """The valid `type_` message with the value at `path` replaced (or dropped with _DROP)."""
        message = _changed(_template(type_, self.mid(name)), path, value)
        self.add(name, _dumps(message), field, reason)

    def raw(
        self, name: str, type_: str, path: Path, raw_value: bytes, field: str | None, reason: str
    ) -> None:
        """The valid `type_` message with the value at `path` written by hand as `raw_value`."""
        message = _changed(_template(type_, self.mid(name)), path, _RAW)
        self.add(name, _dumps(message, raw_value), field, reason)

    def rule(self, name: str, message: dict[str, Any], field: str | None, reason: str) -> None:
        self.add(name, orjson.dumps(message), field, reason, stage="rule")

    def wait(self, name: str, message: dict[str, Any], field: str | None, reason: str) -> None:
        """Not refused: early (what it names may still come, on another topic); it is parked."""
        self.add(name, orjson.dumps(message), field, reason, stage="wait")


# Pydantic's words, as the refusals carry them
MISSING = "Field required"
NOT_INT = "Input should be a valid integer"
NOT_STR = "Input should be a valid string"
NOT_LIST = "Input should be a valid array"
NOT_DATETIME = "Input should be a valid datetime"
TIME_AS_TEXT = "must be an RFC 3339 date and time as text"
NOT_PLAIN_AMOUNT = "must be a plain decimal number"
TOO_DEEP = "nested more than 16 levels deep"
EXTRA = "Extra inputs are not permitted"
OUT_OF_RANGE = "must be from 1970-01-01 up to (not including) 2200-01-01"
HIDDEN = "must not contain control or invisible characters"
TRIMMED = "must not start or end with whitespace"


def _parse_cases(c: _Corpus) -> None:
    # ---------------------------------------------------------- a required field missing, per type
    missing = {
        "OrderPlaced": ("contact",),
        "OrderCancelled": ("order_id",),
        "OrderShipped": ("lines",),
        "StockReceived": ("quantity",),
        "StockAdjusted": ("reason",),
        "SupplierRegistered": ("terms",),
        "PurchaseOrderPlaced": ("expected_date",),
        "PurchaseOrderConfirmed": ("supplier_id",),
        "PurchaseOrderDelayed": ("new_expected_date",),
        "PurchaseOrderCancelled": ("purchase_order_id",),
        "SubstitutesDeclared": ("substitutes",),
        "SubstituteAccepted": ("line_id",),
        "SubstituteDeclined": ("order_id",),
        "BackInStockRequested": ("customer_id",),
        "SkuConfigured": ("sku",),
        "LineReleasedAhead": ("reason",),
        "LineReleaseWithdrawn": ("line_id",),
        "WarehouseConfigured": ("warehouse",),
    }
    for type_, path in missing.items():
        c.set(f"missing-{path[-1]}-of-{type_}", type_, path, _DROP, path[-1], MISSING)
    c.set("missing-message_id", "StockReceived", ("message_id",), _DROP, "message_id", MISSING)
    c.set("missing-occurred_at", "OrderPlaced", ("occurred_at",), _DROP, "occurred_at", MISSING)
    c.set(
        "missing-line-quantity", "OrderPlaced", ("lines", 0, "quantity"), _DROP, "lines.0.quantity", MISSING
    )
    c.set(
        "missing-terms-unit_cost",
        "SupplierRegistered",
        ("terms", 0, "unit_cost"),
        _DROP,
        "terms.0.unit_cost",
        MISSING,
    )
    c.set(
        "missing-contact-email", "BackInStockRequested", ("contact", "email"), _DROP, "contact.email", MISSING
    )

    # ---------------------------------------------------------- occurred_at as a Unix time, per type
    for type_ in TYPES:
        c.set(
            f"unix-time-occurred_at-of-{type_}",
            type_,
            ("occurred_at",),
            1767607200,
            "occurred_at",
            TIME_AS_TEXT,
        )

    # ---------------------------------------------------------- wrong JSON types for counts
    q = ("lines", 0, "quantity")
    c.set("quantity-true", "OrderPlaced", q, True, "lines.0.quantity", NOT_INT)
    c.set("quantity-string-5", "OrderPlaced", q, "5", "lines.0.quantity", NOT_INT)
    c.set("quantity-float-3.0", "OrderPlaced", q, 3.0, "lines.0.quantity", NOT_INT)
    c.set("quantity-null", "OrderPlaced", q, None, "lines.0.quantity", NOT_INT)
    c.set("quantity-list", "OrderPlaced", q, [5], "lines.0.quantity", NOT_INT)
    c.set("quantity-object", "OrderPlaced", q, {"value": 5}, "lines.0.quantity", NOT_INT)
    c.set("received-quantity-true", "StockReceived", ("quantity",), True, "quantity", NOT_INT)
    c.set("received-quantity-string", "StockReceived", ("quantity",), "5", "quantity", NOT_INT)
    c.set("received-quantity-float", "StockReceived", ("quantity",), 3.0, "quantity", NOT_INT)
    c.set("counted-true", "StockAdjusted", ("counted",), True, "counted", NOT_INT)
    c.set("counted-string", "StockAdjusted", ("counted",), "5", "counted", NOT_INT)
    c.set("counted-float", "StockAdjusted", ("counted",), 3.0, "counted", NOT_INT)
    c.set("counted-null", "StockAdjusted", ("counted",), None, "counted", NOT_INT)
    c.set(
        "shipped-quantity-float", "OrderShipped", ("lines", 0, "quantity"), 1.0, "lines.0.quantity", NOT_INT
    )
    c.set(
        "shipped-quantity-string", "OrderShipped", ("lines", 0, "quantity"), "1", "lines.0.quantity", NOT_INT
    )
    c.set("po-quantity-string", "PurchaseOrderPlaced", q, "10", "lines.0.quantity", NOT_INT)
    c.set("po-quantity-true", "PurchaseOrderPlaced", q, True, "lines.0.quantity", NOT_INT)
    c.set("reorder_point-true", "SkuConfigured", ("reorder_point",), True, "reorder_point", NOT_INT)
    c.set("safety_stock-string", "SkuConfigured", ("safety_stock",), "5", "safety_stock", NOT_INT)
    c.set("safety_stock-float", "SkuConfigured", ("safety_stock",), 3.0, "safety_stock", NOT_INT)
    lead = ("terms", 0, "lead_time_days")
    c.set("lead_time_days-string", "SupplierRegistered", lead, "7", "terms.0.lead_time_days", NOT_INT)
    c.set("lead_time_days-float", "SupplierRegistered", lead, 7.0, "terms.0.lead_time_days", NOT_INT)
    moq = ("terms", 0, "minimum_order_quantity")
    c.set("moq-true", "SupplierRegistered", moq, True, "terms.0.minimum_order_quantity", NOT_INT)
    c.set("max_wait_days-true", "OrderPlaced", ("max_wait_days",), True, "max_wait_days", NOT_INT)
    c.set("max_wait_days-string", "OrderPlaced", ("max_wait_days",), "10", "max_wait_days", NOT_INT)
    c.set(
        "accept_substitutes-string",
        "OrderPlaced",
        ("accept_substitutes",),
        "yes",
        "accept_substitutes",
        "valid boolean",
    )
    c.set(
        "accept_substitutes-int",
        "OrderPlaced",
        ("accept_substitutes",),
        1,
        "accept_substitutes",
        "valid boolean",
    )

    # ---------------------------------------------------------- wrong JSON types for texts, lists, objects
    c.set("order_id-list", "OrderCancelled", ("order_id",), ["O1"], "order_id", NOT_STR)
    c.set("sku-object", "StockReceived", ("sku",), {"id": "A"}, "sku", NOT_STR)
    c.set("customer_id-number", "BackInStockRequested", ("customer_id",), 42, "customer_id", NOT_STR)
    c.set("reason-list", "PurchaseOrderDelayed", ("reason",), ["late"], "reason", NOT_STR)
    c.set("supplier_id-null", "PurchaseOrderConfirmed", ("supplier_id",), None, "supplier_id", NOT_STR)
    c.set("line_id-number", "SubstituteAccepted", ("line_id",), 1, "line_id", NOT_STR)
    c.set("line_ids-string", "OrderCancelled", ("line_ids",), "1", "line_ids", NOT_LIST)
    c.set("substitutes-string", "SubstitutesDeclared", ("substitutes",), "B", "substitutes", NOT_LIST)
    c.set("lines-object", "OrderShipped", ("lines",), {"line_id": "1"}, "lines", NOT_LIST)
    c.set("terms-null", "SupplierRegistered", ("terms",), None, "terms", NOT_LIST)
    c.set(
        "contact-string",
        "OrderPlaced",
        ("contact",),
        "customer@example.com",
        "contact",
        "Input should be an object",
    )
    c.set(
        "expected_date-number",
        "PurchaseOrderPlaced",
        ("expected_date",),
        20260114,
        "expected_date",
        "must be a date as text",
    )
    c.set("message_id-number", "StockReceived", ("message_id",), 123, "message_id", NOT_STR)
    c.set("type-number", "StockReceived", ("type",), 5, "type", "unknown message type 5")
    c.set("type-null", "SkuConfigured", ("type",), None, "type", "unknown message type None")
    c.set(
        "customer_tier-unknown",
        "OrderPlaced",
        ("customer_tier",),
        "diamond",
        "customer_tier",
        "Input should be",
    )
    c.set(
        "shipping_preference-unknown",
        "OrderPlaced",
        ("shipping_preference",),
        "sometimes",
        "shipping_preference",
        "Input should be",
    )
    c.set(
        "locale-unknown",
        "BackInStockRequested",
        ("contact", "locale"),
        "xx",
        "contact.locale",
        "Input should be",
    )
    c.set(
        "priority-unknown",
        "SupplierRegistered",
        ("terms", 0, "priority"),
        "tertiary",
        "terms.0.priority",
        "Input should be",
    )
    c.set(
        "allocation_policy-number", "SkuConfigured", ("allocation_policy",), 1, "allocation_policy", NOT_STR
    )

    # ---------------------------------------------------------- extremes of numbers
    c.set("quantity-zero", "OrderPlaced", q, 0, "lines.0.quantity", "greater than or equal to 1")
    c.set("quantity-minus-one", "StockReceived", ("quantity",), -1, "quantity", "greater than or equal to 1")
    c.set(
        "quantity-1000000001",
        "PurchaseOrderPlaced",
        q,
        1_000_000_001,
        "lines.0.quantity",
        "less than or equal to 1000000000",
    )
    c.set(
        "quantity-2-to-the-64-minus-1",
        "OrderPlaced",
        q,
        18446744073709551615,
        "lines.0.quantity",
        "less than or equal to 1000000000",
    )
    c.raw(
        "quantity-10-to-the-30",
        "StockReceived",
        ("quantity",),
        b"1" + b"0" * 30,
        "quantity",
        "less than or equal to 1000000000",
    )
    c.set("counted-minus-one", "StockAdjusted", ("counted",), -1, "counted", "greater than or equal to 0")
    c.set(
        "shipped-quantity-zero",
        "OrderShipped",
        ("lines", 0, "quantity"),
        0,
        "lines.0.quantity",
        "greater than or equal to 1",
    )
    c.set(
        "max_wait_days-zero",
        "OrderPlaced",
        ("max_wait_days",),
        0,
        "max_wait_days",
        "greater than or equal to 1",
    )
    c.set(
        "max_wait_days-2-to-the-62",
        "OrderPlaced",
        ("max_wait_days",),
        2**62,
        "max_wait_days",
        "less than or equal to 3650",
    )
    c.set(
        "lead_time_days-10-to-the-9",
        "SupplierRegistered",
        lead,
        10**9,
        "terms.0.lead_time_days",
        "less than or equal to 3650",
    )
    c.set(
        "moq-zero",
        "SupplierRegistered",
        moq,
        0,
        "terms.0.minimum_order_quantity",
        "greater than or equal to 1",
    )
    c.set(
        "reorder_point-huge",
        "SkuConfigured",
        ("reorder_point",),
        10**12,
        "reorder_point",
        "less than or equal to 1000000000",
    )

    # ---------------------------------------------------------- extremes of times and dates
    at = ("occurred_at",)
    c.set("occurred_at-year-9999", "StockReceived", at, "9999-12-31T23:59:59Z", "occurred_at", OUT_OF_RANGE)
    c.set(
        "occurred_at-year-9999-minus-5h",
        "OrderPlaced",
        at,
        "9999-12-31T23:00:00-05:00",
        "occurred_at",
        OUT_OF_RANGE,
    )
    c.set(
        "occurred_at-year-1-plus-5h",
        "OrderCancelled",
        at,
        "0001-01-01T00:00:00+05:00",
        "occurred_at",
        OUT_OF_RANGE,
    )
    c.set("occurred_at-before-1970", "SkuConfigured", at, "1969-12-31T23:59:59Z", "occurred_at", OUT_OF_RANGE)
    c.set("occurred_at-without-offset", "StockAdjusted", at, "2026-01-06T10:00:00", "occurred_at", "timezone")
    c.set(
        "occurred_at-offset-25h",
        "PurchaseOrderPlaced",
        at,
        "2026-01-06T10:00:00+25:00",
        "occurred_at",
        "datetime",
    )
    c.set(
        "occurred_at-month-13", "BackInStockRequested", at, "2026-13-06T10:00:00Z", "occurred_at", "datetime"
    )
    c.set("occurred_at-empty", "SubstituteDeclined", at, "", "occurred_at", TIME_AS_TEXT)
    c.set(
        "placed_at-year-9999",
        "OrderPlaced",
        ("placed_at",),
        "9999-12-31T23:59:59Z",
        "placed_at",
        OUT_OF_RANGE,
    )
    c.set(
        "expected_date-year-9999",
        "PurchaseOrderPlaced",
        ("expected_date",),
        "9999-12-31",
        "expected_date",
        OUT_OF_RANGE,
    )
    c.set(
        "expected_date-3651-days-on",
        "PurchaseOrderPlaced",
        ("expected_date",),
        m.day(1 + 3651),
        "expected_date",
        "within 3650 days",
    )
    c.set(
        "confirmed-date-3651-days-back",
        "PurchaseOrderConfirmed",
        ("expected_date",),
        m.day(1 - 3651),
        "expected_date",
        "within 3650 days",
    )
    c.set(
        "delayed-date-month-13",
        "PurchaseOrderDelayed",
        ("new_expected_date",),
        "2026-13-01",
        "new_expected_date",
        "valid date",
    )
    c.set(
        "delayed-date-with-time",
        "PurchaseOrderDelayed",
        ("new_expected_date",),
        "2026-01-15T00:00:00Z",
        "new_expected_date",
        "date",
    )

    # ---------------------------------------------------------- money
    cost = ("terms", 0, "unit_cost")
    c.set("unit_cost-NaN", "SupplierRegistered", cost, "NaN", "terms.0.unit_cost", NOT_PLAIN_AMOUNT)
    c.set(
        "unit_cost-minus-one",
        "SupplierRegistered",
        cost,
        "-1",
        "terms.0.unit_cost",
        "greater than or equal to 0",
    )
    c.set(
        "unit_cost-1e400-text",
        "SupplierRegistered",
        cost,
        "1e400",
        "terms.0.unit_cost",
        NOT_PLAIN_AMOUNT,
    )
    c.raw("unit_cost-1e400-number", "SupplierRegistered", cost, b"1e400", None, "not valid JSON")
    c.set("unit_cost-Infinity", "SupplierRegistered", cost, "Infinity", "terms.0.unit_cost", NOT_PLAIN_AMOUNT)
    c.set(
        "unit_cost-seven-decimals",
        "SupplierRegistered",
        cost,
        "0.0000001",
        "terms.0.unit_cost",
        "decimal places",
    )
    c.set("unit_cost-word", "SupplierRegistered", cost, "cheap", "terms.0.unit_cost", NOT_PLAIN_AMOUNT)

    # ---------------------------------------------------------- empty, blank, padded, long texts
    c.set("order_id-empty", "SubstituteAccepted", ("order_id",), "", "order_id", "at least 1 character")
    c.set("message_id-empty", "StockReceived", ("message_id",), "", "message_id", "at least 1 character")
    c.set("sku-spaces-only", "StockReceived", ("sku",), "   ", "sku", TRIMMED)
    c.set(
        "customer_id-leading-space",
        "BackInStockRequested",
        ("customer_id",),
        " watcher",
        "customer_id",
        TRIMMED,
    )
    c.set("order_id-trailing-space", "OrderShipped", ("order_id",), "O1 ", "order_id", TRIMMED)
    c.set("sku-trailing-nbsp", "SkuConfigured", ("sku",), "A\u00a0", "sku", TRIMMED)
    c.set(
        "purchase_order_id-201-chars",
        "PurchaseOrderCancelled",
        ("purchase_order_id",),
        "P" * 201,
        "purchase_order_id",
        "at most 200 characters",
    )
    c.set(
        "sku-longer-than-200-after-nfc",
        "StockReceived",
        ("sku",),
        "\u0958" * 200,
        "sku",
        "at most 200 characters",
    )
    c.set("reason-empty", "StockAdjusted", ("reason",), "", "reason", "at least 1 character")
    c.set("reason-blank", "PurchaseOrderDelayed", ("reason",), " \t ", "reason", "must not be blank")
    c.set("reason-1001-chars", "OrderCancelled", ("reason",), "r" * 1001, "reason", "at most 1000 characters")
    c.set(
        "reason-one-megabyte",
        "PurchaseOrderCancelled",
        ("reason",),
        "r" * 1_000_000,
        "reason",
        "at most 1000 characters",
    )
    c.set(
        "email-without-at",
        "OrderPlaced",
        ("contact", "email"),
        "customer.example.com",
        "contact.email",
        "should match pattern",
    )
    c.set(
        "email-300-chars",
        "BackInStockRequested",
        ("contact", "email"),
        "w" * 288 + "@example.com",
        "contact.email",
        "at most 254 characters",
    )
    c.set(
        "email-two-ats",
        "OrderPlaced",
        ("contact", "email"),
        "a@b@example.com",
        "contact.email",
        "should match pattern",
    )
    c.set(
        "email-empty",
        "BackInStockRequested",
        ("contact", "email"),
        "",
        "contact.email",
        "should match pattern",
    )

    # ---------------------------------------------------------- control and invisible characters
    c.set("sku-nul", "StockReceived", ("sku",), "A\u0000", "sku", HIDDEN)
    c.set("customer_id-ansi-escape", "OrderPlaced", ("customer_id",), "\u001b[31mred", "customer_id", HIDDEN)
    c.set("order_id-bell", "OrderCancelled", ("order_id",), "O1\u0007", "order_id", HIDDEN)
    c.set("sku-zero-width-space", "OrderPlaced", ("lines", 0, "sku"), "A\u200b", "lines.0.sku", HIDDEN)
    c.set(
        "customer_id-bidi-override",
        "BackInStockRequested",
        ("customer_id",),
        "\u202eevil",
        "customer_id",
        HIDDEN,
    )
    c.set("reason-nul", "StockAdjusted", ("reason",), "count\u0000ed", "reason", HIDDEN)
    c.set("reason-ansi-escape", "PurchaseOrderCancelled", ("reason",), "\u001b[2Jcleared", "reason", HIDDEN)
    c.set(
        "email-zero-width",
        "OrderPlaced",
        ("contact", "email"),
        "c\u200b@example.com",
        "contact.email",
        HIDDEN,
    )
    c.set("supplier_name-bidi-isolate", "SupplierRegistered", ("name",), "Acme\u2067", "name", HIDDEN)
    c.set("line_id-soft-hyphen", "SubstituteDeclined", ("line_id",), "1\u00ad", "line_id", HIDDEN)
    c.set("sku-private-use", "SubstitutesDeclared", ("substitutes", 0), "B\ue000", "substitutes.0", HIDDEN)
    c.set("sku-noncharacter", "SkuConfigured", ("sku",), "A\uffff", "sku", HIDDEN)
    c.set("sku-tag-characters", "StockAdjusted", ("sku",), "B\U000e0041", "sku", HIDDEN)
    c.raw(
        "line_id-lone-surrogate", "OrderPlaced", ("lines", 0, "line_id"), b'"\\ud800"', None, "not valid JSON"
    )
    c.raw("sku-lone-low-surrogate", "StockReceived", ("sku",), b'"A\\udc00"', None, "not valid JSON")

    # ---------------------------------------------------------- what the message is
    c.set("unknown-extra-field", "StockReceived", ("priority",), "urgent", "priority", EXTRA)
    c.set("unknown-field-in-line", "OrderPlaced", ("lines", 0, "note"), "gift", "lines.0.note", EXTRA)
    c.set(
        "unknown-type",
        "StockReceived",
        ("type",),
        "StockTeleported",
        "type",
        "unknown message type 'StockTeleported'",
    )
    c.set(
        "type-lower-case",
        "OrderPlaced",
        ("type",),
        "orderplaced",
        "type",
        "unknown message type 'orderplaced'",
    )
    c.set(
        "schema_version-2",
        "OrderCancelled",
        ("schema_version",),
        2,
        "schema_version",
        "schema_version 2 of OrderCancelled is not supported; supported: 1",
    )
    c.set(
        "schema_version-string",
        "StockReceived",
        ("schema_version",),
        "1",
        "schema_version",
        "must be a JSON integer",
    )

    # ---------------------------------------------------------- lists: empty, too long, repeated
    many_lines = [{"line_id": str(i), "sku": "A", "quantity": 1} for i in range(1001)]
    c.set("order-lines-empty", "OrderPlaced", ("lines",), [], "lines", "at least 1 item")
    c.set("order-lines-1001", "OrderPlaced", ("lines",), many_lines, "lines", "at most 1000 items")
    c.set(
        "order-duplicate-line-ids",
        "OrderPlaced",
        ("lines",),
        [many_lines[0], many_lines[0]],
        "lines",
        "line_id values must be unique",
    )
    c.set(
        "order-line_id-with-slash",
        "OrderPlaced",
        ("lines", 0, "line_id"),
        "1/2",
        "lines",
        "must not contain '/'",
    )
    c.set("shipped-lines-empty", "OrderShipped", ("lines",), [], "lines", "at least 1 item")
    c.set("cancel-line_ids-empty", "OrderCancelled", ("line_ids",), [], "line_ids", "at least 1 item")
    c.set(
        "cancel-line_ids-1001",
        "OrderCancelled",
        ("line_ids",),
        [str(i) for i in range(1001)],
        "line_ids",
        "at most 1000 items",
    )
    c.set("po-lines-empty", "PurchaseOrderPlaced", ("lines",), [], "lines", "at least 1 item")
    c.set(
        "po-duplicate-skus",
        "PurchaseOrderPlaced",
        ("lines",),
        [{"sku": "A", "quantity": 1}] * 2,
        "lines",
        "each SKU may appear once",
    )
    c.set(
        "substitutes-21",
        "SubstitutesDeclared",
        ("substitutes",),
        [f"S{i}" for i in range(21)],
        "substitutes",
        "at most 20 items",
    )
    c.set(
        "terms-1001",
        "SupplierRegistered",
        ("terms",),
        [m.terms(f"K{i}") for i in range(1001)],
        "terms",
        "at most 1000 items",
    )

    # ---------------------------------------------------------- keys given twice (written by hand)
    received = _template("StockReceived", c.mid("duplicate-key-quantity-spaced"))
    body = orjson.dumps({k: v for k, v in received.items() if k != "quantity"})[:-1]
    c.add(
        "duplicate-key-quantity-spaced",
        body + b', "quantity" : 1, "quantity" : 5}',
        "quantity",
        "appears more than once",
    )
    received = _template("StockReceived", c.mid("duplicate-key-type"))
    text = orjson.dumps(received)[:-1] + b',"type":"OrderPlaced"}'
    c.add("duplicate-key-type", text, "type", "appears more than once")
    received = _template("StockReceived", c.mid("duplicate-key-message_id"))
    text = orjson.dumps(received)[:-1] + b',"message_id":"someone-else"}'
    c.add("duplicate-key-message_id", text, "message_id", "appears more than once")
    placed = _template("OrderPlaced", c.mid("duplicate-key-in-line"))
    text = orjson.dumps(placed).replace(b'"quantity":1', b'"quantity":1,"quantity"\t:\t1000')
    c.add("duplicate-key-in-line", text, "quantity", "appears more than once")
    placed = _template("BackInStockRequested", c.mid("duplicate-key-email"))
    text = orjson.dumps(placed).replace(b'"email":', b'"email":"x@evil.example","email"  :')
    c.add("duplicate-key-email", text, "email", "appears more than once")

    # ---------------------------------------------------------- not a message at all
    c.add("not-json", b"{not json", None, "not valid JSON")
    c.add("truncated-json", orjson.dumps(_template("StockReceived", "x"))[:-7], None, "not valid JSON")
    c.add("json-array", orjson.dumps([_template("StockReceived", c.mid("json-array"))]), None, "got list")
    c.add("json-string", b'"StockReceived"', None, "got str")
    c.add("json-number", b"42", None, "got int")
    c.add("json-null", b"null", None, "got NoneType")
    c.add("empty-object", b"{}", "type", "unknown message type None")
    c.add("two-objects-on-one-line", b'{"a":1} {"b":2}', None, "not valid JSON")
    c.add(
        "trailing-comma",
        orjson.dumps(_template("StockReceived", c.mid("trailing-comma")))[:-1] + b",}",
        None,
        "not valid JSON",
    )
    c.add("single-quotes", b"{'type': 'StockReceived'}", None, "not valid JSON")
    c.add(
        "nan-literal",
        orjson.dumps(_template("StockReceived", "x")).replace(b'"quantity":1', b'"quantity":NaN'),
        None,
        "not valid JSON",
    )
    c.add(
        "byte-order-mark",
        b"\xef\xbb\xbf" + orjson.dumps(_template("StockReceived", c.mid("byte-order-mark"))),
        None,
        "not valid JSON",
    )
    c.add(
        "invalid-utf8",
        orjson.dumps(_template("StockReceived", "x")).replace(b'"A"', b'"\xff\xfe"'),
        None,
        "not valid JSON",
    )
    c.add("deeply-nested-junk", b'{"junk":' + b"[" * 100_000 + b"]" * 100_000 + b"}", None, "not valid JSON")
    nested = orjson.dumps(_template("StockReceived", c.mid("nested-junk-field")))[:-1]
    c.add("nested-junk-field", nested + b',"junk":' + b'{"a":' * 50 + b"1" + b"}" * 50 + b"}", None, TOO_DEEP)
    nested = orjson.dumps(_template("StockReceived", c.mid("nested-junk-past-validator-depth")))[:-1]
    junk = b'{"a":' * 300 + b"1" + b"}" * 300
    c.add(
        "nested-junk-past-validator-depth",
        nested + b',"junk":' + junk + b"}",
        None,
        TOO_DEEP,
    )


def _rule_cases(c: _Corpus) -> None:
    """Valid JSON, refused by the engine on the seeded shop."""
    at = AT
    c.wait(
        "order-for-unknown-sku",
        m.order_placed(c.mid("order-for-unknown-sku"), "O-x", [("1", "NOPE", 1)], at=at),
        "lines.0.sku",
        "unknown SKU 'NOPE'",
    )
    c.wait(
        "order-for-homoglyph-sku",
        m.order_placed(c.mid("order-for-homoglyph-sku"), "O-y", [("1", "\u0410", 1)], at=at),
        "lines.0.sku",
        "unknown SKU",
    )
    c.rule(
        "order-placed-twice",
        m.order_placed(c.mid("order-placed-twice"), "O1", [("1", "B", 1)], at=at),
        "order_id",
        "order O1 was already placed",
    )
    c.wait(
        "cancel-unknown-order",
        m.order_cancelled(c.mid("cancel-unknown-order"), "O-nope", at=at),
        "order_id",
        "unknown order",
    )
    c.rule(
        "cancel-shipped-line",
        m.order_cancelled(c.mid("cancel-shipped-line"), "O1", ["2"], at=at),
        "line_ids",
        "shipped",
    )
    c.rule(
        "cancel-shipped-order",
        m.order_cancelled(c.mid("cancel-shipped-order"), "O3", at=at),
        "order_id",
        "nothing left to cancel",
    )
    c.rule(
        "cancel-unknown-line",
        m.order_cancelled(c.mid("cancel-unknown-line"), "O1", ["9"], at=at),
        "line_ids",
        "9",
    )
    c.wait(
        "ship-unknown-order",
        m.order_shipped(c.mid("ship-unknown-order"), "O-nope", at=at),
        "order_id",
        "unknown order",
    )
    c.rule(
        "ship-more-than-allocated",
        m.order_shipped(c.mid("ship-more-than-allocated"), "O1", [("1", 4)], at=at),
        "lines",
        "allocated",
    )
    c.rule(
        "ship-a-backordered-line",
        m.order_shipped(c.mid("ship-a-backordered-line"), "O4", [("1", None)], at=at),
        "lines",
        "nothing allocated to ship",
    )
    c.wait(
        "receive-against-unknown-po",
        m.stock_received(c.mid("receive-against-unknown-po"), "A", 1, at=at, po="PO-nope"),
        "purchase_order_id",
        "no open purchase order PO-nope",
    )
    c.wait(
        "receive-from-unknown-supplier",
        m.stock_received(
            c.mid("receive-from-unknown-supplier"), "A", 1, at=at, po="PO1", supplier_id="S-nope"
        ),
        "supplier_id",
        "unknown supplier",
    )
    c.wait(
        "po-from-unknown-supplier",
        m.po_placed(c.mid("po-from-unknown-supplier"), "PO-x", [("A", 1)], supplier_id="S-nope", at=at),
        "supplier_id",
        "unknown supplier",
    )
    c.wait(
        "po-for-unknown-sku",
        m.po_placed(c.mid("po-for-unknown-sku"), "PO-y", [("NOPE", 1)], at=at),
        "lines.0.sku",
        "unknown SKU",
    )
    c.wait(
        "confirm-unknown-po",
        m.po_confirmed(c.mid("confirm-unknown-po"), "PO-nope", m.day(8), at=at),
        "purchase_order_id",
        "PO-nope",
    )
    c.wait(
        "delay-unknown-po",
        m.po_delayed(c.mid("delay-unknown-po"), "PO-nope", m.day(9), at=at),
        "purchase_order_id",
        "PO-nope",
    )
    c.wait(
        "cancel-po-of-unknown-supplier",
        m.po_cancelled(c.mid("cancel-po-of-unknown-supplier"), "PO1", supplier_id="S-nope", at=at),
        "supplier_id",
        "unknown supplier",
    )
    c.rule(
        "accept-without-offer",
        m.substitute_accepted(c.mid("accept-without-offer"), "O4", "1", at=at),
        "line_id",
        "offer",
    )
    c.wait(
        "decline-on-unknown-order",
        m.substitute_declined(c.mid("decline-on-unknown-order"), "O-nope", "1", at=at),
        "order_id",
        "unknown order",
    )
    c.wait(
        "watch-unknown-sku",
        m.back_in_stock_requested(c.mid("watch-unknown-sku"), "NOPE", at=at),
        "sku",
        "unknown SKU",
    )
    c.wait(
        "substitute-unknown-sku",
        m.substitutes_declared(c.mid("substitute-unknown-sku"), "A", ["NOPE"], at=at),
        "substitutes.0",
        "unknown SKU",
    )
    # Its refusal names no field (domain.errors.UnknownPolicy has none), though allocation_policy is meant.
    policy = m.sku_configured(c.mid("unknown-allocation-policy"), "A", policy="lottery-v9", at=at)
    c.rule("unknown-allocation-policy", policy, None, "unknown allocation policy 'lottery-v9'")
    twice = m.order_shipped(c.mid("ship-one-line-twice-in-one-message"), "O1", [("1", 2), ("1", 2)], at=at)
    c.rule("ship-one-line-twice-in-one-message", twice, "lines", "1 unit(s) allocated, cannot ship 2")
    reused = m.stock_received("seed-stock-b", "B", 999, at=at)  # the seed's id, other content
    c.add(
        "message_id-reused-for-other-content",
        orjson.dumps(reused),
        "message_id",
        "already used by a different",
        stage="inbox",
    )


def cases() -> list[Case]:
    """Every line that must be refused."""
    return [case for case in _all() if case.stage != "wait"]


def early_cases() -> list[Case]:
    """Lines naming what the seeded shop does not know (yet): parked, not refused (services/parking.py)."""
    return [case for case in _all() if case.stage == "wait"]


def _all() -> list[Case]:
    corpus = _Corpus()
    _parse_cases(corpus)
    _rule_cases(corpus)
    refused_now = [c for c in [*_suspicious(), *_deep()] if c.name not in STILL_ACCEPTED]
    return corpus.cases + [replace(case, stage="parse") for case in refused_now]


def _suspicious() -> list[Case]:
    """Obviously nasty lines that were parsed AND applied when the corpus was written; refused since."""

    def case(name: str, type_: str, path: Path, value: Any, field: str, why: str) -> Case:
        message = _changed(_template(type_, f"sus-{name}"), path, value)
        if name.startswith(
            "placed_at-1970"
        ):  # the template's max_wait_days, counted from 1970, cancels it at once
            message = _changed(message, ("max_wait_days",), _DROP)
        return Case(name, orjson.dumps(message), field, why, stage="accepted")

    cost = ("terms", 0, "unit_cost")
    at = ("occurred_at",)
    return [
        # Times: "RFC 3339 text with its UTC offset ... never a number" (services/contract_values.py)
        case("occurred_at-unix-time-as-text", "StockReceived", at, "1767607200", "occurred_at", TIME_AS_TEXT),
        case(
            "placed_at-1970-jumps-the-queue",
            "OrderPlaced",
            ("placed_at",),
            "1970-01-02T00:00:00Z",
            "placed_at",
            "must be at most 30 days before occurred_at",
        ),
        case(
            "placed_at-2199-goes-last",
            "OrderPlaced",
            ("placed_at",),
            "2199-12-31T00:00:00Z",
            "placed_at",
            "at most 15 minutes after it",
        ),
        case(
            "po-delayed-into-the-past",
            "PurchaseOrderDelayed",
            ("new_expected_date",),
            "2025-01-01",
            "new_expected_date",
            "a delay cannot move a purchase order into the past",
        ),
        # `true` and `1.0` for the literal 1: "a count must be a JSON integer, not true"
        case(
            "schema_version-true",
            "StockReceived",
            ("schema_version",),
            True,
            "schema_version",
            "must be a JSON integer",
        ),
        case(
            "schema_version-float",
            "StockReceived",
            ("schema_version",),
            1.0,
            "schema_version",
            "must be a JSON integer",
        ),
        # Money read by Python's Decimal from any text it understands
        case(
            "unit_cost-arabic-indic-digits",
            "SupplierRegistered",
            cost,
            "\u0661\u0662",
            "terms.0.unit_cost",
            NOT_PLAIN_AMOUNT,
        ),
        case(
            "unit_cost-underscores",
            "SupplierRegistered",
            cost,
            "1_000",
            "terms.0.unit_cost",
            NOT_PLAIN_AMOUNT,
        ),
        case("unit_cost-padded", "SupplierRegistered", cost, " 1.5 ", "terms.0.unit_cost", NOT_PLAIN_AMOUNT),
        # Invisible or blank-looking ids and texts: none is Cc/Cf/Cs/Co/Cn, so _visible lets them through
        case("sku-line-separator-inside", "StockReceived", ("sku",), "A\u2028B", "sku", "found U+2028"),
        case("sku-paragraph-separator-inside", "StockReceived", ("sku",), "A\u2029B", "sku", "found U+2029"),
        case(
            "customer_id-hangul-filler",
            "BackInStockRequested",
            ("customer_id",),
            "\u3164",
            "customer_id",
            "found U+3164",
        ),
        case("sku-braille-blank", "StockReceived", ("sku",), "\u2800", "sku", "found U+2800"),
        case("reason-braille-blank", "StockAdjusted", ("reason",), "\u2800", "reason", "found U+2800"),
        case(
            "sku-combining-mark-only",
            "StockReceived",
            ("sku",),
            "\u0301",
            "sku",
            "must not start with a combining mark",
        ),
        case(
            "sku-combining-grapheme-joiner",
            "StockReceived",
            ("sku",),
            "A\u034f",
            "sku",
            "found U+034F",
        ),
        case("sku-variation-selector", "StockReceived", ("sku",), "A\ufe0f", "sku", "found U+FE0F"),
        case(
            "sku-199-stacked-accents",
            "StockReceived",
            ("sku",),
            "A" + "\u0301" * 199,
            "sku",
            "must not stack more than 4 combining marks",
        ),
        case(
            "sku-fullwidth-homoglyph",
            "StockReceived",
            ("sku",),
            "\uff21",
            "sku",
            "looks like A; NFKC folds it",
        ),
        # A list the handlers took without a word (a SKU as its own substitute is ignored, on purpose)
        case(
            "terms-same-sku-twice",
            "SupplierRegistered",
            ("terms",),
            [m.terms("A", lead_time_days=1, unit_cost="1"), m.terms("A", lead_time_days=90, unit_cost="9")],
            "terms",
            "each SKU may appear once per supplier",
        ),
    ]


# Nasty lines the current code ACCEPTS: services.parsing.parse_message returns a message and the
# engine applies it. Kept out of cases() (they would change the shop) and listed here until they
# are refused; tests/adversarial/test_corpus.py holds each to a refusal as a strict xfail, so a fix
# shows up as XPASS and the case moves into cases(). Ids are normalised to NFC, not NFKC, so a
# full-width "Ａ" stays a SKU of its own.
STILL_ACCEPTED = frozenset({"sku-fullwidth-homoglyph"})
ACCEPTED_BUT_SUSPICIOUS: list[Case] = [c for c in _suspicious() if c.name in STILL_ACCEPTED]


def _deep() -> list[Case]:
    """Lines that were neither accepted nor refused: parse_message raised RecursionError.

    A value nested 500 to 1023 levels deep passed orjson (its limit is 1024) and reached a
    recursive key count in services/parsing.py and, with a key given twice, `json.loads`:
    RecursionError, not MessageRejected. `antrian ingest` stopped with a traceback at that
    line, and the Kafka consumer died on it before committing its batch, again after every
    restart (a poison pill). Messages nested more than 16 levels deep are refused since.
    """

    def deep(name: str, junk: bytes, repeated: bytes = b"") -> Case:
        received = orjson.dumps(_template("StockReceived", f"crash-{name}"))[:-1]
        raw = received + repeated + b',"junk":' + junk + b"}"
        return Case(name, raw, None, TOO_DEEP, stage="crash")

    return [
        deep("junk-array-nested-900-deep", b"[" * 900 + b"]" * 900),
        deep("junk-object-nested-600-deep", b'{"a":' * 600 + b"1" + b"}" * 600),
        deep("duplicate-key-and-junk-nested-600-deep", b"[" * 600 + b"]" * 600, b',"quantity":2'),
    ]
