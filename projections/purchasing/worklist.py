"""The buyer's worklist: every SKU with a replenishment suggestion no purchase order has answered yet."""

from __future__ import annotations

from datetime import datetime

from projections.purchasing.models import Coverage, ReplenishmentItem
from projections.store import ReadStore

_OPEN = """
SELECT r.sku, r.supplier_id, r.outstanding, r.reason, r.since, r.last_at, r.suggestions, r.projected,
       r.need, r.answered_by,
       (SELECT COUNT(*) FROM queue_lines q
        WHERE q.stock_key = r.stock_key AND q.waiting > 0 AND q.needs_purchase = 1) AS lines,
       (SELECT COALESCE(SUM(q.waiting), 0) FROM queue_lines q
        WHERE q.stock_key = r.stock_key AND q.waiting > 0 AND q.needs_purchase = 1) AS units
FROM repl_suggestions r
WHERE r.outstanding > 0
"""


def replenishment(store: ReadStore) -> list[ReplenishmentItem]:
    """Open suggestions, oldest first: what to buy, from whom, why, and the waiting lines it would serve."""
    with store.reading() as tx:
        rows = tx.dicts(_OPEN)
    items = [
        ReplenishmentItem(
            sku=row["sku"],
            supplier_id=row["supplier_id"],
            quantity=row["outstanding"],
            reason=row["reason"],
            since=datetime.fromisoformat(row["since"]),
            last_suggested_at=datetime.fromisoformat(row["last_at"]),
            suggestions=row["suggestions"],
            projected=row["projected"],
            need=row["need"],
            partly_answered_by=row["answered_by"],
            covers=Coverage(lines=int(row["lines"]), units=int(row["units"])),
        )
        for row in rows
    ]
    return sorted(items, key=lambda item: (item.since, item.sku))
