"""Outbound payloads of Stock events, version 1, and how each stored event maps onto one.

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

from domain.stock import Stock
from services.outbound.contract import (
    ContactV1,
    Contract,
    Decision,
    LineQuantity,
    Mapping,
    Payload,
    SupplierPriorityV1,
    TierV1,
    contact_of,
    decision_of,
)


class EtaChangeV1(Contract):
    order_id: str
    line_id: str
    previous_eta: date | None
    eta: date | None
    needs_purchase: bool


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


class StockConfiguredV1(Payload):
    EVENT_TYPE = "Stock.Configured"
    reorder_point: int
    safety_stock: int
    allocation_policy: str


class StockSourceSetV1(Payload):
    EVENT_TYPE = "Stock.SourceSet"
    supplier_id: str
    lead_time_days: int
    priority: SupplierPriorityV1
    minimum_order_quantity: int
    lateness_days: int = Field(description="Supplier's observed lateness (p90 of past delays).")


class StockSourceRemovedV1(Payload):
    EVENT_TYPE = "Stock.SourceRemoved"
    supplier_id: str


class StockSubstitutesDeclaredV1(Payload):
    EVENT_TYPE = "Stock.SubstitutesDeclared"
    substitutes: list[str] = Field(description="Acceptable replacement SKUs, best first.")


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


class StockReleasedV1(Payload):
    EVENT_TYPE = "Stock.Released"
    order_id: str
    line_id: str
    quantity: int
    reason: str


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


class StockBackInStockRequestedV1(Payload):
    EVENT_TYPE = "Stock.BackInStockRequested"
    customer_id: str
    contact: ContactV1


class StockBackInStockAnnouncedV1(Payload):
    EVENT_TYPE = "Stock.BackInStockAnnounced"
    watchers: list[WatcherV1]
    available_quantity: int
    announced_at: AwareDatetime


def _line_quantities(fills) -> list[LineQuantity]:
    return [LineQuantity(order_id=f.order_id, line_id=f.line_id, quantity=f.quantity) for f in fills]


def _watcher(w) -> WatcherV1:
    return WatcherV1(customer_id=w.customer_id, contact=contact_of(w.contact))


def _line_requested(e: Stock.LineRequested) -> StockLineRequestedV1:
    request, plan = e.request, e.plan
    return StockLineRequestedV1(
        order_id=request.order_id,
        line_id=request.line_id,
        requested_quantity=request.quantity,
        customer_tier=request.tier.value,
        placed_at=request.placed_at,
        wait_limit=request.wait_limit,
        substitute_for=request.substitute_for,
        allocated_quantity=plan.allocate,
        backordered_quantity=plan.backorder,
        queue_position=plan.position,
        units_ahead=plan.units_ahead,
        waiting_since=e.since,
        decision=decision_of(e.decision),
    )


def _etas_revised(e: Stock.EtasRevised) -> StockEtasRevisedV1:
    return StockEtasRevisedV1(
        from_queue_position=e.start + 1,
        changes=[
            EtaChangeV1(
                order_id=c.order_id,
                line_id=c.line_id,
                previous_eta=c.old,
                eta=c.new,
                needs_purchase=c.needs_purchase,
            )
            for c in e.plan.changes
        ],
        expired=[
            ExpiryV1(
                order_id=x.order_id,
                line_id=x.line_id,
                quantity=x.quantity,
                eta=x.eta,
                wait_limit=x.wait_limit,
            )
            for x in e.plan.expired
        ],
        decision=decision_of(e.decision),
    )


def _source_set(e: Stock.SourceSet) -> StockSourceSetV1:
    s = e.source
    return StockSourceSetV1(
        supplier_id=s.supplier_id,
        lead_time_days=s.lead_time_days,
        priority=s.priority.value,
        minimum_order_quantity=s.minimum_order_quantity,
        lateness_days=s.lateness_days,
    )


def _inbound_scheduled(e: Stock.InboundScheduled) -> StockInboundScheduledV1:
    line = e.line
    return StockInboundScheduledV1(
        purchase_order_key=line.key,
        purchase_order_id=line.po_id,
        supplier_id=line.supplier_id,
        open_quantity=line.quantity,
        expected_date=line.expected,
        lateness_days=line.lateness_days,
        expected_arrival=line.arrival,
    )


MAPPINGS: tuple[Mapping, ...] = (
    Mapping(
        Stock.Registered,
        StockRegisteredV1,
        lambda e: StockRegisteredV1(sku=e.sku, allocation_policy=e.policy),
    ),
    Mapping(
        Stock.Configured,
        StockConfiguredV1,
        lambda e: StockConfiguredV1(
            reorder_point=e.reorder_point, safety_stock=e.safety_stock, allocation_policy=e.policy
        ),
    ),
    Mapping(Stock.SourceSet, StockSourceSetV1, _source_set),
    Mapping(
        Stock.SourceRemoved, StockSourceRemovedV1, lambda e: StockSourceRemovedV1(supplier_id=e.supplier_id)
    ),
    Mapping(
        Stock.SubstitutesDeclared,
        StockSubstitutesDeclaredV1,
        lambda e: StockSubstitutesDeclaredV1(substitutes=list(e.substitutes)),
    ),
    Mapping(Stock.LineRequested, StockLineRequestedV1, _line_requested),
    Mapping(
        Stock.QueueFilled,
        StockQueueFilledV1,
        lambda e: StockQueueFilledV1(fills=_line_quantities(e.fills), decision=decision_of(e.decision)),
    ),
    Mapping(
        Stock.AllocationsRevoked,
        StockAllocationsRevokedV1,
        lambda e: StockAllocationsRevokedV1(
            revoked=_line_quantities(e.revoked), waiting_since=e.since, decision=decision_of(e.decision)
        ),
    ),
    Mapping(Stock.EtasRevised, StockEtasRevisedV1, _etas_revised),
    Mapping(
        Stock.Received,
        StockReceivedV1,
        lambda e: StockReceivedV1(warehouse=e.warehouse, quantity=e.quantity, purchase_order_key=e.po_key),
    ),
    Mapping(
        Stock.Adjusted,
        StockAdjustedV1,
        lambda e: StockAdjustedV1(
            warehouse=e.warehouse, counted_quantity=e.counted, previous_quantity=e.previous, reason=e.reason
        ),
    ),
    Mapping(
        Stock.Shipped,
        StockShippedV1,
        lambda e: StockShippedV1(
            order_id=e.order_id, line_id=e.line_id, quantity=e.quantity, warehouse=e.warehouse
        ),
    ),
    Mapping(
        Stock.Released,
        StockReleasedV1,
        lambda e: StockReleasedV1(
            order_id=e.order_id, line_id=e.line_id, quantity=e.quantity, reason=e.reason
        ),
    ),
    Mapping(
        Stock.Withdrawn,
        StockWithdrawnV1,
        lambda e: StockWithdrawnV1(
            order_id=e.order_id, line_id=e.line_id, quantity=e.quantity, reason=e.reason
        ),
    ),
    Mapping(Stock.InboundScheduled, StockInboundScheduledV1, _inbound_scheduled),
    Mapping(
        Stock.InboundCancelled,
        StockInboundCancelledV1,
        lambda e: StockInboundCancelledV1(purchase_order_key=e.po_key),
    ),
    Mapping(
        Stock.ReplenishmentSuggested,
        StockReplenishmentSuggestedV1,
        lambda e: StockReplenishmentSuggestedV1(
            supplier_id=e.supplier_id, quantity=e.quantity, decision=decision_of(e.decision)
        ),
    ),
    Mapping(
        Stock.SuggestionReduced,
        StockSuggestionReducedV1,
        lambda e: StockSuggestionReducedV1(outstanding_quantity=e.outstanding),
    ),
    Mapping(
        Stock.BackInStockRequested,
        StockBackInStockRequestedV1,
        lambda e: StockBackInStockRequestedV1(
            customer_id=e.watcher.customer_id, contact=contact_of(e.watcher.contact)
        ),
    ),
    Mapping(
        Stock.BackInStockAnnounced,
        StockBackInStockAnnouncedV1,
        lambda e: StockBackInStockAnnouncedV1(
            watchers=[_watcher(w) for w in e.watchers], available_quantity=e.available, announced_at=e.at
        ),
    ),
)
