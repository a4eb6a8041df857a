"""Outbound payloads of Stock events, version 1 (services/outbound/stock.py maps stored events onto them).

The Stock (one per SKU) is where allocation and ETA decisions are taken, so
its events carry the full decision (policy, cause, as-of time, inputs,
reason). Only `Stock.Registered` names the SKU (natural key); the others
are joined on the envelope's aggregate_id.

Purchase orders appear as `purchase_order_key` ("<supplier_id>/<po_id>",
the Stock's own key for inbound supply) because `Received` and
`InboundCancelled` store only that key, and splitting it is ambiguous when
an id contains "/". `InboundScheduled` publishes the key next to both ids,
so consumers can resolve it.
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from services.outbound.contract import (
    ContactV1,
    Contract,
    Decision,
    LineQuantity,
    OccurredAt,
    OperatorReason,
    Payload,
    SupplierPriorityV1,
    TierV1,
)


class QuotaV1(Contract):
    """A SKU's per-period quota (quota-v1), as SkuConfigured version 4 gave it."""

    units: int
    period: str = Field(description="day, week (ISO) or month, in UTC of the decision time.")
    per: str = Field(description="customer, group or channel.")
    beyond: str = Field(description="next_period or unwanted: what the part over the quota waits for.")


class EtaChangeV1(Contract):
    order_id: str
    line_id: str
    previous_eta: date | None
    eta: date | None
    needs_purchase: bool
    supplier_id: str | None = Field(
        None,
        description="The supplier the promise rests on: the covering purchase order's, or the best "
        "source's for a line to buy for. Null in promises recorded before it was kept.",
    )
    confidence: float | None = Field(
        None,
        description="How sure the promise is, 0..1: the lateness percentile it used (eta-v1: its nominal "
        "0.9) or, for eta-v2, the calibrated probability that the supply comes by then. Null in promises "
        "recorded before it was kept.",
    )
    failover: str | None = Field(
        None,
        description="eta-v3: the source the line was moved to because its own supply slipped (its promise "
        "is then a purchase to make from it, see Stock.FailoverSuggested); null otherwise.",
    )


class ExpiryV1(Contract):
    """A waiting line whose ETA passed its maximum wait: it leaves the queue."""

    order_id: str
    line_id: str
    quantity: int
    eta: date
    wait_limit: date


class WatcherV1(Contract):
    customer_id: str
    contact: ContactV1


class StockRegisteredV1(Payload):
    EVENT_TYPE = "Stock.Registered"
    sku: str
    allocation_policy: str
    eta_policy: str | None = Field(
        None, description="The ETA policy the SKU promises with (eta-v1 for SKUs registered before eta-v2)."
    )


class StockConfiguredV1(Payload):
    EVENT_TYPE = "Stock.Configured"
    reorder_point: int
    safety_stock: int
    allocation_policy: str
    reason: OperatorReason = None
    unit_volume: str | None = Field(
        default=None,
        pattern=r"^\d+(\.\d+)?$",
        description="One unit's volume as a decimal string (SkuConfigured version 2), in the unit of "
        "warehouses' capacity_volume; null when the message did not give one (the SKU's volume is unchanged).",
    )
    order_up_to: int | None = Field(
        default=None,
        description="The level replenishment buys up to (SkuConfigured version 3; 0: none); null when the "
        "message did not give one (unchanged).",
    )
    eta_policy: str | None = Field(
        default=None, description="The ETA policy the SKU promises with from now on; null: unchanged."
    )
    reserve: dict[str, int] | None = Field(
        default=None,
        description="Units each tier may not take (tier-reserve-v1; SkuConfigured version 4); null: unchanged.",
    )
    quota: QuotaV1 | None = Field(
        default=None,
        description="The per-period quota {units, period, per, beyond} (quota-v1; SkuConfigured version 4); "
        "null: unchanged.",
    )
    redistribute_within_hours: int | None = Field(
        default=None,
        description="How recent a lower tier's allocation a higher tier may take (0: off; SkuConfigured "
        "version 4); null: unchanged.",
    )
    replenish_policy: str | None = Field(
        default=None,
        description="The replenishment rule the SKU buys under from now on (SkuConfigured version 5); "
        "null: unchanged.",
    )


class StockSourceSetV1(Payload):
    EVENT_TYPE = "Stock.SourceSet"
    supplier_id: str
    lead_time_days: int
    priority: SupplierPriorityV1
    minimum_order_quantity: int
    lateness_days: int = Field(description="Supplier's observed lateness (p90 of past delays).")
    order_multiple: int = Field(
        default=1, description="Orders in whole multiples of it (SupplierRegistered v2)."
    )
    capacity_per_week: int | None = Field(
        default=None, description="Units of this SKU the supplier delivers a week at most; null: not limited."
    )
    failover_after_days: int | None = Field(
        default=None,
        description="Days a PO of it may be late before eta-v3 moves its lines to the backup; null: never.",
    )


class StockSourceRemovedV1(Payload):
    EVENT_TYPE = "Stock.SourceRemoved"
    supplier_id: str


class StockSubstitutesDeclaredV1(Payload):
    EVENT_TYPE = "Stock.SubstitutesDeclared"
    substitutes: list[str] = Field(description="Acceptable replacement SKUs, best first.")


class StockSubstituteForSetV1(Payload):
    EVENT_TYPE = "Stock.SubstituteForSet"
    substitute_for: list[str] = Field(
        description="SKUs that name this one as a substitute: units arriving here are offered to their queues."
    )


class LinePlaceV1(Contract):
    order_id: str
    line_id: str
    queue_position: int = Field(description="1-based place in the queue now.")


class StockLineRequestedV1(Payload):
    EVENT_TYPE = "Stock.LineRequested"
    order_id: str
    line_id: str
    requested_quantity: int
    customer_tier: TierV1
    placed_at: AwareDatetime
    wait_limit: date | None = Field(description="Latest acceptable ETA (from the order's max wait).")
    substitute_for: str | None = Field(description="SKU these units replace, when a substitute was accepted.")
    allocated_quantity: int
    backordered_quantity: int
    queue_position: int | None = Field(description="1-based place in the queue, when backordered.")
    units_ahead: int
    waiting_since: date
    decision: Decision
    pushed_back: list[LinePlaceV1] = Field(
        default=[],
        description="The waiting lines right behind this one that it joined ahead of (a higher tier), each "
        "now one place further back (at most 20 named); empty in events recorded before this was kept.",
    )
    moved_back: int = Field(
        default=0, description="How many waiting lines it joined ahead of in all (0 in older events)."
    )


class StockLineReleasedAheadV1(Payload):
    EVENT_TYPE = "Stock.LineReleasedAhead"
    order_id: str
    line_id: str
    reason: str
    released_by: str | None = Field(description="Who released it (the message's caller); null if unknown.")
    previous_queue_position: int
    queue_position: int = Field(description="1-based place now: right behind the lines released before it.")
    release_rank: int = Field(description="Its rank among the SKU's released lines (served in rank order).")
    pushed_back: list[LinePlaceV1] = Field(
        description="The lines it passed, each now one place further back (at most 20 named)."
    )
    moved_back: int = Field(description="How many lines it passed in all.")
    decision: Decision


class StockReleaseWithdrawnV1(Payload):
    EVENT_TYPE = "Stock.ReleaseWithdrawn"
    order_id: str
    line_id: str
    reason: str
    withdrawn_by: str | None = Field(description="Who withdrew the release (the message's caller).")
    previous_queue_position: int
    queue_position: int = Field(description="1-based place now: the one its SKU's policy gives it.")
    moved_forward: list[LinePlaceV1] = Field(
        description="The lines it fell behind, each now one place further forward (at most 20 named)."
    )
    moved: int = Field(description="How many lines moved forward in all.")
    decision: Decision


class StockQueueFilledV1(Payload):
    EVENT_TYPE = "Stock.QueueFilled"
    fills: list[LineQuantity] = Field(description="Units handed to waiting lines, in policy order.")
    decision: Decision


class StockAllocationsRevokedV1(Payload):
    EVENT_TYPE = "Stock.AllocationsRevoked"
    revoked: list[LineQuantity]
    waiting_since: date
    decision: Decision


class StockEtasRevisedV1(Payload):
    EVENT_TYPE = "Stock.EtasRevised"
    from_queue_position: int = Field(description="1-based queue position the promises were recomputed from.")
    changes: list[EtaChangeV1]
    expired: list[ExpiryV1]
    decision: Decision


class StockReceivedV1(Payload):
    EVENT_TYPE = "Stock.Received"
    warehouse: str
    quantity: int
    purchase_order_key: str | None
    occurred_at: OccurredAt = None


class StockAdjustedV1(Payload):
    EVENT_TYPE = "Stock.Adjusted"
    warehouse: str
    counted_quantity: int
    previous_quantity: int
    reason: str


class StockShippedV1(Payload):
    EVENT_TYPE = "Stock.Shipped"
    order_id: str
    line_id: str
    quantity: int
    warehouse: str
    occurred_at: OccurredAt = None


class StockReleasedV1(Payload):
    EVENT_TYPE = "Stock.Released"
    order_id: str
    line_id: str
    quantity: int
    reason: str
    occurred_at: OccurredAt = None


class StockWithdrawnV1(Payload):
    EVENT_TYPE = "Stock.Withdrawn"
    order_id: str
    line_id: str
    quantity: int
    reason: str


class StockInboundScheduledV1(Payload):
    EVENT_TYPE = "Stock.InboundScheduled"
    purchase_order_key: str
    purchase_order_id: str
    supplier_id: str
    open_quantity: int
    expected_date: date
    lateness_days: int
    expected_arrival: date = Field(description="expected_date plus the supplier's lateness.")
    suggested_by_supplier: dict[str, int] | None = Field(
        None,
        description="Replenishment still suggested after this PO, by supplier id (null in events stored "
        "before it was kept).",
    )
    failover_by_supplier: dict[str, int] | None = Field(
        None,
        description="Failover purchases still suggested after it, by supplier id: a PO takes off its "
        "supplier's failover share first (null in events stored before it was kept).",
    )


class StockInboundCancelledV1(Payload):
    EVENT_TYPE = "Stock.InboundCancelled"
    purchase_order_key: str


class StockReplenishmentSuggestedV1(Payload):
    EVENT_TYPE = "Stock.ReplenishmentSuggested"
    supplier_id: str
    quantity: int
    decision: Decision


class StockSuggestionReducedV1(Payload):
    EVENT_TYPE = "Stock.SuggestionReduced"
    outstanding_quantity: int
    suggested_by_supplier: dict[str, int] | None = Field(
        None,
        description="What stays suggested, by supplier id: the least preferred supplier's share is cut "
        "first (null in events stored before it was kept).",
    )


class StockFailoverSuggestedV1(Payload):
    """Buy from `supplier_id` for waiting lines whose own supply slipped (eta-v3's failover)."""

    EVENT_TYPE = "Stock.FailoverSuggested"
    supplier_id: str
    quantity: int
    lines: list[LineQuantity] = Field(
        description="The lines it would serve in time (the first 20, queue order)."
    )
    line_count: int
    decision: Decision


class StockFailoverReducedV1(Payload):
    EVENT_TYPE = "Stock.FailoverReduced"
    supplier_id: str
    outstanding_quantity: int


class StockBackInStockRequestedV1(Payload):
    EVENT_TYPE = "Stock.BackInStockRequested"
    customer_id: str
    contact: ContactV1


class StockBackInStockAnnouncedV1(Payload):
    EVENT_TYPE = "Stock.BackInStockAnnounced"
    watchers: list[WatcherV1]
    available_quantity: int
    announced_at: AwareDatetime
