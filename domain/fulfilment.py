"""How a Stock's decisions reach the order lines they concern: rules over several aggregates.

A Stock decides who gets its units; each decision is recorded again on the
order line it concerns, with a reference to the Stock event that took it, so a
line's history explains itself and can be replayed. Some decisions lead to
more: a line left waiting may be offered a substitute, units a substitute gave
and then took back are asked of the line's own SKU again, and a line the
customer cancels gives up what it holds on every SKU.

Revised promises are not mirrored: one `Stock.EtasRevised` names every line
whose promise changed, so a receipt or a slipped PO costs one event however
long the queue. An order line keeps the promise it was backordered with.

Nothing here reads or writes a store: the aggregates come through
`Aggregates`, and the caller saves every aggregate they touched, together.
"""

from __future__ import annotations

from typing import Any

from domain.aggregates import Aggregates
from domain.allocation import Fill
from domain.effects import Backorder, StockEffects
from domain.errors import SubstituteUnavailable
from domain.eta import Expiry
from domain.order import Order
from domain.stock import Stock
from domain.substitute_offers import offer_arrivals, offer_substitute
from domain.values import Cause, DecisionRef


def request_lines(found: Aggregates, order: Order, cause: Cause) -> None:
    """A new order's lines asked of their SKUs' stock, in the order's line order."""
    for line_id, line in order.lines.items():
        mirror(found, found.stock(line.sku).request(order.request_for(line_id), cause), cause)


def units_arrived(found: Aggregates, effects: StockEffects, cause: Cause) -> None:
    """Units arrived on a SKU: its own queue is served first, what is left free is offered
    to the queues of the SKUs it stands in for."""
    mirror(found, effects, cause)
    offer_arrivals(found, effects.sku, cause)


def mirror(found: Aggregates, effects: StockEffects, cause: Cause) -> None:
    """Record what a Stock decided on each order line it concerns, in the order it decided."""
    sku = effects.sku
    for fill, ref in effects.allocated:
        found.order(fill.order_id).allocate(fill.line_id, sku, fill.quantity, ref)
    for backorder, ref in effects.backordered:
        _backorder(found, effects, backorder, ref, cause)
    for fill, ref in effects.filled:
        found.order(fill.order_id).fill(fill.line_id, sku, fill.quantity, ref)
    for fill, ref in effects.revoked:
        _take_back(found, sku, fill, ref, cause)
    for expiry, ref in effects.expired:
        _expire(found.order(expiry.order_id), expiry, ref)


def _backorder(
    found: Aggregates, effects: StockEffects, backorder: Backorder, ref: DecisionRef, cause: Cause
) -> None:
    """The line waits: with the promise just made, or (none made) the one it already waited with."""
    order = found.order(backorder.order_id)
    promise = effects.promise_for(backorder.order_id, backorder.line_id)
    waiting = None if promise else found.stock(effects.sku).queued(backorder.order_id, backorder.line_id)
    order.backorder(
        backorder.line_id,
        backorder.quantity,
        backorder.position,
        eta=promise.eta if promise else waiting.eta if waiting else None,
        needs_purchase=promise.needs_purchase if promise else bool(waiting and waiting.needs_purchase),
        decision=ref,
        eta_decision=promise.decision if promise else None,
    )
    if not any((f.order_id, f.line_id) == (backorder.order_id, backorder.line_id) for f, _ in effects.filled):
        offer_substitute(found, order, backorder.line_id, cause)  # not to a line redistribution served


def _take_back(found: Aggregates, sku: str, fill: Fill, ref: DecisionRef, cause: Cause) -> None:
    """Units taken back from a line; a substitute's are asked of the line's own SKU again."""
    order = found.order(fill.order_id)
    order.revoke(fill.line_id, sku, fill.quantity, ref)
    own_sku = order.line(fill.line_id).sku
    if own_sku != sku:
        request = order.request_for(fill.line_id, fill.quantity)
        mirror(found, found.stock(own_sku).request(request, cause), cause)


def _expire(order: Order, expiry: Expiry, ref: DecisionRef) -> None:
    reason = (
        f"promised date {expiry.eta} is later than the customer's maximum wait (until {expiry.wait_limit})"
    )
    order.cancel(expiry.line_id, reason, automatic=True, decision=ref, quantity=expiry.quantity)


def cancel_line(found: Aggregates, order: Order, line_id: str, reason: str, cause: Cause) -> None:
    """Release the line on every SKU it holds or waits on, then cancel it on the order.

    The order's decision names the Stock event that released it: the first one the
    release recorded, on the line's own SKU if it recorded one there (its units may sit
    on a substitute, its queue place given up when the substitute was accepted).
    Units released are free again, so they are offered on.
    """
    line = order.line(line_id)
    stocks = [found.stock(sku) for sku in line.skus]
    own = stocks[line.skus.index(line.sku)]
    inputs = _cancel_inputs(order, line_id, stocks, own)
    pending = {stock.sku: len(stock.pending_events) for stock in stocks}
    effects = [stock.release(order.order_id, line_id, reason, cause) for stock in stocks]
    first = {
        stock.sku: stock.pending_events[pending[stock.sku]]
        for stock in stocks
        if len(stock.pending_events) > pending[stock.sku]
    }
    where = own if own.sku in first or not first else next(s for s in stocks if s.sku in first)
    ref = DecisionRef(
        sku=where.sku,
        stock_version=first[where.sku].originator_version if where.sku in first else where.version,
        policy=where.policy,
        message_id=cause.message_id,
        inputs=inputs,
        reason=f"cancelled by the customer ({reason}): allocation released and queue place given up, free of charge",
    )
    order.cancel(line_id, reason, automatic=False, decision=ref)
    for effect in effects:
        mirror(found, effect, cause)
    for stock in stocks:
        if stock.sku in first:
            offer_arrivals(found, stock.sku, cause)


def _cancel_inputs(order: Order, line_id: str, stocks: list[Stock], own: Stock) -> dict[str, Any]:
    """What the line held and where it stood, as the cancellation saw it."""
    queued = {st.sku: entry.quantity for st in stocks if (entry := st.queued(order.order_id, line_id))}
    return {
        "released": dict(order.line(line_id).allocated),
        "withdrawn": queued,
        "position": own.position_of(order.order_id, line_id),
    }


def accept_substitute(
    found: Aggregates, order: Order, line_id: str, cause: Cause, reason: str | None = None
) -> None:
    """The customer takes the open offer: what waits now moves to the substitute, if it is still free.

    What waits now, not what was offered: fills or take-backs since the offer change it.
    The line gives up its queue place on its own SKU once the substitute allocated.
    `reason`: why it was accepted, kept on the order's event when the message gave one.
    """
    offer = order.open_offer(line_id)
    substitute = found.stock(offer.sku)
    line = order.line(line_id)
    needed = line.backordered
    request = order.request_for(line_id, needed, substitute=True)
    if substitute.queue or substitute.available < needed or substitute.may_allocate(request, cause) < needed:
        raise SubstituteUnavailable(
            f"substitute {offer.sku} has {substitute.available} free now, "
            f"{needed} needed: the line keeps its queue place"
        )
    effects = substitute.request(request, cause)
    ((_, ref),) = effects.allocated
    order.accept_substitute(line_id, ref, reason)
    mirror(
        found, found.stock(line.sku).withdraw(order.order_id, line_id, "substitute accepted", cause), cause
    )
