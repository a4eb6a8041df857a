"""What the API answers with `as_of`: the state at an instant, rebuilt from the event store.

Apart from the current views' models (infra/http/models.py) because they hold what
the aggregates held then, not the read models' extras (revision counts, who was
notified, incoming supply), and a `moment` saying which part of the log the instant
covers and whether the answer is exact (services/time_travel/moment.py).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from infra.http.models import Model, Moment, QuotaSetting


class QueueLineAsOf(Model):
    position: int
    order_id: str
    line_id: str
    quantity: int
    units_ahead: int
    tier: str
    placed_at: datetime
    waiting_since: date
    wait_limit: date | None
    eta: date | None
    needs_purchase: bool
    released_ahead: bool


class QueueAsOf(Model):
    sku: str
    policy: str
    version: int = Field(description="the Stock aggregate's version at the instant")
    units_waiting: int
    lines: int
    oldest_since: date | None
    units_needing_purchase: int
    on_hand: int
    allocated: int
    available: int
    entries: list[QueueLineAsOf]


class SkuQueueAsOf(Model):
    moment: Moment
    queue: QueueAsOf


class StockAsOf(Model):
    sku: str
    policy: str
    version: int
    on_hand: dict[str, int]
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
    reserve: dict[str, int]
    quota: QuotaSetting | None
    redistribute_within_hours: int
    suggested_by_supplier: dict[str, int]
    failover_by_supplier: dict[str, int]
    substitutes: list[str]
    substitute_for: list[str]


class StockPositionAsOf(Model):
    moment: Moment
    stock: StockAsOf


class OrderLineAsOf(Model):
    line_id: str
    sku: str
    status: str
    ordered: int
    allocated: int
    substitute_allocated: int
    backordered: int
    shipped: int
    cancelled: int
    position: int | None
    units_ahead: int | None
    eta: date | None
    needs_purchase: bool
    substitute_offer: str | None


class OrderAsOfView(Model):
    order_id: str
    customer_id: str
    tier: str
    placed_at: datetime
    shipping: str
    accept_substitutes: bool
    version: int
    lines: list[OrderLineAsOf]


class OrderAsOf(Model):
    moment: Moment
    order: OrderAsOfView
