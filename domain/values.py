"""Value objects shared by the aggregates and the policies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import Field

from domain.base import Value
from domain.lateness import DelayHistory

DEFAULT_WAREHOUSE = "main"


class Tier(str, Enum):
    """Customer tier; `priority-fifo` serves higher tiers first."""

    PLATINUM = "platinum"
    GOLD = "gold"
    STANDARD = "standard"

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]


_TIER_RANK = {Tier.PLATINUM: 0, Tier.GOLD: 1, Tier.STANDARD: 2}


class ShippingPreference(str, Enum):
    PARTIAL = "partial"  # ship what is allocated
    COMPLETE = "complete"  # hold until every line is allocated


class Locale(str, Enum):
    EN = "en"
    ID = "id"


class LineStatus(str, Enum):
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    SUBSTITUTE_OFFERED = "substitute_offered"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"
    PARTIALLY_SHIPPED = "partially_shipped"


class SupplierPriority(str, Enum):
    PRIMARY = "primary"
    BACKUP = "backup"


class PurchaseOrderStatus(str, Enum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    DELAYED = "delayed"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class Contact(Value):
    email: str
    locale: Locale = Locale.EN


class LineRequest(Value):
    """What an order line asks of a SKU's stock, with what the policies sort by."""

    order_id: str
    line_id: str
    quantity: int = Field(gt=0)
    tier: Tier
    placed_at: datetime
    wait_limit: date | None = None  # latest acceptable ETA (max wait)
    substitute_for: str | None = None  # set when these units replace another SKU
    # Who asks, for quota-v1's per-period quotas (None in requests stored before they were kept;
    # OrderPlaced version 3 adds the group and the channel).
    customer_id: str | None = None
    customer_group: str | None = None
    channel: str | None = None


class LinePlace(Value):
    """Where a waiting line stands after a decision moved it (1-based queue position)."""

    order_id: str
    line_id: str
    position: int


class QueueEntry(Value):
    """A line (or the unallocated part of it) waiting for a SKU."""

    order_id: str
    line_id: str
    quantity: int
    tier: Tier
    placed_at: datetime
    since: date
    wait_limit: date | None = None
    eta: date | None = None
    needs_purchase: bool = False
    # Released ahead by an operator: its rank among the SKU's released lines (lower = released
    # earlier, served first); None (every line before releases existed): served in policy order.
    released: int | None = None
    # eta-v3: the source its promise was moved to when its own supply slipped (domain/eta.py's
    # failover); None for every other promise, and in lines promised before it was kept.
    failover: str | None = None
    # Who waits (quota-v1 counts per customer, group or channel); None in lines queued before.
    customer_id: str | None = None
    customer_group: str | None = None
    channel: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.order_id, self.line_id)


class Reservation(Value):
    """Units of a SKU allocated to a line and not yet shipped."""

    quantity: int
    tier: Tier
    placed_at: datetime
    wait_limit: date | None = None
    substitute_for: str | None = None  # taken back, these units are not waited for here
    customer_id: str | None = None  # who holds them (None in reservations made before it was kept)
    customer_group: str | None = None
    channel: str | None = None
    # When units were last allocated to the line (the decision's time): redistribution takes only
    # recent ones. None in reservations made before it was kept: never redistributed.
    allocated_at: datetime | None = None


class InboundLine(Value):
    """Open quantity of a purchase-order line expected for this SKU."""

    po_id: str
    supplier_id: str
    quantity: int
    expected: date
    lateness_days: int
    # eta-v2's inputs (None in lines scheduled before it): the date the supplier first promised,
    # from which its lateness is counted, and its delivery history.
    promised: date | None = None
    history: DelayHistory | None = None

    @property
    def key(self) -> str:
        """Purchase-order ids are the supplier's: two suppliers may reuse one."""
        return inbound_key(self.supplier_id, self.po_id)

    @property
    def arrival(self) -> date:
        return self.expected + timedelta(days=self.lateness_days)


def inbound_key(supplier_id: str, po_id: str) -> str:
    return f"{supplier_id}/{po_id}"


class Source(Value):
    """A supplier's terms for one SKU, with its currently observed lateness."""

    supplier_id: str
    lead_time_days: int
    priority: SupplierPriority
    minimum_order_quantity: int = 1
    lateness_days: int
    # eta-v2's input (None in sources set before it): how much later than the date it was
    # placed with each of the supplier's purchase orders came (lead-time variability).
    purchase_history: DelayHistory | None = None
    # replenish-v2's inputs (SupplierRegistered version 2; 1 and None in sources set before them):
    # orders are placed in whole multiples of `order_multiple`, and the supplier delivers at most
    # `capacity_per_week` units of this SKU in any one week.
    order_multiple: int = 1
    capacity_per_week: int | None = None
    # eta-v3's: a purchase order of this supplier later than this many days (against the date it
    # promised) moves the lines it covers to the next source; None: only a line's maximum wait does.
    failover_after_days: int | None = None


class Cause(Value):
    """The message a command runs for: its id, and the time decisions use."""

    message_id: str
    at: datetime
    # Decided after a message with a later business time (arrived past the fairness window):
    # by how many seconds. Recorded among the decision's inputs; it changes no decision.
    late_by_seconds: int | None = None

    @property
    def today(self) -> date:
        return self.at.date()


class DecisionInfo(Value):
    """What every decision records so that it can be explained and replayed."""

    policy: str  # e.g. "priority-fifo-v1"
    message_id: str
    as_of: datetime  # the message's occurred_at: decisions never read the clock
    inputs: dict[str, Any]
    reason: str


class DecisionRef(Value):
    """A decision as mirrored on an order: where on the Stock it was taken."""

    sku: str
    stock_version: int  # version of the Stock event that holds the decision
    policy: str
    message_id: str
    inputs: dict[str, Any]
    reason: str

    @classmethod
    def of(cls, sku: str, stock_version: int, info: DecisionInfo) -> DecisionRef:
        return cls(
            sku=sku,
            stock_version=stock_version,
            policy=info.policy,
            message_id=info.message_id,
            inputs=info.inputs,
            reason=info.reason,
        )
