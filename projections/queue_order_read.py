"""One order as its customer would ask about it: each line's status, queue place and ETA.

The counters come from the order's own events; the queue position and the
promise are the line's live place and promise in its SKU's queue
(projections/queue_read.py): the place moves as lines ahead are served,
cancelled or overtaken by a higher tier, the promise as stock and POs move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from projections.queue_read import line_promise, line_status, live_place
from projections.store import Tx


@dataclass(frozen=True)
class OrderLineView:
    line_id: str
    sku: str
    status: str  # a domain.values.LineStatus value
    ordered: int
    allocated: int
    substitute_allocated: int  # part of `allocated` taken from a substitute SKU
    backordered: int
    shipped: int
    cancelled: int
    position: int | None  # live place in the SKU's queue while units wait
    units_ahead: int | None
    eta: date | None
    eta_revisions: int
    needs_purchase: bool
    substitute_offers: list[str]  # "SKU xN offered|accepted|declined", in SKU order
    released_ahead: bool  # waiting, and released ahead of its queue by an operator


@dataclass(frozen=True)
class OrderView:
    order_id: str
    customer_id: str
    tier: str
    placed_at: datetime
    shipping: str
    accept_substitutes: bool
    lines: list[OrderLineView]


def order_view(tx: Tx, order_id: str) -> OrderView | None:
    """The order with its lines in the order they were placed; None for an order never seen."""
    orders = tx.dicts("SELECT * FROM queue_orders WHERE order_id = ?", (order_id,))
    if not orders:
        return None
    order = orders[0]
    offers: dict[str, list[str]] = {}
    for line_id, sku, quantity, status in tx.all(
        "SELECT line_id, substitute_sku, quantity, status FROM queue_substitutes WHERE order_key = ? "
        "ORDER BY line_id, substitute_sku",
        (order["order_key"],),
    ):
        offers.setdefault(line_id, []).append(f"{sku} x{quantity} {status}")
    lines = tx.dicts(
        "SELECT * FROM queue_order_lines WHERE order_key = ? ORDER BY seq", (order["order_key"],)
    )
    return OrderView(
        order_id=order_id,
        customer_id=order["customer_id"],
        tier=order["tier"],
        placed_at=datetime.fromisoformat(order["placed_at"]),
        shipping=order["shipping"],
        accept_substitutes=bool(order["accept_substitutes"]),
        lines=[_line(tx, order_id, line, offers.get(line["line_id"], [])) for line in lines],
    )


def _line(tx: Tx, order_id: str, line: dict[str, Any], offers: list[str]) -> OrderLineView:
    place = live_place(tx, line["sku"], order_id, line["line_id"]) if line["backordered"] else None
    promise = line_promise(tx, line["sku"], order_id, line["line_id"])
    return OrderLineView(
        line_id=line["line_id"],
        sku=line["sku"],
        status=line_status(line).value,
        ordered=line["ordered"],
        allocated=line["allocated"],
        substitute_allocated=line["substitute_allocated"],
        backordered=line["backordered"],
        shipped=line["shipped"],
        cancelled=line["cancelled"],
        position=place[0] if place else None,
        units_ahead=place[1] if place else None,
        eta=promise.eta if line["backordered"] else None,
        eta_revisions=promise.revisions,
        needs_purchase=promise.needs_purchase and bool(line["backordered"]),
        substitute_offers=offers,
        released_ahead=bool(line["backordered"]) and _released(tx, line["sku"], order_id, line["line_id"]),
    )


def _released(tx: Tx, sku: str, order_id: str, line_id: str) -> bool:
    return (
        tx.one(
            "SELECT 1 FROM queue_releases r JOIN queue_skus s ON s.stock_key = r.stock_key "
            "WHERE s.sku = ? AND r.order_id = ? AND r.line_id = ?",
            (sku, order_id, line_id),
        )
        is not None
    )
