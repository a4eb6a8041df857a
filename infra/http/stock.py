"""A SKU's stock position: the Stock aggregate's counts beside its queue read model.

No read model keeps units on hand per warehouse today, so they are read from the
Stock itself, fresh from the store (another process may have changed it since this
one cached it). Reading an aggregate decides nothing. The supply side (incoming
purchase orders with their lateness and status) comes from the purchase-order read
model (projections/purchasing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.http.models import IncomingSupply, StockPosition

if TYPE_CHECKING:
    from projections.queue_read import SkuQueue
    from services.engine import Engine


def read_stock(engine: Engine, sku: str, queue: SkuQueue, supply: list[IncomingSupply]) -> StockPosition:
    from domain.stock import Stock

    stock_id = Stock.create_id(sku)
    if engine.repository.cache is not None:
        try:
            engine.repository.cache.get(stock_id, evict=True)
        except KeyError:
            pass
    stock: Stock = engine.repository.get(stock_id)
    totals = queue.totals
    return StockPosition(
        sku=sku,
        policy=stock.policy,
        version=stock.version,
        on_hand=dict(sorted(stock.on_hand.items())),
        on_hand_total=stock.total_on_hand,
        allocated=stock.allocated,
        available=stock.available,
        units_waiting=totals.units_waiting,
        lines_waiting=totals.lines,
        oldest_wait_since=totals.oldest_since,
        units_needing_purchase=totals.units_needing_purchase,
        reorder_point=stock.reorder_point,
        safety_stock=stock.safety_stock,
        order_up_to=stock.order_up_to,
        eta_policy=stock.eta_policy,
        replenish_policy=stock.replenish_policy,
        reserve=dict(stock.reserve),
        quota=stock.quota.model_dump(mode="json") if stock.quota else None,
        redistribute_within_hours=stock.redistribute_within_hours,
        suggested_by_supplier=dict(stock.suggested_from),
        failover_by_supplier=dict(stock.failover_from),
        substitutes=list(stock.substitutes),
        substitute_for=list(stock.substitute_for),
        incoming_supply=supply,
    )
