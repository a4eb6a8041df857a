"""The buyer's worklist: failover purchases first, then every SKU with a replenishment suggestion no
purchase order has answered yet, one row per supplier asked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from projections.purchasing.models import Coverage, ReplenishmentItem, SavedLineView
from projections.store import ReadStore

_UNCOVERED = """
       (SELECT COUNT(*) FROM queue_lines q
        WHERE q.stock_key = r.stock_key AND q.waiting > 0 AND q.needs_purchase = 1) AS lines,
       (SELECT COALESCE(SUM(q.waiting), 0) FROM queue_lines q
        WHERE q.stock_key = r.stock_key AND q.waiting > 0 AND q.needs_purchase = 1) AS units
"""
_OPEN = f"""
SELECT r.sku, r.supplier_id, r.outstanding, r.by_supplier, r.reason, r.since, r.last_at, r.suggestions,
       r.projected, r.need, r.answered_by, {_UNCOVERED}
FROM repl_suggestions r
WHERE r.outstanding > 0
"""
_FAILOVERS = f"""
SELECT r.sku, r.supplier_id, r.outstanding, r.reason, r.since, r.last_at, r.lines, r.line_count, {_UNCOVERED}
FROM failover_suggestions r
WHERE r.outstanding > 0
"""


def replenishment(store: ReadStore) -> list[ReplenishmentItem]:
    """Open suggestions: failovers first, then the rest, oldest first; what to buy, from whom, why,
    and the waiting lines it would serve."""
    with store.reading() as tx:
        rows, failovers = tx.dicts(_OPEN), tx.dicts(_FAILOVERS)
    items = [item for row in rows for item in _items(row)]
    saving = [_failover(row) for row in failovers]
    return sorted(saving, key=lambda i: (i.since, i.sku, i.supplier_id)) + sorted(
        items, key=lambda item: (item.since, item.sku, item.supplier_id)
    )


def _items(row: dict[str, Any]) -> list[ReplenishmentItem]:
    """One item per supplier the suggestion asks (one, unless the best source's capacity is short)."""
    split: dict[str, int] = orjson.loads(row["by_supplier"] or "{}")
    if sum(split.values()) != row["outstanding"]:
        split = {row["supplier_id"]: row["outstanding"]}  # an older stock's suggestion: one supplier
    return [
        ReplenishmentItem(
            sku=row["sku"],
            supplier_id=supplier_id,
            quantity=quantity,
            reason=row["reason"],
            since=datetime.fromisoformat(row["since"]),
            last_suggested_at=datetime.fromisoformat(row["last_at"]),
            suggestions=row["suggestions"],
            projected=row["projected"],
            need=row["need"],
            partly_answered_by=row["answered_by"],
            covers=Coverage(lines=int(row["lines"]), units=int(row["units"])),
        )
        for supplier_id, quantity in sorted(split.items())
    ]


def _failover(row: dict[str, Any]) -> ReplenishmentItem:
    lines = orjson.loads(row["lines"])
    return ReplenishmentItem(
        sku=row["sku"],
        supplier_id=row["supplier_id"],
        quantity=row["outstanding"],
        kind="failover",
        saves=[SavedLineView(order_id=o, line_id=line, quantity=q) for o, line, q in lines],
        saves_count=row["line_count"],
        reason=row["reason"],
        since=datetime.fromisoformat(row["since"]),
        last_suggested_at=datetime.fromisoformat(row["last_at"]),
        suggestions=1,
        projected=None,
        need=None,
        partly_answered_by=None,
        covers=Coverage(lines=int(row["lines"]), units=int(row["units"])),
    )
