"""Offering a waiting line another SKU's free units: a rule over three aggregates.

The line is on an Order, it waits in its own SKU's Stock queue, and the units
offered sit on a substitute's Stock. `substitute-v1` (domain/substitution.py)
chooses among the candidates; this module decides when to ask it, and records
the offer on the order with a reference to the substitute's state it saw.
An offer reserves nothing: the customer's acceptance asks the substitute again.
"""

from __future__ import annotations

from domain.aggregates import Aggregates
from domain.order import Order
from domain.order_lines import Line
from domain.stock import Stock
from domain.substitution import SUBSTITUTE_POLICY, Candidate, choose_substitute
from domain.values import Cause, DecisionRef


def declare_substitutes(found: Aggregates, stock: Stock, substitutes: list[Stock], cause: Cause) -> None:
    """The SKU's substitutes, best first; each learns whose queue its arriving units are offered to.

    Declared while lines wait: they are offered one now, as a line backordered from
    now on would be. A SKU no longer declared forgets it stood in for this one.
    """
    before = set(stock.substitutes)
    stock.declare_substitutes(list(dict.fromkeys(substitute.sku for substitute in substitutes)))
    for substitute in substitutes:
        substitute.name_as_substitute(stock.sku, named=substitute.sku in stock.substitutes)
    for sku in sorted(before - set(stock.substitutes)):
        found.stock(sku).name_as_substitute(stock.sku, named=False)
    offer_to_waiting(found, stock.sku, cause)


def offer_to_waiting(found: Aggregates, sku: str, cause: Cause) -> None:
    """Offer the SKU's substitutes to its waiting lines, in queue order.

    For lines that waited before a substitute was declared or had units: each
    customer who accepts substitutes, has no open offer and declined none.
    """
    for entry in list(found.stock(sku).queue):
        order = found.order(entry.order_id)
        if _may_be_offered(order.line(entry.line_id)):
            offer_substitute(found, order, entry.line_id, cause)


def offer_arrivals(found: Aggregates, sku: str, cause: Cause) -> None:
    """Units free here after an arrival: offered to the queues of the SKUs this one stands in for.

    Walks those queues in order and stops once the offers made cover what is
    free: an offer reserves nothing, so more would promise the same units twice.
    """
    stock = found.stock(sku)
    free = stock.available
    for waited_for in stock.substitute_for:
        for entry in list(found.stock(waited_for).queue):
            if free <= 0:
                return
            if entry.quantity > free:
                continue  # a smaller line further back may still fit
            order = found.order(entry.order_id)
            line = order.line(entry.line_id)
            if _may_be_offered(line) and offer_substitute(found, order, entry.line_id, cause) == sku:
                free -= line.backordered


def offer_substitute(found: Aggregates, order: Order, line_id: str, cause: Cause) -> str | None:
    """Offer the line the first substitute that can cover it; the SKU offered, or None."""
    line = order.line(line_id)
    if not order.accept_substitutes or not line.backordered:
        return None
    candidates = _candidates(found, line)
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


def _may_be_offered(line: Line) -> bool:
    """No offer is open on the line and the customer declined none for it."""
    return line.offer is None and not line.declined


def _candidates(found: Aggregates, line: Line) -> list[Candidate]:
    """The line's SKU's declared substitutes, best first, as they stand now (by their latest event)."""
    return [
        Candidate(sku=stock.sku, stock_version=stock.version, available=stock.available)
        for stock in (found.find_stock(sku) for sku in found.stock(line.sku).substitutes)
        if stock is not None
    ]
