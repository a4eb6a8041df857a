"""Inbound message contracts, version 1: the language upstream systems speak.

These are separate from stored domain events on purpose: upstream may add
a version 2 of a message without touching history, and history may be
refactored without breaking publishers. Each message carries `message_id`
(the idempotency key), `type` and `occurred_at` (the only clock decisions use).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from domain.values import DEFAULT_WAREHOUSE, Locale, ShippingPreference, SupplierPriority, Tier
from services.contract_values import (
    MAX_DAYS,
    MAX_LINES,
    MAX_SUBSTITUTES,
    Count,
    Day,
    Days,
    Email,
    Id,
    Money,
    Text,
    Units,
    Utc,
    WaitDays,
    exact_int,
)

MAX_PLACED_BEFORE = timedelta(days=30)  # an order forwarded late; older ones would jump the queue
CLOCK_SKEW = timedelta(minutes=15)  # placed_at after its own message: clocks disagree a little


class Contract(BaseModel):
    """Strict: upstream's JSON types are taken as they are, never coerced (services/contract_values.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Envelope(Contract):
    """What every message carries, whatever its type."""

    message_id: Id
    occurred_at: Utc
    schema_version: Annotated[Literal[1], BeforeValidator(exact_int)] = 1


class ContactIn(Contract):
    email: Email
    locale: Locale = Locale.EN


class OrderLineIn(Contract):
    line_id: Id
    sku: Id
    quantity: Units


class OrderPlaced(Envelope):
    type: Literal["OrderPlaced"]
    order_id: Id
    customer_id: Id
    customer_tier: Tier = Tier.STANDARD
    placed_at: Utc
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]
    shipping_preference: ShippingPreference = ShippingPreference.PARTIAL
    accept_substitutes: bool = False
    max_wait_days: WaitDays | None = None
    contact: ContactIn

    @model_validator(mode="after")
    def _placed_near_its_message(self) -> OrderPlaced:
        """Placed before its message, up to MAX_PLACED_BEFORE; an order from far back would jump its queue."""
        if not self.occurred_at - MAX_PLACED_BEFORE <= self.placed_at <= self.occurred_at + CLOCK_SKEW:
            raise ValueError(
                f"placed_at: must be at most {MAX_PLACED_BEFORE.days} days before occurred_at "
                f"and at most {CLOCK_SKEW.seconds // 60} minutes after it"
            )
        return self

    @model_validator(mode="after")
    def _unique_lines(self) -> OrderPlaced:
        ids = [line.line_id for line in self.lines]
        if len(ids) != len(set(ids)):
            raise ValueError("lines: line_id values must be unique within an order")
        if any("/" in i for i in ids):
            raise ValueError("lines: line_id must not contain '/'")
        return self


class OrderCancelled(Envelope):
    type: Literal["OrderCancelled"]
    order_id: Id
    line_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_LINES)] | None = (
        None  # None: the whole order
    )
    reason: Text = "customer request"


class ShippedLineIn(Contract):
    line_id: Id
    quantity: Units | None = None  # None: everything allocated to the line


class OrderShipped(Envelope):
    type: Literal["OrderShipped"]
    order_id: Id
    warehouse: Id = DEFAULT_WAREHOUSE
    lines: Annotated[list[ShippedLineIn], Field(min_length=1, max_length=MAX_LINES)]


class StockReceived(Envelope):
    type: Literal["StockReceived"]
    sku: Id
    warehouse: Id = DEFAULT_WAREHOUSE
    quantity: Units
    purchase_order_id: Id | None = None
    supplier_id: Id | None = None  # found from the open PO when omitted


class StockAdjusted(Envelope):
    type: Literal["StockAdjusted"]
    sku: Id
    warehouse: Id = DEFAULT_WAREHOUSE
    counted: Count
    reason: Text


class TermsIn(Contract):
    sku: Id
    lead_time_days: Days
    unit_cost: Money
    priority: SupplierPriority = SupplierPriority.PRIMARY
    minimum_order_quantity: Units = 1


class SupplierRegistered(Envelope):
    type: Literal["SupplierRegistered"]
    supplier_id: Id
    name: Id
    terms: Annotated[list[TermsIn], Field(max_length=MAX_LINES)]

    @model_validator(mode="after")
    def _one_term_per_sku(self) -> SupplierRegistered:
        skus = [term.sku for term in self.terms]
        if len(skus) != len(set(skus)):
            raise ValueError("terms: each SKU may appear once per supplier")
        return self


def _near(message: Envelope, field: str, day: date) -> None:
    """A PO's date within MAX_DAYS of its message: ETAs add lead times and lateness to it."""
    if abs((day - message.occurred_at.date()).days) > MAX_DAYS:
        raise ValueError(f"{field}: must be within {MAX_DAYS} days of occurred_at")


class PoLineIn(Contract):
    sku: Id
    quantity: Units


class PurchaseOrderPlaced(Envelope):
    type: Literal["PurchaseOrderPlaced"]
    purchase_order_id: Id
    supplier_id: Id
    lines: Annotated[list[PoLineIn], Field(min_length=1, max_length=MAX_LINES)]
    expected_date: Day

    @model_validator(mode="after")
    def _unique_skus(self) -> PurchaseOrderPlaced:
        skus = [line.sku for line in self.lines]
        if len(skus) != len(set(skus)):
            raise ValueError("lines: each SKU may appear once per purchase order")
        _near(self, "expected_date", self.expected_date)
        return self


class PurchaseOrderConfirmed(Envelope):
    type: Literal["PurchaseOrderConfirmed"]
    purchase_order_id: Id
    supplier_id: Id
    expected_date: Day

    @model_validator(mode="after")
    def _near_its_message(self) -> PurchaseOrderConfirmed:
        _near(self, "expected_date", self.expected_date)
        return self


class PurchaseOrderDelayed(Envelope):
    type: Literal["PurchaseOrderDelayed"]
    purchase_order_id: Id
    supplier_id: Id
    new_expected_date: Day
    reason: Text

    @model_validator(mode="after")
    def _near_its_message(self) -> PurchaseOrderDelayed:
        _near(self, "new_expected_date", self.new_expected_date)
        if self.new_expected_date < self.occurred_at.date():
            raise ValueError("new_expected_date: a delay cannot move a purchase order into the past")
        return self


class PurchaseOrderCancelled(Envelope):
    type: Literal["PurchaseOrderCancelled"]
    purchase_order_id: Id
    supplier_id: Id
    reason: Text = "cancelled by purchasing"


class SubstitutesDeclared(Envelope):
    type: Literal["SubstitutesDeclared"]
    sku: Id
    substitutes: Annotated[list[Id], Field(max_length=MAX_SUBSTITUTES)]  # best first


class SubstituteAccepted(Envelope):
    type: Literal["SubstituteAccepted"]
    order_id: Id
    line_id: Id


class SubstituteDeclined(Envelope):
    type: Literal["SubstituteDeclined"]
    order_id: Id
    line_id: Id


class BackInStockRequested(Envelope):
    type: Literal["BackInStockRequested"]
    sku: Id
    customer_id: Id
    contact: ContactIn


class SkuConfigured(Envelope):
    """Reorder point, safety stock and allocation policy of a SKU."""

    type: Literal["SkuConfigured"]
    sku: Id
    reorder_point: Count = 0
    safety_stock: Count = 0
    allocation_policy: Id | None = None


Message = Annotated[
    OrderPlaced
    | OrderCancelled
    | OrderShipped
    | StockReceived
    | StockAdjusted
    | SupplierRegistered
    | PurchaseOrderPlaced
    | PurchaseOrderConfirmed
    | PurchaseOrderDelayed
    | PurchaseOrderCancelled
    | SubstitutesDeclared
    | SubstituteAccepted
    | SubstituteDeclined
    | BackInStockRequested
    | SkuConfigured,
    Field(discriminator="type"),
]
"""Any inbound message: its `type` names the contract it is checked against."""

MESSAGE_TYPES: tuple[type[Envelope], ...] = get_args(get_args(Message)[0])

BY_TYPE: dict[str, type[Envelope]] = {cls.__name__: cls for cls in MESSAGE_TYPES}
"""Each contract's `type` is its class name (tests/unit/test_contracts.py holds them to it)."""
