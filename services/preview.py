"""An action's impact before it is confirmed: the message applied by the real handlers to copies.

The message goes through the inbox check and its handler exactly as the engine
would run it (services/deciding.py), but on deep copies of the aggregates it
reads: nothing is saved, cached or recorded, and the engine's own aggregates are
never touched. What it would change is then read off the copies against the
originals: each affected order line's place in its SKU's queue, status and
promise (ETA), before and after. Not guessed: the same domain code decides.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

from domain.errors import DomainError, NotYetKnown
from domain.order import Order, order_uuid
from domain.stock import Stock
from services.contracts import Message
from services.deciding import apply
from services.engine import Engine
from services.errors import MessageRejected
from services.outcomes import Status, refusal_of
from services.refusals import is_refusable
from services.session import Session

WOULD = {
    Status.APPLIED: "would apply",
    Status.DUPLICATE: "already applied",
    Status.REFUSED_BEFORE: "refused before",
    Status.REJECTED: "refused",
    Status.PARKED: "would wait",
}


@dataclass(frozen=True)
class LineState:
    status: str | None  # LineStatus value; None for a line the order does not know (yet)
    position: int | None  # 1-based place in its SKU's queue; None when it does not wait
    eta: date | None  # the SKU's promise while it waits


@dataclass(frozen=True)
class LineImpact:
    order_id: str
    line_id: str
    sku: str
    before: LineState
    after: LineState


@dataclass(frozen=True)
class Impact:
    message_id: str
    message_type: str
    outcome: str  # one of WOULD's values
    field: str | None = None
    reason: str | None = None
    lines: list[LineImpact] = dataclasses.field(default_factory=list)


class _Copies:
    """A repository that hands out deep copies: the handler may change them as it likes."""

    def __init__(self, repository: Repository[UUID]) -> None:
        self.repository = repository
        self.originals: dict[UUID, Any] = {}

    def get(self, aggregate_id: UUID, version: int | None = None) -> Any:
        original: Any = self.repository.get(aggregate_id, version=version)
        self.originals[aggregate_id] = original
        return copy.deepcopy(original)


def preview(engine: Engine, message: Message) -> Impact:
    """What applying `message` now would do; the store, the cache and the engine stay as they were."""
    with engine.write_lock:
        engine.settle()
        engine.catch_up()
        known = engine.decider.inbox([message]).known(message)
        if known is not None:
            return Impact(message.message_id, message.type, WOULD[known.status], known.field, known.detail)
        copies = _Copies(engine.repository)
        session = Session(
            copies,  # type: ignore[arg-type]
            message,
            engine.default_policy,
            default_eta_policy=engine.default_eta_policy,
        )
        try:
            apply(session, message)
        except Exception as error:
            if not isinstance(error, MessageRejected | DomainError) and not is_refusable(error, message):
                raise
            outcome = refusal_of(message, error)
            word = WOULD[Status.PARKED] if isinstance(error, NotYetKnown) else WOULD[Status.REJECTED]
            return Impact(message.message_id, message.type, word, outcome.field, outcome.detail)
        lines = _impacts(engine, copies.originals, session.touched)
        return Impact(message.message_id, message.type, WOULD[Status.APPLIED], lines=lines)


def _impacts(engine: Engine, originals: dict[UUID, Any], after: dict[UUID, Any]) -> list[LineImpact]:
    """Every line whose place, status or promise would change, and every line of an order touched."""
    orders_after = {a.order_id: a for a in after.values() if isinstance(a, Order)}
    orders_before = {a.order_id: a for a in originals.values() if isinstance(a, Order)}
    stocks_after = {a.sku: a for a in after.values() if isinstance(a, Stock)}
    stocks_before = {a.sku: a for a in originals.values() if isinstance(a, Stock)}
    keys: dict[tuple[str, str, str], None] = {}
    for sku, stock in stocks_after.items():
        for entries in (stock.queue, stocks_before[sku].queue if sku in stocks_before else ()):
            keys.update(((e.order_id, e.line_id, sku), None) for e in entries)
    for order in orders_after.values():
        keys.update(((order.order_id, lid, line.sku), None) for lid, line in order.lines.items())
    found = []
    for order_id, line_id, sku in keys:
        order_after = orders_after.get(order_id) or _order(engine, order_id)
        order_before = orders_before.get(order_id) or (None if order_id in orders_after else order_after)
        if order_after is not None and line_id in order_after.lines and order_after.line(line_id).sku != sku:
            continue  # the line's units on a substitute: its own SKU's row says where it stands
        stock_before = stocks_before.get(sku) or _stock(engine, sku)  # not read: the same after
        before = _state(order_before, stock_before, order_id, line_id)
        now = _state(order_after, stocks_after.get(sku) or stock_before, order_id, line_id)
        if before != now or order_id in orders_after:
            found.append(LineImpact(order_id, line_id, sku, before, now))
    return sorted(found, key=lambda i: (i.sku, i.after.position or 0, i.order_id, i.line_id))


def _state(order: Order | None, stock: Stock | None, order_id: str, line_id: str) -> LineState:
    line = order.lines.get(line_id) if order is not None else None
    entry = stock.queued(order_id, line_id) if stock is not None else None
    position = stock.position_of(order_id, line_id) if stock is not None and entry is not None else None
    return LineState(
        status=line.status.value if line is not None else None,
        position=position,
        eta=entry.eta if entry is not None else None,
    )


def _order(engine: Engine, order_id: str) -> Order | None:
    return _find(engine, order_uuid(order_id))


def _stock(engine: Engine, sku: str) -> Stock | None:
    return _find(engine, Stock.create_id(sku))


def _find(engine: Engine, aggregate_id: UUID) -> Any:
    try:
        return engine.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
