"""How each stored Stock event maps onto its version-1 outbound payload (services/outbound/stock_payloads.py)."""

from __future__ import annotations

from domain.eta import ETA_POLICY
from domain.stock import Stock
from services.outbound.contract import (
    LineQuantity,
    Mapping,
    contact_of,
    decision_of,
)
from services.outbound.stock_payloads import (
    EtaChangeV1,
    ExpiryV1,
    LinePlaceV1,
    QuotaV1,
    StockAdjustedV1,
    StockAllocationsRevokedV1,
    StockBackInStockAnnouncedV1,
    StockBackInStockRequestedV1,
    StockConfiguredV1,
    StockEtasRevisedV1,
    StockFailoverReducedV1,
    StockFailoverSuggestedV1,
    StockInboundCancelledV1,
    StockInboundScheduledV1,
    StockLineReleasedAheadV1,
    StockLineRequestedV1,
    StockQueueFilledV1,
    StockReceivedV1,
    StockRegisteredV1,
    StockReleasedV1,
    StockReleaseWithdrawnV1,
    StockReplenishmentSuggestedV1,
    StockShippedV1,
    StockSourceRemovedV1,
    StockSourceSetV1,
    StockSubstituteForSetV1,
    StockSubstitutesDeclaredV1,
    StockSuggestionReducedV1,
    StockWithdrawnV1,
    WatcherV1,
)


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
        pushed_back=[
            LinePlaceV1(order_id=p.order_id, line_id=p.line_id, queue_position=p.position)
            for p in e.pushed_back or ()
        ],
        moved_back=e.moved_back,
    )


def _line_places(places) -> list[LinePlaceV1]:
    return [LinePlaceV1(order_id=p.order_id, line_id=p.line_id, queue_position=p.position) for p in places]


def _released_ahead(e: Stock.LineReleasedAhead) -> StockLineReleasedAheadV1:
    return StockLineReleasedAheadV1(
        order_id=e.order_id,
        line_id=e.line_id,
        reason=e.reason,
        released_by=e.by,
        previous_queue_position=e.plan.position_before,
        queue_position=e.plan.position_after,
        release_rank=e.plan.rank or 0,
        pushed_back=_line_places(e.pushed_back),
        moved_back=e.moved_back,
        decision=decision_of(e.decision),
    )


def _release_withdrawn(e: Stock.ReleaseWithdrawn) -> StockReleaseWithdrawnV1:
    return StockReleaseWithdrawnV1(
        order_id=e.order_id,
        line_id=e.line_id,
        reason=e.reason,
        withdrawn_by=e.by,
        previous_queue_position=e.plan.position_before,
        queue_position=e.plan.position_after,
        moved_forward=_line_places(e.moved_forward),
        moved=e.moved,
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
                supplier_id=c.supplier_id,
                confidence=c.confidence,
                failover=c.failover,
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
        order_multiple=s.order_multiple,
        capacity_per_week=s.capacity_per_week,
        failover_after_days=s.failover_after_days,
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
        suggested_by_supplier=e.suggested_from,
        failover_by_supplier=e.failover_from,
    )


MAPPINGS: tuple[Mapping, ...] = (
    Mapping(
        Stock.Registered,
        StockRegisteredV1,
        lambda e: StockRegisteredV1(
            sku=e.sku, allocation_policy=e.policy, eta_policy=e.eta_policy or ETA_POLICY
        ),
    ),
    Mapping(
        Stock.Configured,
        StockConfiguredV1,
        lambda e: StockConfiguredV1(
            reorder_point=e.reorder_point,
            safety_stock=e.safety_stock,
            allocation_policy=e.policy,
            reason=e.reason,
            unit_volume=None if e.unit_volume is None else format(e.unit_volume, "f"),
            order_up_to=e.order_up_to,
            eta_policy=e.eta_policy,
            reserve=e.reserve,
            quota=None if e.quota is None else QuotaV1(**e.quota.model_dump(mode="json")),
            redistribute_within_hours=e.redistribute_within_hours,
            replenish_policy=e.replenish_policy,
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
    Mapping(
        Stock.SubstituteForSet,
        StockSubstituteForSetV1,
        lambda e: StockSubstituteForSetV1(substitute_for=list(e.skus)),
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
    Mapping(Stock.LineReleasedAhead, StockLineReleasedAheadV1, _released_ahead),
    Mapping(Stock.ReleaseWithdrawn, StockReleaseWithdrawnV1, _release_withdrawn),
    Mapping(
        Stock.Received,
        StockReceivedV1,
        lambda e: StockReceivedV1(
            warehouse=e.warehouse, quantity=e.quantity, purchase_order_key=e.po_key, occurred_at=e.at
        ),
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
            order_id=e.order_id,
            line_id=e.line_id,
            quantity=e.quantity,
            warehouse=e.warehouse,
            occurred_at=e.at,
        ),
    ),
    Mapping(
        Stock.Released,
        StockReleasedV1,
        lambda e: StockReleasedV1(
            order_id=e.order_id, line_id=e.line_id, quantity=e.quantity, reason=e.reason, occurred_at=e.at
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
        lambda e: StockSuggestionReducedV1(
            outstanding_quantity=e.outstanding, suggested_by_supplier=e.suggested_from
        ),
    ),
    Mapping(
        Stock.FailoverSuggested,
        StockFailoverSuggestedV1,
        lambda e: StockFailoverSuggestedV1(
            supplier_id=e.supplier_id,
            quantity=e.quantity,
            lines=_line_quantities(e.lines),
            line_count=e.line_count,
            decision=decision_of(e.decision),
        ),
    ),
    Mapping(
        Stock.FailoverReduced,
        StockFailoverReducedV1,
        lambda e: StockFailoverReducedV1(supplier_id=e.supplier_id, outstanding_quantity=e.outstanding),
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
