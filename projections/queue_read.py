"""Queries over the queue read model: a SKU's queue, the longest queues, one order.

Pure reads over a transaction, returning plain dataclasses the CLI renders
(or dumps as JSON). Positions are computed here, not stored: a SKU's waiting
lines sorted by its current allocation policy's key are, one for one, the
Stock's queue (the Stock keeps its queue sorted by that key), so a position
read here is the place the line holds now, not the one it was told when it
joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.allocation import Keyed, get_policy
from domain.values import LineStatus, Tier
from projections.store import Tx


@dataclass(frozen=True)
class QueueEntryView:
    position: int  # 1 = next to be served
    order_id: str
    line_id: str
    quantity: int  # units still waiting
    units_ahead: int
    customer_id: str | None  # None until the order's own events have been projected
    tier: str
    placed_at: datetime
    waiting_since: date
    wait_limit: date | None
    eta: date | None
    eta_revisions: int
    needs_purchase: bool
    substitute_offer: str | None  # "SKU x quantity" while an offer is open
    released_ahead: bool = False  # an operator released it ahead: served before every line not released


@dataclass(frozen=True)
class QueueTotals:
    sku: str
    policy: str
    lines: int
    units_waiting: int
    oldest_since: date | None
    units_covered: int  # waiting units an open purchase order covers
    units_needing_purchase: int
    open_po_units: int


@dataclass(frozen=True)
class SkuQueue:
    totals: QueueTotals
    entries: list[QueueEntryView]


def in_policy_order(
    rows: list[dict[str, Any]], policy: str, released: dict[tuple[str, str], int] | None = None
) -> list[dict[str, Any]]:
    """Waiting rows (with order_id, line_id, tier, placed_at) in the order the policy serves them:
    lines released ahead (`released`: (order id, line id) -> rank) first, as the Stock does."""
    key = get_policy(policy).serving_key
    ranks = released or {}

    def sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
        placed_at = datetime.fromisoformat(row["placed_at"])
        rank = ranks.get((row["order_id"], row["line_id"]))
        return key(Keyed(row["order_id"], row["line_id"], Tier(row["tier"]), placed_at, rank))

    return sorted(rows, key=sort_key)


def releases(tx: Tx, stock_key: str) -> dict[tuple[str, str], int]:
    """The SKU's lines released ahead and waiting: (order id, line id) -> rank of release."""
    found = tx.all(
        "SELECT order_id, line_id, release_rank FROM queue_releases WHERE stock_key = ?", (stock_key,)
    )
    return {(row[0], row[1]): int(row[2]) for row in found}


def _stock(tx: Tx, sku: str) -> tuple[str, str] | None:
    found = tx.one("SELECT stock_key, policy FROM queue_skus WHERE sku = ?", (sku,))
    return (found[0], found[1]) if found else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_ENTRIES = """
SELECT q.order_id, q.line_id, q.waiting, q.tier, q.placed_at, q.since, q.wait_limit, q.eta,
       q.needs_purchase, q.eta_revisions, o.customer_id, l.offer_sku, l.offer_quantity
FROM queue_lines q
LEFT JOIN queue_orders o ON o.order_id = q.order_id
LEFT JOIN queue_order_lines l ON l.order_key = o.order_key AND l.line_id = q.line_id
WHERE q.stock_key = ? AND q.waiting > 0
"""


def sku_queue(tx: Tx, sku: str) -> SkuQueue | None:
    """The SKU's waiting lines in serving order with its totals; None for a SKU never seen."""
    stock = _stock(tx, sku)
    if stock is None:
        return None
    stock_key, policy = stock
    entries, ahead = [], 0
    released = releases(tx, stock_key)
    rows = in_policy_order(tx.dicts(_ENTRIES, (stock_key,)), policy, released)
    for position, row in enumerate(rows, start=1):
        entries.append(_entry(position, row, ahead, (row["order_id"], row["line_id"]) in released))
        ahead += row["waiting"]
    open_po = tx.one(
        "SELECT COALESCE(SUM(open_quantity), 0) FROM queue_inbound WHERE stock_key = ?", (stock_key,)
    )
    uncovered = sum(e.quantity for e in entries if e.needs_purchase)
    totals = QueueTotals(
        sku=sku,
        policy=policy,
        lines=len(entries),
        units_waiting=ahead,
        oldest_since=min((e.waiting_since for e in entries), default=None),
        units_covered=ahead - uncovered,
        units_needing_purchase=uncovered,
        open_po_units=int(open_po[0]) if open_po else 0,
    )
    return SkuQueue(totals=totals, entries=entries)


def _entry(position: int, row: dict[str, Any], ahead: int, released: bool) -> QueueEntryView:
    offer = f"{row['offer_sku']} x{row['offer_quantity']}" if row["offer_sku"] else None
    return QueueEntryView(
        position=position,
        order_id=row["order_id"],
        line_id=row["line_id"],
        quantity=row["waiting"],
        units_ahead=ahead,
        customer_id=row["customer_id"],
        tier=row["tier"],
        placed_at=datetime.fromisoformat(row["placed_at"]),
        waiting_since=date.fromisoformat(row["since"]),
        wait_limit=_day(row["wait_limit"]),
        eta=_day(row["eta"]),
        eta_revisions=row["eta_revisions"],
        needs_purchase=bool(row["needs_purchase"]),
        substitute_offer=offer,
        released_ahead=released,
    )


_TOP = """
SELECT s.sku, s.policy, COUNT(*), SUM(q.waiting), MIN(q.since),
       SUM(CASE WHEN q.needs_purchase = 1 THEN q.waiting ELSE 0 END),
       (SELECT COALESCE(SUM(i.open_quantity), 0) FROM queue_inbound i WHERE i.stock_key = s.stock_key)
FROM queue_lines q JOIN queue_skus s ON s.stock_key = q.stock_key
WHERE q.waiting > 0
GROUP BY s.stock_key, s.sku, s.policy
ORDER BY SUM(q.waiting) DESC, s.sku
LIMIT ?
"""


def top_queues(tx: Tx, limit: int) -> list[QueueTotals]:
    """The `limit` SKUs with the most units waiting, most first."""
    return [
        QueueTotals(
            sku=sku,
            policy=policy,
            lines=int(lines),
            units_waiting=int(units),
            oldest_since=_day(oldest),
            units_covered=int(units) - int(uncovered),
            units_needing_purchase=int(uncovered),
            open_po_units=int(open_po),
        )
        for sku, policy, lines, units, oldest, uncovered, open_po in tx.all(_TOP, (limit,))
    ]


def line_status(line: dict[str, Any]) -> LineStatus:
    """domain.order.Line.status, from the projected counters."""
    if line["offer_sku"] is not None and line["backordered"]:
        return LineStatus.SUBSTITUTE_OFFERED
    if line["backordered"]:
        return LineStatus.PARTIALLY_ALLOCATED if line["allocated"] else LineStatus.BACKORDERED
    if line["allocated"]:
        return LineStatus.PARTIALLY_SHIPPED if line["shipped"] else LineStatus.ALLOCATED
    return LineStatus.SHIPPED if line["shipped"] else LineStatus.CANCELLED


@dataclass(frozen=True)
class LinePromise:
    eta: date | None  # while the line waits
    needs_purchase: bool
    revisions: int  # times a promise the line had was changed, over its whole life


def line_promise(tx: Tx, sku: str, order_id: str, line_id: str) -> LinePromise:
    """The SKU's promise to one order line (the Stock keeps promises, not the order)."""
    row = tx.one(
        "SELECT q.waiting, q.eta, q.needs_purchase, q.eta_revisions FROM queue_lines q "
        "JOIN queue_skus s ON s.stock_key = q.stock_key WHERE s.sku = ? AND q.order_id = ? AND q.line_id = ?",
        (sku, order_id, line_id),
    )
    if row is None:
        return LinePromise(eta=None, needs_purchase=False, revisions=0)
    waiting, eta, needs_purchase, revisions = row
    return LinePromise(
        eta=_day(eta) if waiting else None,
        needs_purchase=bool(waiting and needs_purchase),
        revisions=revisions,
    )


def live_place(tx: Tx, sku: str, order_id: str, line_id: str) -> tuple[int, int] | None:
    """(position, units ahead) of a line waiting in the SKU's queue now; None if it does not wait."""
    stock = _stock(tx, sku)
    if stock is None:
        return None
    rows = tx.dicts(
        "SELECT order_id, line_id, tier, placed_at, waiting FROM queue_lines WHERE stock_key = ? AND waiting > 0",
        (stock[0],),
    )
    ahead = 0
    for position, row in enumerate(in_policy_order(rows, stock[1], releases(tx, stock[0])), start=1):
        if (row["order_id"], row["line_id"]) == (order_id, line_id):
            return position, ahead
        ahead += row["waiting"]
    return None
