"""Which waiting lines each open purchase order is promised to.

The stored events say what each line was promised, not which PO the date
came from, so the read side walks the same rule `eta-v1` walks
(domain/eta.py): open supply in arrival order against the queue's
cumulative units, each line covered by the first PO whose cumulative open
quantity reaches the line's last unit. Walked over the live queue and open
supply of the read models, it names the PO behind each waiting line now.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.values import inbound_key
from projections.purchasing.models import Coverage
from projections.queue_read import in_policy_order, releases
from projections.store import Tx


def cover(waiting: Sequence[int], supply: Sequence[tuple[str, int]]) -> dict[str, Coverage]:
    """`waiting`: units of each waiting line in serving order; `supply`: (key, open units) in arrival order."""
    lines = {key: 0 for key, _ in supply}
    total = sum(waiting)
    units, start = {}, 0
    for key, quantity in supply:
        units[key] = max(0, min(quantity, total - start))
        start += quantity
    covered_up_to, cursor, cumulative = 0, 0, 0
    for quantity in waiting:
        cumulative += quantity
        while cursor < len(supply) and covered_up_to + supply[cursor][1] < cumulative:
            covered_up_to += supply[cursor][1]
            cursor += 1
        if cursor == len(supply):
            break
        lines[supply[cursor][0]] += 1
    return {key: Coverage(lines=lines[key], units=units[key]) for key, _ in supply}


def sku_coverage(tx: Tx, sku: str) -> tuple[list[dict[str, Any]], dict[str, Coverage]]:
    """The SKU's open supply rows from the queue read model in arrival order, and each one's coverage."""
    stock = tx.one("SELECT stock_key, policy FROM queue_skus WHERE sku = ?", (sku,))
    if stock is None:
        return [], {}
    supply = sorted(
        tx.dicts(
            "SELECT po_key, po_id, supplier_id, open_quantity, arrival FROM queue_inbound WHERE stock_key = ?",
            (stock[0],),
        ),
        key=lambda row: (row["arrival"], row["supplier_id"], row["po_id"]),
    )
    rows = tx.dicts(
        "SELECT order_id, line_id, tier, placed_at, waiting FROM queue_lines WHERE stock_key = ? AND waiting > 0",
        (stock[0],),
    )
    waiting = [row["waiting"] for row in in_policy_order(rows, stock[1], releases(tx, stock[0]))]
    return supply, cover(waiting, [(row["po_key"], row["open_quantity"]) for row in supply])


def po_key(supplier_id: str, po_id: str) -> str:
    """The key the Stock (and the queue read model) files a PO's supply under."""
    return inbound_key(supplier_id, po_id)
