"""The replenishment worklist: what each SKU was advised to buy and no purchase order has answered yet.

The Stock keeps one outstanding quantity per SKU (`Stock.suggested`), split by
supplier (`suggested_from`: replenish-v2 asks the backup for what the primary
cannot deliver in a week): a `Stock.ReplenishmentSuggested` adds to it, a PO
scheduled for the SKU takes off what it adds to the inbound supply, and
`Stock.SuggestionReduced` sets it when the need fell below it. Events since
the split was kept carry it as it stands after them, so it is copied, not
recomputed; older ones are mirrored rule for rule (one supplier a SKU then),
with the open supply per PO it needs (its own copy: a handler never reads
another projection's rows). All of it is one Stock's stream, so every feed
delivers it in order. A row stays once answered, with the PO that answered
it; the worklist shows those still outstanding.

Failover suggestions (`Stock.FailoverSuggested`, eta-v3) are rows of their own,
per SKU and backup: a PO from that supplier answers them first.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.store import Tx

_SUGGESTED = """
INSERT INTO repl_suggestions
    (stock_key, sku, supplier_id, outstanding, since, last_at, reason, projected, need, suggestions)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (stock_key) DO UPDATE SET
    sku = excluded.sku,
    supplier_id = excluded.supplier_id,
    since = CASE WHEN repl_suggestions.outstanding > 0 THEN repl_suggestions.since ELSE excluded.since END,
    suggestions = CASE WHEN repl_suggestions.outstanding > 0 THEN repl_suggestions.suggestions + 1 ELSE 1 END,
    answered_by = CASE WHEN repl_suggestions.outstanding > 0 THEN repl_suggestions.answered_by ELSE NULL END,
    outstanding = repl_suggestions.outstanding + excluded.outstanding,
    last_at = excluded.last_at,
    reason = excluded.reason,
    projected = excluded.projected,
    need = excluded.need
"""


_FAILOVER = """
INSERT INTO failover_suggestions
    (stock_key, supplier_id, sku, outstanding, since, last_at, reason, lines, line_count)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (stock_key, supplier_id) DO UPDATE SET
    since = CASE WHEN failover_suggestions.outstanding > 0 THEN failover_suggestions.since ELSE excluded.since END,
    outstanding = failover_suggestions.outstanding + excluded.outstanding,
    last_at = excluded.last_at,
    reason = excluded.reason,
    lines = excluded.lines,
    line_count = excluded.line_count
"""


class ReplenishmentProjection(Projection):
    name: ClassVar[str] = "replenishment"
    version: ClassVar[int] = 2  # 2: the split by supplier, and failover suggestions
    tables: ClassVar[dict[str, str]] = {
        # since: the first suggestion since the SKU last had none outstanding; answered_by: the
        # last PO that took units off it (supplier id/PO id).
        "repl_suggestions": (
            "stock_key TEXT PRIMARY KEY, sku TEXT NOT NULL, supplier_id TEXT NOT NULL, "
            "outstanding INTEGER NOT NULL, since TEXT NOT NULL, last_at TEXT NOT NULL, reason TEXT NOT NULL, "
            "projected INTEGER, need INTEGER, suggestions INTEGER NOT NULL, answered_by TEXT, "
            "by_supplier TEXT NOT NULL DEFAULT '{}'"  # JSON: supplier id -> units outstanding
        ),
        # lines: JSON [[order id, line id, units], ...], the first the suggestion named
        "failover_suggestions": (
            "stock_key TEXT NOT NULL, supplier_id TEXT NOT NULL, sku TEXT NOT NULL, "
            "outstanding INTEGER NOT NULL, since TEXT NOT NULL, last_at TEXT NOT NULL, reason TEXT NOT NULL, "
            "lines TEXT NOT NULL, line_count INTEGER NOT NULL, PRIMARY KEY (stock_key, supplier_id)"
        ),
        "repl_inbound": (
            "stock_key TEXT NOT NULL, po_key TEXT NOT NULL, open_quantity INTEGER NOT NULL, "
            "PRIMARY KEY (stock_key, po_key)"
        ),
    }

    @handles("Stock.ReplenishmentSuggested")
    def suggested(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        decision = d["decision"]
        inputs = decision["inputs"]
        split = _split(tx, event.aggregate_id)
        split[d["supplier_id"]] = split.get(d["supplier_id"], 0) + d["quantity"]
        tx.execute(
            _SUGGESTED,
            (
                event.aggregate_id,
                inputs["sku"],
                d["supplier_id"],
                d["quantity"],
                decision["as_of"],
                decision["as_of"],
                decision["reason"],
                inputs.get("projected"),
                inputs.get("need"),
            ),
        )
        _set_split(tx, event.aggregate_id, split)

    @handles("Stock.SuggestionReduced")
    def reduced(self, tx: Tx, event: ProjectedEvent) -> None:
        d, key = event.data, event.aggregate_id
        split = d.get("suggested_by_supplier")
        if split is None:  # before the split was kept: one supplier a SKU
            row = tx.one("SELECT supplier_id FROM repl_suggestions WHERE stock_key = ?", (key,))
            split = {row[0]: d["outstanding_quantity"]} if row and d["outstanding_quantity"] else {}
        tx.execute(
            "UPDATE repl_suggestions SET outstanding = ? WHERE stock_key = ?",
            (d["outstanding_quantity"], key),
        )
        _set_split(tx, key, split)

    @handles("Stock.FailoverSuggested")
    def failover(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        decision = d["decision"]
        lines = [[x["order_id"], x["line_id"], x["quantity"]] for x in d["lines"]]
        tx.execute(
            _FAILOVER,
            (
                event.aggregate_id,
                d["supplier_id"],
                decision["inputs"]["sku"],
                d["quantity"],
                decision["as_of"],
                decision["as_of"],
                decision["reason"],
                orjson.dumps(lines).decode(),
                d["line_count"],
            ),
        )

    @handles("Stock.FailoverReduced")
    def failover_reduced(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            "UPDATE failover_suggestions SET outstanding = ? WHERE stock_key = ? AND supplier_id = ?",
            (d["outstanding_quantity"], event.aggregate_id, d["supplier_id"]),
        )

    @handles("Stock.InboundScheduled")
    def inbound_scheduled(self, tx: Tx, event: ProjectedEvent) -> None:
        """As `Stock._inbound_scheduled`: what a PO adds to the supply is no longer to be suggested."""
        d, key = event.data, event.aggregate_id
        po_key = d["purchase_order_key"]
        before = tx.one(
            "SELECT open_quantity FROM repl_inbound WHERE stock_key = ? AND po_key = ?", (key, po_key)
        )
        added = d["open_quantity"] - (before[0] if before else 0)
        tx.execute(
            "INSERT INTO repl_inbound (stock_key, po_key, open_quantity) VALUES (?, ?, ?) "
            "ON CONFLICT (stock_key, po_key) DO UPDATE SET open_quantity = excluded.open_quantity",
            (key, po_key, d["open_quantity"]),
        )
        failover = d.get("failover_by_supplier")
        if failover is not None and added > 0:
            rows = tx.all(
                "SELECT supplier_id, outstanding FROM failover_suggestions WHERE stock_key = ?", (key,)
            )
            taken = sum(q for _, q in rows) - sum(failover.values())
            added -= taken
            for supplier_id, outstanding in rows:
                if failover.get(supplier_id, 0) != outstanding:
                    tx.execute(
                        "UPDATE failover_suggestions SET outstanding = ? WHERE stock_key = ? AND supplier_id = ?",
                        (failover.get(supplier_id, 0), key, supplier_id),
                    )
        if added > 0:
            tx.execute(
                "UPDATE repl_suggestions SET answered_by = ?, "
                "outstanding = CASE WHEN outstanding > ? THEN outstanding - ? ELSE 0 END "
                "WHERE stock_key = ? AND outstanding > 0",
                (po_key, added, added, key),
            )
            split = d.get("suggested_by_supplier")
            if split is None:  # before the split was kept: its own supplier's share first
                split = _split(tx, key)
                own = split.get(d["supplier_id"], 0)
                split[d["supplier_id"]] = own - min(own, added)
                rest = added - min(own, added)
                for supplier_id in sorted(split):
                    cut = min(rest, split[supplier_id])
                    split[supplier_id] -= cut
                    rest -= cut
            _set_split(tx, key, split)

    @handles("Stock.InboundCancelled")
    def inbound_cancelled(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "DELETE FROM repl_inbound WHERE stock_key = ? AND po_key = ?",
            (event.aggregate_id, event.data["purchase_order_key"]),
        )

    @handles("Stock.Received")
    def received(self, tx: Tx, event: ProjectedEvent) -> None:
        po_key = event.data["purchase_order_key"]
        if po_key is None:
            return
        key = (event.aggregate_id, po_key)
        tx.execute(
            "UPDATE repl_inbound SET open_quantity = open_quantity - ? WHERE stock_key = ? AND po_key = ?",
            (event.data["quantity"], *key),
        )
        tx.execute("DELETE FROM repl_inbound WHERE stock_key = ? AND po_key = ? AND open_quantity <= 0", key)


def _split(tx: Tx, stock_key: str) -> dict[str, int]:
    """The outstanding suggestion by supplier (empty once nothing is outstanding)."""
    row = tx.one("SELECT outstanding, by_supplier FROM repl_suggestions WHERE stock_key = ?", (stock_key,))
    if row is None or not row[0]:
        return {}
    found: dict[str, Any] = orjson.loads(row[1])
    return {str(k): int(v) for k, v in found.items()}


def _set_split(tx: Tx, stock_key: str, split: dict[str, int]) -> None:
    kept = {k: v for k, v in sorted(split.items()) if v > 0}
    tx.execute(
        "UPDATE repl_suggestions SET by_supplier = ? WHERE stock_key = ?",
        (orjson.dumps(kept).decode(), stock_key),
    )
