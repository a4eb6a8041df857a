"""Mirroring what a Stock decided onto the order lines concerned.

One handler per kind of Stock decision; each records the decision on the
order with a reference to the Stock event that took it. Substitute offers
are made here because they need a second Stock's view.

Revised promises are not mirrored: one `Stock.EtasRevised` names every line
whose promise changed, so a receipt or a slipped PO costs one event however
long the queue. Read models and notices follow promises from there; an order
line keeps the promise it was backordered with.
"""

from __future__ import annotations

from domain.effects import StockEffects
from domain.order import Order
from domain.substitution import SUBSTITUTE_POLICY, Candidate, choose_substitute
from domain.values import Cause, DecisionRef
from services.session import Session


def mirror(session: Session, effects: StockEffects, cause: Cause) -> None:
    sku = effects.sku
    for fill, ref in effects.allocated:
        session.order(fill.order_id).allocate(fill.line_id, sku, fill.quantity, ref)
    for backorder, ref in effects.backordered:
        order = session.order(backorder.order_id)
        promise = effects.promise_for(backorder.order_id, backorder.line_id)
        # No new promise: the line already waited here and its promise stands.
        waiting = None if promise else session.stock(sku).queued(backorder.order_id, backorder.line_id)
        order.backorder(
            backorder.line_id,
            backorder.quantity,
            backorder.position,
            eta=promise.eta if promise else waiting.eta if waiting else None,
            needs_purchase=promise.needs_purchase if promise else bool(waiting and waiting.needs_purchase),
            decision=ref,
            eta_decision=promise.decision if promise else None,
        )
        offer_substitute(session, order, backorder.line_id, cause)
    for fill, ref in effects.filled:
        session.order(fill.order_id).fill(fill.line_id, sku, fill.quantity, ref)
    for fill, ref in effects.revoked:
        order = session.order(fill.order_id)
        order.revoke(fill.line_id, sku, fill.quantity, ref)
        own_sku = order.line(fill.line_id).sku
        if own_sku != sku:  # substitute units taken back: wait for the line's own SKU again
            request = order.request_for(fill.line_id, fill.quantity)
            mirror(session, session.stock(own_sku).request(request, cause), cause)
    for expiry, ref in effects.expired:
        reason = (
            f"promised date {expiry.eta} is later than the customer's maximum wait "
            f"(until {expiry.wait_limit})"
        )
        session.order(expiry.order_id).cancel(
            expiry.line_id, reason, automatic=True, decision=ref, quantity=expiry.quantity
        )


def offer_to_waiting(session: Session, sku: str, cause: Cause) -> None:
    """Offer the SKU's substitutes to its waiting lines, in queue order.

    For lines that waited before a substitute was declared or had units: each
    customer who accepts substitutes, has no open offer and declined none.
    """
    for entry in list(session.stock(sku).queue):
        order = session.order(entry.order_id)
        line = order.line(entry.line_id)
        if line.offer is None and not line.declined:
            offer_substitute(session, order, entry.line_id, cause)


def offer_arrivals(session: Session, sku: str, cause: Cause) -> None:
    """Units free here after an arrival: offered to the queues of the SKUs this one stands in for.

    Walks those queues in order and stops once the offers made cover what is
    free: an offer reserves nothing, so more would promise the same units twice.
    """
    stock = session.stock(sku)
    free = stock.available
    for waited_for in stock.substitute_for:
        for entry in list(session.stock(waited_for).queue):
            if free <= 0:
                return
            if entry.quantity > free:
                continue  # a smaller line further back may still fit
            order = session.order(entry.order_id)
            line = order.line(entry.line_id)
            if line.offer is None and not line.declined:
                offered = offer_substitute(session, order, entry.line_id, cause)
                if offered == sku:
                    free -= line.backordered


def offer_substitute(session: Session, order: Order, line_id: str, cause: Cause) -> str | None:
    """Offer the line the first substitute that can cover it; the SKU offered, or None."""
    line = order.line(line_id)
    if not order.accept_substitutes or not line.backordered:
        return None
    candidates = [
        Candidate(sku=stock.sku, stock_version=stock.version, available=stock.available)
        for stock in (session.find_stock(sku) for sku in session.stock(line.sku).substitutes)
        if stock is not None
    ]
    chosen = choose_substitute(candidates, line.backordered)
    if chosen is None:
        return None
    ref = DecisionRef(
        sku=chosen.sku,
        stock_version=chosen.stock_version,
        policy=SUBSTITUTE_POLICY,
        message_id=cause.message_id,
        inputs={
            "quantity": line.backordered,
            "candidates": [c.model_dump(mode="json") for c in candidates],
        },
        reason=(
            f"{line.sku} backordered and the customer accepts substitutes: {chosen.sku} "
            f"has {chosen.available} free for the {line.backordered} waiting"
        ),
    )
    order.offer_substitute(line_id, chosen.sku, line.backordered, ref)
    return chosen.sku
