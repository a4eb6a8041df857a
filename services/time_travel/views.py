"""The queue of a SKU, an order and a stock position as they were at a moment.

Each aggregate is read at its version at the moment's log position
(`repository.get(id, version=v)`: the nearest snapshot before v and the events
after it), never from a read model: the answer is the event store's. The views
hold only what the aggregates hold (the read models' extras, such as how many
times a promise was revised or who was notified, are kept by projections). A
stock position is built as the live one is (services/stock_position.py), from the
Stock at the moment's version instead of its latest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.order import Order, order_uuid
from domain.stock import Stock, stock_id
from services.stock_position import StockPositionView, stock_position
from services.time_travel.moment import MessageTimes, Moment
from services.time_travel.versions import version_at


@dataclass(frozen=True)
class QueueLine:
    position: int  # 1 = next to be served
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


@dataclass(frozen=True)
class QueueAt:
    sku: str
    policy: str
    version: int  # the Stock's version read
    units_waiting: int
    lines: int
    oldest_since: date | None
    units_needing_purchase: int
    on_hand: int
    allocated: int
    available: int
    entries: list[QueueLine]


@dataclass(frozen=True)
class OrderLineAt:
    line_id: str
    sku: str
    status: str
    ordered: int
    allocated: int
    substitute_allocated: int
    backordered: int
    shipped: int
    cancelled: int
    position: int | None  # live place in the SKU's queue at the moment
    units_ahead: int | None
    eta: date | None  # the promise standing at the moment (the Stock keeps revisions)
    needs_purchase: bool
    substitute_offer: str | None


@dataclass(frozen=True)
class OrderAt:
    order_id: str
    customer_id: str
    tier: str
    placed_at: datetime
    shipping: str
    accept_substitutes: bool
    version: int
    lines: list[OrderLineAt]


def as_json(view: Any) -> dict[str, Any]:
    """A view as JSON holds it (dates as ISO text)."""
    import orjson

    loaded: dict[str, Any] = orjson.loads(orjson.dumps(asdict(view)))
    return loaded


class TimeTravel:
    """Reads an engine's store as of an instant; keeps the message times index between asks."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        mapper = engine.mapper
        plain = getattr(mapper, "compressor", None) is None and getattr(mapper, "cipher", None) is None
        self.times = MessageTimes(engine.recorder, plain_json=plain, mapper=mapper)

    def moment(self, instant: datetime) -> Moment:
        self.times.catch_up()
        return self.times.cut(instant)

    def at(self, instant: datetime | None) -> Moment:
        """The instant's moment; without one, the log's end (what the live reads answer with)."""
        return self.now() if instant is None else self.moment(instant)

    @staticmethod
    def now() -> Moment:
        """The log's end, without reading any message's time (nothing before it is asked)."""
        return Moment(instant=datetime.max.replace(tzinfo=UTC), position=None, applied=-1)

    def load(self, aggregate_id: UUID, moment: Moment) -> Any | None:
        version = version_at(self.engine.recorder, aggregate_id, moment.position)
        return None if version is None else self.engine.repository.get(aggregate_id, version=version)

    def stock_at(self, sku: str, moment: Moment) -> Stock | None:
        found: Stock | None = self.load(stock_id(sku), moment)
        return found

    def queue(self, sku: str, moment: Moment) -> QueueAt | None:
        stock = self.stock_at(sku, moment)
        return None if stock is None else queue_of(stock)

    def stock(self, sku: str, moment: Moment) -> StockPositionView | None:
        stock = self.stock_at(sku, moment)
        return None if stock is None else stock_position(stock)

    def order(self, order_id: str, moment: Moment) -> OrderAt | None:
        order: Order | None = self.load(order_uuid(order_id), moment)
        if order is None:
            return None
        stocks: dict[str, Stock | None] = {}
        for line in order.lines.values():
            if line.sku not in stocks:
                stocks[line.sku] = self.stock_at(line.sku, moment)
        return order_of(order, stocks)


def queue_of(stock: Stock) -> QueueAt:
    entries = list(stock.queue)
    ahead = 0
    lines = []
    for position, entry in enumerate(entries, start=1):
        lines.append(
            QueueLine(
                position=position,
                order_id=entry.order_id,
                line_id=entry.line_id,
                quantity=entry.quantity,
                units_ahead=ahead,
                tier=entry.tier.value,
                placed_at=entry.placed_at,
                waiting_since=entry.since,
                wait_limit=entry.wait_limit,
                eta=entry.eta,
                needs_purchase=entry.needs_purchase,
                released_ahead=entry.released is not None,
            )
        )
        ahead += entry.quantity
    totals = stock_position(stock)
    return QueueAt(
        sku=stock.sku,
        policy=stock.policy,
        version=stock.version,
        units_waiting=totals.units_waiting,
        lines=totals.lines_waiting,
        oldest_since=totals.oldest_wait_since,
        units_needing_purchase=totals.units_needing_purchase,
        on_hand=totals.on_hand_total,
        allocated=totals.allocated,
        available=totals.available,
        entries=lines,
    )


def order_of(order: Order, stocks: dict[str, Stock | None]) -> OrderAt:
    lines = []
    for line in order.lines.values():
        stock = stocks.get(line.sku)
        entry = stock.queued(order.order_id, line.line_id) if stock is not None else None
        position = stock.position_of(order.order_id, line.line_id) if stock is not None else None
        lines.append(
            OrderLineAt(
                line_id=line.line_id,
                sku=line.sku,
                status=line.status.value,
                ordered=line.quantity,
                allocated=line.allocated_total,
                substitute_allocated=line.allocated_total - line.allocated.get(line.sku, 0),
                backordered=line.backordered,
                shipped=line.shipped,
                cancelled=line.cancelled,
                position=position,
                units_ahead=None if stock is None or position is None else stock.units_ahead_of(position - 1),
                eta=entry.eta if entry is not None else None,
                needs_purchase=entry.needs_purchase if entry is not None else False,
                substitute_offer=line.offer.sku if line.offer is not None else None,
            )
        )
    return OrderAt(
        order_id=order.order_id,
        customer_id=order.customer_id,
        tier=order.tier.value,
        placed_at=order.placed_at,
        shipping=order.shipping.value,
        accept_substitutes=order.accept_substitutes,
        version=order.version,
        lines=lines,
    )
