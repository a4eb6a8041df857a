"""A SKU's stock position, read from its Stock aggregate at one of its versions.

One builder for every reader: the live position (the Stock's latest version,
`GET /skus/{sku}`, `antrian stock SKU`) and the position as of an instant (the
version the Stock had then, services/time_travel), so the two answer with the
same figures worked out the same way. Only what the Stock holds is here; the
supply side (incoming purchase orders) is the purchase-order read model's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.stock import Stock


@dataclass(frozen=True)
class StockPositionView:
    sku: str
    policy: str
    version: int  # the Stock's version read
    on_hand: dict[str, int]  # per warehouse
    on_hand_total: int
    allocated: int
    available: int
    units_waiting: int
    lines_waiting: int
    oldest_wait_since: date | None
    units_needing_purchase: int
    units_inbound: int
    reorder_point: int
    safety_stock: int
    order_up_to: int | None
    eta_policy: str
    replenish_policy: str
    reserve: dict[str, int]  # tier-reserve-v1/v2, as configured
    quota: dict[str, Any] | None  # quota-v1: units, period, per, beyond
    redistribute_within_hours: int
    suggested_by_supplier: dict[str, int]
    failover_by_supplier: dict[str, int]
    substitutes: list[str]
    substitute_for: list[str]


def stock_position(stock: Stock) -> StockPositionView:
    entries = list(stock.queue)
    return StockPositionView(
        sku=stock.sku,
        policy=stock.policy,
        version=stock.version,
        on_hand=dict(sorted(stock.on_hand.items())),
        on_hand_total=stock.total_on_hand,
        allocated=stock.allocated,
        available=stock.available,
        units_waiting=stock.waiting,
        lines_waiting=len(entries),
        oldest_wait_since=min((e.since for e in entries), default=None),
        units_needing_purchase=sum(e.quantity for e in entries if e.needs_purchase),
        units_inbound=stock.inbound_total,
        reorder_point=stock.reorder_point,
        safety_stock=stock.safety_stock,
        order_up_to=stock.order_up_to,
        eta_policy=stock.eta_policy,
        replenish_policy=stock.replenish_policy,
        reserve=dict(stock.reserve),
        quota=stock.quota.model_dump(mode="json") if stock.quota else None,
        redistribute_within_hours=stock.redistribute_within_hours,
        suggested_by_supplier=dict(sorted(stock.suggested_from.items())),
        failover_by_supplier=dict(sorted(stock.failover_from.items())),
        substitutes=list(stock.substitutes),
        substitute_for=list(stock.substitute_for),
    )
