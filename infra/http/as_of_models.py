"""What the API answers with `as_of`: the state at an instant, rebuilt from the event store.

Each answer is a `moment` (which part of the log the instant covers and whether the
answer is exact: services/time_travel/moment.py) beside the state. The state's
fields are the current views' where they mean the same (infra/http/models.py); they
lack the read models' extras (revision counts, who was notified, incoming supply),
as they hold only what the aggregates held then.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from infra.http.models import Model, Moment, OrderHead, OrderLineState, QueueLineState, StockState


class QueueLineAsOf(QueueLineState):
    """A line waiting in the Stock's queue then; no customer, revision count or offer (the read models')."""


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


class StockAsOf(StockState):
    """The Stock at its version then; no incoming supply, as the purchase-order read model is today's."""


class StockPositionAsOf(Model):
    moment: Moment
    stock: StockAsOf


class OrderLineAsOf(OrderLineState):
    substitute_offer: str | None = Field(description="the SKU of the line's open substitute offer then")


class OrderAsOfView(OrderHead):
    version: int = Field(description="the Order aggregate's version at the instant")
    lines: list[OrderLineAsOf]


class OrderAsOf(Model):
    moment: Moment
    order: OrderAsOfView
