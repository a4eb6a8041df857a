"""The backorder queue read model: who waits for what, in the order they will be served.

Stock events are mirrored line by line into `queue_lines`, one row per
(stock, order, line), exactly as the Stock's own queue changes: a request
queues its backorder (merged with the line's entry if it already waits), a
fill takes units from the line, a take-back re-queues the line unless the
units were a substitute, an expiry or withdrawal removes it. Rows stay when
nothing waits any more, because a later take-back re-queues with the
line's tier, placed-at and wait limit, which only the earlier request told.

Queue positions are never stored: the Stock's queue is always sorted by its
policy's key, so a position is computed when asked, from the rows and the
SKU's current policy (projections/queue_read.py). Promises are the Stock's
too: one `Stock.EtasRevised` names every line a decision re-promised, and a
line counts a revision each time a promise the customer was told changed. What orders
and customers say (Order events) lives in tables of its own
(projections/queue_orders.py) and is joined at query time, so any
interleaving of Stock and Order events gives the same read model.
"""

from __future__ import annotations

from typing import ClassVar

from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.queue_orders import OrderLinesMixin
from projections.store import Tx

_LINE = "stock_key = ? AND order_id = ? AND line_id = ?"

# A line that starts waiting again gets a fresh entry: new since, no promise yet.
# `told`: whether its next promise revises something the customer was told. Not
# after a request (that promise comes with the backorder), but after a take-back
# (they were told the units were theirs).
_REQUEUE = """
    since = CASE WHEN {t}waiting = 0 THEN {since} ELSE {t}since END,
    eta = CASE WHEN {t}waiting = 0 THEN NULL ELSE {t}eta END,
    needs_purchase = CASE WHEN {t}waiting = 0 THEN 0 ELSE {t}needs_purchase END,
    told = CASE WHEN {t}waiting = 0 THEN {told} ELSE {t}told END
"""

_REQUESTED = f"""
INSERT INTO queue_lines
    (stock_key, order_id, line_id, tier, placed_at, wait_limit, held_substitute_for,
     waiting, since, eta, needs_purchase)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)
ON CONFLICT (stock_key, order_id, line_id) DO UPDATE SET
    tier = excluded.tier,
    placed_at = excluded.placed_at,
    wait_limit = excluded.wait_limit,
    held_substitute_for = CASE WHEN ? > 0 THEN excluded.held_substitute_for
                               ELSE queue_lines.held_substitute_for END,
    waiting = queue_lines.waiting + excluded.waiting,
    {_REQUEUE.format(t="queue_lines.", since="excluded.since", told=0)}
"""

_REVOKED = f"""
UPDATE queue_lines SET
    waiting = waiting + ?,
    {_REQUEUE.format(t="", since="?", told=1)}
WHERE {_LINE} AND held_substitute_for IS NULL
"""


class BackorderQueueProjection(OrderLinesMixin, Projection):
    name: ClassVar[str] = "queue"
    # 2: promises and their revisions from Stock.EtasRevised only; 3: units on hand per warehouse
    version: ClassVar[int] = 3
    tables: ClassVar[dict[str, str]] = {
        "queue_skus": "stock_key TEXT PRIMARY KEY, sku TEXT NOT NULL, policy TEXT NOT NULL",
        # held_substitute_for: the SKU a reservation here replaces (Stock's Reservation.substitute_for);
        # units taken back from such a reservation are asked of the line's own SKU, not queued here.
        "queue_lines": (
            "stock_key TEXT NOT NULL, order_id TEXT NOT NULL, line_id TEXT NOT NULL, "
            "tier TEXT NOT NULL, placed_at TEXT NOT NULL, wait_limit TEXT, held_substitute_for TEXT, "
            "waiting INTEGER NOT NULL, since TEXT NOT NULL, eta TEXT, needs_purchase INTEGER NOT NULL, "
            "told INTEGER NOT NULL DEFAULT 0, eta_revisions INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (stock_key, order_id, line_id)"
        ),
        "queue_inbound": (
            "stock_key TEXT NOT NULL, po_key TEXT NOT NULL, po_id TEXT NOT NULL, supplier_id TEXT NOT NULL, "
            "open_quantity INTEGER NOT NULL, arrival TEXT NOT NULL, PRIMARY KEY (stock_key, po_key)"
        ),
        # Which warehouses stock the SKU and how many units each holds: the Stock's on_hand, kept
        # from its own events (one aggregate's events arrive in order on either feed).
        "queue_on_hand": (
            "stock_key TEXT NOT NULL, warehouse TEXT NOT NULL, on_hand INTEGER NOT NULL, "
            "PRIMARY KEY (stock_key, warehouse)"
        ),
        **OrderLinesMixin.order_tables,
    }
    indexes: ClassVar[tuple[str, ...]] = (
        "CREATE UNIQUE INDEX IF NOT EXISTS queue_skus_by_sku ON queue_skus (sku)",
        # Most rows are lines that never waited or no longer wait: index only the waiting ones.
        "CREATE INDEX IF NOT EXISTS queue_lines_waiting ON queue_lines (stock_key) WHERE waiting > 0",
        *OrderLinesMixin.order_indexes,
    )

    # ------------------------------------------------------------ the SKU
    @handles("Stock.Registered")
    def registered(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            "INSERT INTO queue_skus (stock_key, sku, policy) VALUES (?, ?, ?)",
            (event.aggregate_id, d["sku"], d["allocation_policy"]),
        )

    @handles("Stock.Configured")
    def configured(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "UPDATE queue_skus SET policy = ? WHERE stock_key = ?",
            (event.data["allocation_policy"], event.aggregate_id),
        )

    # ---------------------------------------------------------- the queue
    @handles("Stock.LineRequested")
    def line_requested(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        allocated = d["allocated_quantity"]
        tx.execute(
            _REQUESTED,
            (
                event.aggregate_id,
                d["order_id"],
                d["line_id"],
                d["customer_tier"],
                d["placed_at"],
                d["wait_limit"],
                d["substitute_for"] if allocated else None,
                d["backordered_quantity"],
                d["waiting_since"],
                allocated,
            ),
        )

    @handles("Stock.QueueFilled")
    def queue_filled(self, tx: Tx, event: ProjectedEvent) -> None:
        # Units served from the queue are held as the line's own: a later take-back re-queues them.
        tx.executemany(
            f"UPDATE queue_lines SET waiting = waiting - ?, held_substitute_for = NULL WHERE {_LINE}",
            [(f["quantity"], event.aggregate_id, f["order_id"], f["line_id"]) for f in event.data["fills"]],
        )

    @handles("Stock.AllocationsRevoked")
    def allocations_revoked(self, tx: Tx, event: ProjectedEvent) -> None:
        since = event.data["waiting_since"]
        tx.executemany(
            _REVOKED,
            [
                (r["quantity"], since, event.aggregate_id, r["order_id"], r["line_id"])
                for r in event.data["revoked"]
            ],
        )

    @handles("Stock.EtasRevised")
    def etas_revised(self, tx: Tx, event: ProjectedEvent) -> None:
        d, key = event.data, event.aggregate_id
        if d["changes"]:
            tx.executemany(
                "UPDATE queue_lines SET eta = ?, needs_purchase = ?, eta_revisions = eta_revisions + told, "
                f"told = 1 WHERE {_LINE}",
                [
                    (
                        c["eta"],
                        int(c["needs_purchase"]),
                        key,
                        c["order_id"],
                        c["line_id"],
                    )
                    for c in d["changes"]
                ],
            )
        if d["expired"]:
            tx.executemany(
                f"UPDATE queue_lines SET waiting = 0 WHERE {_LINE}",
                [(key, x["order_id"], x["line_id"]) for x in d["expired"]],
            )

    @handles("Stock.Withdrawn")
    def withdrawn(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            f"UPDATE queue_lines SET waiting = 0 WHERE {_LINE}",
            (event.aggregate_id, d["order_id"], d["line_id"]),
        )

    # ------------------------------------------------- open purchase orders
    @handles("Stock.InboundScheduled")
    def inbound_scheduled(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            "INSERT INTO queue_inbound (stock_key, po_key, po_id, supplier_id, open_quantity, arrival) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stock_key, po_key) DO UPDATE SET "
            "open_quantity = excluded.open_quantity, arrival = excluded.arrival",
            (
                event.aggregate_id,
                d["purchase_order_key"],
                d["purchase_order_id"],
                d["supplier_id"],
                d["open_quantity"],
                d["expected_arrival"],
            ),
        )

    @handles("Stock.InboundCancelled")
    def inbound_cancelled(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "DELETE FROM queue_inbound WHERE stock_key = ? AND po_key = ?",
            (event.aggregate_id, event.data["purchase_order_key"]),
        )

    @handles("Stock.Received")
    def received(self, tx: Tx, event: ProjectedEvent) -> None:
        self._on_hand(tx, event, event.data["quantity"])
        po_key = event.data["purchase_order_key"]
        if po_key is None:
            return
        key = (event.aggregate_id, po_key)
        tx.execute(
            "UPDATE queue_inbound SET open_quantity = open_quantity - ? WHERE stock_key = ? AND po_key = ?",
            (event.data["quantity"], *key),
        )
        tx.execute("DELETE FROM queue_inbound WHERE stock_key = ? AND po_key = ? AND open_quantity <= 0", key)

    @handles("Stock.Adjusted")
    def adjusted(self, tx: Tx, event: ProjectedEvent) -> None:
        self._on_hand(tx, event, event.data["counted_quantity"], counted=True)

    @handles("Stock.Shipped")
    def shipped(self, tx: Tx, event: ProjectedEvent) -> None:
        self._on_hand(tx, event, -event.data["quantity"])

    @staticmethod
    def _on_hand(tx: Tx, event: ProjectedEvent, units: int, counted: bool = False) -> None:
        """Add `units` to the warehouse's count, or set it to them when a count says so."""
        new = "excluded.on_hand" if counted else "queue_on_hand.on_hand + excluded.on_hand"
        tx.execute(
            "INSERT INTO queue_on_hand (stock_key, warehouse, on_hand) VALUES (?, ?, ?) "
            f"ON CONFLICT (stock_key, warehouse) DO UPDATE SET on_hand = {new}",
            (event.aggregate_id, event.data["warehouse"], units),
        )
