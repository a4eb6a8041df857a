"""The replenishment worklist: what each SKU was advised to buy and no purchase order has answered yet.

The Stock keeps one outstanding quantity per SKU (`Stock.suggested`): a
`Stock.ReplenishmentSuggested` adds to it, a PO scheduled for the SKU takes
off what it adds to the inbound supply, and `Stock.SuggestionReduced` sets
it when the need fell below it. This mirrors those three rules row for row,
with the open supply per PO it needs for the second (its own copy: a
handler never reads another projection's rows). All of it is one Stock's
stream, so every feed delivers it in order. A row stays once answered, with
the PO that answered it; the worklist shows those still outstanding.
"""

from __future__ import annotations

from typing import ClassVar

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


class ReplenishmentProjection(Projection):
    name: ClassVar[str] = "replenishment"
    tables: ClassVar[dict[str, str]] = {
        # since: the first suggestion since the SKU last had none outstanding; answered_by: the
        # last PO that took units off it (supplier id/PO id).
        "repl_suggestions": (
            "stock_key TEXT PRIMARY KEY, sku TEXT NOT NULL, supplier_id TEXT NOT NULL, "
            "outstanding INTEGER NOT NULL, since TEXT NOT NULL, last_at TEXT NOT NULL, reason TEXT NOT NULL, "
            "projected INTEGER, need INTEGER, suggestions INTEGER NOT NULL, answered_by TEXT"
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

    @handles("Stock.SuggestionReduced")
    def reduced(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "UPDATE repl_suggestions SET outstanding = ? WHERE stock_key = ?",
            (event.data["outstanding_quantity"], event.aggregate_id),
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
        if added > 0:
            tx.execute(
                "UPDATE repl_suggestions SET answered_by = ?, "
                "outstanding = CASE WHEN outstanding > ? THEN outstanding - ? ELSE 0 END "
                "WHERE stock_key = ? AND outstanding > 0",
                (po_key, added, added, key),
            )

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
