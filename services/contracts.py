"""Inbound message contracts: the language upstream systems speak.

These are separate from stored domain events on purpose: upstream may add
a version 2 of a message without touching history (OrderPlacedV2 is one; SkuConfiguredV2,
SubstituteAcceptedV2 and SubstituteDeclinedV2 add a required reason), and
history may be refactored without breaking publishers. Each message carries `message_id`
(the idempotency key), `type` and `occurred_at` (the only clock decisions use).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    model_validator,
)

from domain.rationing import reserve_problem
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
    Volume,
    WaitDays,
    exact_int,
)

M = TypeVar("M", bound="Envelope")
MAX_PLACED_BEFORE = timedelta(days=30)  # an order forwarded late; older ones would jump the queue
CLOCK_SKEW = timedelta(minutes=15)  # placed_at after its own message: clocks disagree a little


class Contract(BaseModel):
    """Strict: upstream's JSON types are taken as they are, never coerced (services/contract_values.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Envelope(Contract):
    """What every message carries, whatever its type.

    `_by` is metadata, not content: who handed the message in (an HTTP token's name,
    `cli:<user>`, `kafka:<topic>`), set by the edge that received it (`with_caller`).
    It is in no dump, schema or fingerprint, and two messages differing only in it
    are equal: the same message re-sent by someone else is still a duplicate.
    """

    message_id: Id
    occurred_at: Utc
    schema_version: Annotated[Literal[1], BeforeValidator(exact_int)] = 1
    _by: str | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = Contract.__hash__

    @property
    def by(self) -> str | None:
        """Who handed the message in, if the edge said (never part of the message itself)."""
        return self._by


Version2 = Annotated[Literal[2], BeforeValidator(exact_int)]
"""A version 2 contract's `schema_version`: required, so a version 2 message says so."""
Version3 = Annotated[Literal[3], BeforeValidator(exact_int)]
Version4 = Annotated[Literal[4], BeforeValidator(exact_int)]
Version5 = Annotated[Literal[5], BeforeValidator(exact_int)]
ReplenishPolicy = Literal["eta-v1", "replenish-v2", "replenish-v3"]
"""The released replenishment rules (domain/replenishment.py's REPLENISH_POLICIES; a test keeps them equal)."""
MAX_REDISTRIBUTE_HOURS = 24 * 366  # a year: an allocation older than that is no one's to take


class ContactIn(Contract):
    email: Email
    locale: Locale = Locale.EN


class OrderLineIn(Contract):
    line_id: Id
    sku: Id
    quantity: Units


class _Placing(Envelope):
    """What every version of OrderPlaced says about the order itself, and its checks."""

    order_id: Id
    placed_at: Utc
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]
    shipping_preference: ShippingPreference = ShippingPreference.PARTIAL
    accept_substitutes: bool = False
    max_wait_days: WaitDays | None = None

    @model_validator(mode="after")
    def _placed_near_its_message(self) -> _Placing:
        """Placed before its message, up to MAX_PLACED_BEFORE; an order from far back would jump its queue."""
        if not self.occurred_at - MAX_PLACED_BEFORE <= self.placed_at <= self.occurred_at + CLOCK_SKEW:
            raise ValueError(
                f"placed_at: must be at most {MAX_PLACED_BEFORE.days} days before occurred_at "
                f"and at most {CLOCK_SKEW.seconds // 60} minutes after it"
            )
        return self

    @model_validator(mode="after")
    def _unique_lines(self) -> _Placing:
        ids = [line.line_id for line in self.lines]
        if len(ids) != len(set(ids)):
            raise ValueError("lines: line_id values must be unique within an order")
        if any("/" in i for i in ids):
            raise ValueError("lines: line_id must not contain '/'")
        return self


class OrderPlaced(_Placing):
    type: Literal["OrderPlaced"]
    customer_id: Id
    customer_tier: Tier = Tier.STANDARD
    contact: ContactIn


class CustomerIn(Contract):
    customer_id: Id
    tier: Tier  # required: see OrderPlacedV2
    contact: ContactIn


class OrderPlacedV2(_Placing):
    """OrderPlaced, version 2: the customer is one object, and its tier is required.

    Why a version 2: version 1 reads a missing `customer_tier` as standard, so a
    platinum customer whose shop left the field out queued behind everyone and
    nobody noticed. Requiring a field, or moving one, breaks producers that send
    version 1, so it is a new version accepted beside version 1, mapped to the same
    command (services/handlers.py), never a change of version 1 (README,
    "Compatibility policy").
    """

    type: Literal["OrderPlaced"]
    schema_version: Version2  # type: ignore[assignment]  # narrows Envelope's version 1
    customer: CustomerIn


class CustomerInV3(CustomerIn):
    """Version 3's customer: version 2's and the customer's group (a buying group, a region)."""

    group: Id | None = None


class OrderPlacedV3(_Placing):
    """OrderPlaced, version 3: version 2 and where the order came from.

    Why a version 3: quotas (policy quota-v1) cap a scarce SKU per customer group or
    sales channel, and version 2 carries neither. Both are optional: an order without
    them counts as its own customer. Version 1 and 2 messages mean what they always meant.
    """

    type: Literal["OrderPlaced"]
    schema_version: Version3  # type: ignore[assignment]
    customer: CustomerInV3
    channel: Id | None = None  # the sales channel: "web", "marketplace", ...


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


class TermsInV2(TermsIn):
    """Version 2 terms: version 1's, with how the supplier takes orders and how much it can deliver."""

    order_multiple: Units = 1  # orders in whole multiples of it (a case, a pallet)
    capacity_per_week: Units | None = None  # units of this SKU it delivers a week at most; None: not limited
    # A purchase order later than this many days moves the lines it was to serve to the backup
    # (SKUs promising with eta-v3); None: only a line's maximum wait does.
    failover_after_days: Days | None = None

    @model_validator(mode="after")
    def _minimum_in_multiples(self) -> TermsInV2:
        if self.minimum_order_quantity % self.order_multiple:
            raise ValueError(
                f"minimum_order_quantity: {self.minimum_order_quantity} is not a whole number of "
                f"order_multiple {self.order_multiple}"
            )
        return self


class SupplierRegisteredV2(SupplierRegistered):
    """SupplierRegistered, version 2: terms may state an order multiple and a weekly capacity.

    Why a version 2: replenishment (policy replenish-v2) suggests whole cases, and asks a
    backup for what the primary cannot deliver in a week; version 1 terms had no place for
    either. A version 1 message registers terms with multiple 1 and no capacity.
    """

    schema_version: Version2  # type: ignore[assignment]
    terms: Annotated[list[TermsInV2], Field(max_length=MAX_LINES)]  # type: ignore[assignment]


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


class _SubstituteAnswerV2(Envelope):
    """Version 2 of a substitute's answer: version 1 and a required reason.

    Why a version 2: an operator answers on a customer's behalf from the dashboard,
    and the audit recorded who did it (the message's caller) but never why. A field
    that becomes required is a new version beside version 1 (README, "Compatibility
    policy"): version 1 is still accepted, its events record no reason.
    """

    schema_version: Version2  # type: ignore[assignment]
    order_id: Id
    line_id: Id
    reason: Text


class SubstituteAcceptedV2(_SubstituteAnswerV2):
    """SubstituteAccepted, version 2: the line takes its open substitute offer, and why (required)."""

    type: Literal["SubstituteAccepted"]


class SubstituteDeclinedV2(_SubstituteAnswerV2):
    """SubstituteDeclined, version 2: the line declines its open substitute offer, and why (required)."""

    type: Literal["SubstituteDeclined"]


class BackInStockRequested(Envelope):
    type: Literal["BackInStockRequested"]
    sku: Id
    customer_id: Id
    contact: ContactIn


class _Configuring(Envelope):
    """What every version of SkuConfigured says (version 1's fields, in version 1's order)."""

    type: Literal["SkuConfigured"]
    sku: Id
    reorder_point: Count = 0
    safety_stock: Count = 0
    allocation_policy: Id | None = None


class SkuConfigured(_Configuring):
    """Reorder point, safety stock and allocation policy of a SKU."""


class SkuConfiguredV2(_Configuring):
    """SkuConfigured, version 2: the same settings, and why they change (required).

    A policy, reorder point or safety stock changed by an operator recorded who but
    not why; the reason is kept on the Stock's `Configured` event and shown in its audit.
    """

    schema_version: Version2  # type: ignore[assignment]
    reason: Text
    # Added before version 2 was released (so version 2 still means one thing): one unit's volume,
    # in the unit warehouses' `capacity_volume` uses. Omitted: the SKU's unit volume stays as it was.
    unit_volume: Volume | None = None


class SkuConfiguredV3(SkuConfiguredV2):
    """SkuConfigured, version 3: version 2 and the level replenishment buys up to.

    Why a version 3: `order_up_to` is new and version 2 was released without it. With a
    level, the SKU replenishes ahead (policy replenish-v2): when its projected position
    falls to the reorder point, it is suggested up to the level. Omitted: left as it
    was; 0: no level (replenishment as before, when customers wait or the position
    falls below the reorder point). `eta_policy` moves the SKU's promises to another
    ETA policy (`eta-v3` adds failover to the backup, `eta-v6` is `eta-v3` with dates nearest the
    target confidence); omitted: left as it was.
    """

    schema_version: Version3  # type: ignore[assignment]
    order_up_to: Count | None = None
    eta_policy: Id | None = None

    @model_validator(mode="after")
    def _level_above_reorder_point(self) -> SkuConfiguredV3:
        if self.order_up_to and self.order_up_to < self.reorder_point:
            raise ValueError(f"order_up_to: {self.order_up_to} is below reorder_point {self.reorder_point}")
        return self


class QuotaIn(Contract):
    """The most units one customer / group / channel may have allocated from a SKU per period."""

    units: Units
    period: Literal["day", "week", "month"]
    per: Literal["customer", "group", "channel"]
    beyond: Literal["next_period", "unwanted"] = "next_period"


class SkuConfiguredV4(SkuConfiguredV3):
    """SkuConfigured, version 4: version 3 and the rules that ration a scarce SKU.

    Why a version 4: tier reserves (tier-reserve-v1), per-period quotas (quota-v1) and
    redistribution (redistribute-v1) are settings version 3 has no place for. Each is
    left as it was when omitted. `reserve`: tier -> units a line of that tier may not
    take ({} for none); levels never increase with tier. `redistribute_within_hours`:
    0 turns redistribution off.
    """

    schema_version: Version4  # type: ignore[assignment]
    reserve: Annotated[dict[Id, Count], Field(max_length=3)] | None = None
    quota: QuotaIn | None = None
    redistribute_within_hours: Annotated[int, Field(ge=0, le=MAX_REDISTRIBUTE_HOURS)] | None = None

    @model_validator(mode="after")
    def _reserve_levels(self) -> SkuConfiguredV4:
        problem = None if self.reserve is None else reserve_problem(self.reserve)
        if problem is not None:
            raise ValueError(f"reserve: {problem}")
        return self


class SkuConfiguredV5(SkuConfiguredV4):
    """SkuConfigured, version 5: version 4 and the replenishment rule the SKU buys under.

    Why a version 5: until now the rule followed from the settings (a level, an order
    multiple or a weekly capacity meant replenish-v2), and replenish-v3 (expedite from
    the fastest source for customers already waiting, then replenish-v2) is a choice
    no setting implies; version 4 was released without a place to name it.
    `replenish_policy`: one of the released rules; omitted: left as it was.
    """

    schema_version: Version5  # type: ignore[assignment]
    replenish_policy: ReplenishPolicy | None = None


class WarehouseConfigured(Envelope):
    """A warehouse and how much it holds: in units, in volume (each SKU's `unit_volume`), or both.

    At least one capacity is given; a later message replaces both (one left out: not limited by it).
    """

    type: Literal["WarehouseConfigured"]
    warehouse: Id
    capacity_units: Units | None = None
    capacity_volume: Volume | None = None

    @model_validator(mode="after")
    def _some_capacity(self) -> WarehouseConfigured:
        if self.capacity_units is None and self.capacity_volume is None:
            raise ValueError("capacity_units: give capacity_units, capacity_volume or both")
        return self


class LineReleasedAhead(Envelope):
    """An operator moves one waiting line to the front of its SKU's queue, for a stated reason.

    Lines released before stay ahead of it. Who released it is the message's caller
    (metadata: `Envelope`), named in the Stock's decision. Undone by `LineReleaseWithdrawn`.
    """

    type: Literal["LineReleasedAhead"]
    order_id: Id
    line_id: Id
    reason: Text


class LineReleaseWithdrawn(Envelope):
    """The release of a line undone: it goes back to the place its SKU's policy gives it."""

    type: Literal["LineReleaseWithdrawn"]
    order_id: Id
    line_id: Id
    reason: Text


def _contract_tag(raw: Any) -> str | None:
    """The contract a message is checked against: its `type` and `schema_version` (1 when omitted).

    A version that is not a JSON integer is checked against version 1, whose
    validator names the mistake; versions no contract has are refused before
    (services/parsing.py).
    """
    if isinstance(raw, dict):
        message_type, version = raw.get("type"), raw.get("schema_version", 1)
    else:
        message_type, version = getattr(raw, "type", None), getattr(raw, "schema_version", 1)
    if not isinstance(message_type, str):
        return None
    if type(version) is not int or version not in BY_TYPE.get(message_type, {}):
        version = 1
    return f"{message_type}.v{version}"


def type_of(cls: type[Envelope]) -> str:
    """The `type` value a contract class accepts."""
    return str(get_args(cls.model_fields["type"].annotation)[0])


def version_of(cls: type[Envelope]) -> int:
    """The `schema_version` a contract class accepts."""
    return int(get_args(cls.model_fields["schema_version"].annotation)[0])


MESSAGE_TYPES: tuple[type[Envelope], ...] = (
    OrderPlaced,
    OrderPlacedV2,
    OrderPlacedV3,
    OrderCancelled,
    OrderShipped,
    StockReceived,
    StockAdjusted,
    SupplierRegistered,
    SupplierRegisteredV2,
    PurchaseOrderPlaced,
    PurchaseOrderConfirmed,
    PurchaseOrderDelayed,
    PurchaseOrderCancelled,
    SubstitutesDeclared,
    SubstituteAccepted,
    SubstituteAcceptedV2,
    SubstituteDeclined,
    SubstituteDeclinedV2,
    BackInStockRequested,
    SkuConfigured,
    SkuConfiguredV2,
    SkuConfiguredV3,
    SkuConfiguredV4,
    SkuConfiguredV5,
    LineReleasedAhead,
    LineReleaseWithdrawn,
    WarehouseConfigured,
)
"""Every contract class: one per message type and schema version."""

BY_TYPE: dict[str, dict[int, type[Envelope]]] = {}
"""`type` -> schema version -> contract class (tests/unit/test_contracts.py holds each `type` to its class name)."""
for _cls in MESSAGE_TYPES:
    BY_TYPE.setdefault(type_of(_cls), {})[version_of(_cls)] = _cls

Message = Annotated[
    Annotated[OrderPlaced, Tag("OrderPlaced.v1")]
    | Annotated[OrderPlacedV2, Tag("OrderPlaced.v2")]
    | Annotated[OrderPlacedV3, Tag("OrderPlaced.v3")]
    | Annotated[OrderCancelled, Tag("OrderCancelled.v1")]
    | Annotated[OrderShipped, Tag("OrderShipped.v1")]
    | Annotated[StockReceived, Tag("StockReceived.v1")]
    | Annotated[StockAdjusted, Tag("StockAdjusted.v1")]
    | Annotated[SupplierRegistered, Tag("SupplierRegistered.v1")]
    | Annotated[SupplierRegisteredV2, Tag("SupplierRegistered.v2")]
    | Annotated[PurchaseOrderPlaced, Tag("PurchaseOrderPlaced.v1")]
    | Annotated[PurchaseOrderConfirmed, Tag("PurchaseOrderConfirmed.v1")]
    | Annotated[PurchaseOrderDelayed, Tag("PurchaseOrderDelayed.v1")]
    | Annotated[PurchaseOrderCancelled, Tag("PurchaseOrderCancelled.v1")]
    | Annotated[SubstitutesDeclared, Tag("SubstitutesDeclared.v1")]
    | Annotated[SubstituteAccepted, Tag("SubstituteAccepted.v1")]
    | Annotated[SubstituteAcceptedV2, Tag("SubstituteAccepted.v2")]
    | Annotated[SubstituteDeclined, Tag("SubstituteDeclined.v1")]
    | Annotated[SubstituteDeclinedV2, Tag("SubstituteDeclined.v2")]
    | Annotated[BackInStockRequested, Tag("BackInStockRequested.v1")]
    | Annotated[SkuConfigured, Tag("SkuConfigured.v1")]
    | Annotated[SkuConfiguredV2, Tag("SkuConfigured.v2")]
    | Annotated[SkuConfiguredV3, Tag("SkuConfigured.v3")]
    | Annotated[SkuConfiguredV4, Tag("SkuConfigured.v4")]
    | Annotated[SkuConfiguredV5, Tag("SkuConfigured.v5")]
    | Annotated[LineReleasedAhead, Tag("LineReleasedAhead.v1")]
    | Annotated[LineReleaseWithdrawn, Tag("LineReleaseWithdrawn.v1")]
    | Annotated[WarehouseConfigured, Tag("WarehouseConfigured.v1")],
    Discriminator(_contract_tag),
]
"""Any inbound message: its `type` and `schema_version` name the contract it is checked against."""


def with_caller(message: M, by: str | None) -> M:
    """The message, marked as handed in by `by` (metadata: see Envelope); `None` leaves it as it is."""
    if by is not None:
        message._by = by
    return message
