"""The order side of the queue read model: customers, their lines, substitute offers.

Order events tell who ordered (customer, tier, contact) and what became of
each line; they are stored keyed by the order aggregate and joined to the
Stock-side rows (queue_lines, by order id, where the promises are) only at
query time. Each handler
mirrors one event body of domain/order.py on the line's counters, so a
line's status is derived exactly as `Line.status` derives it.
"""

from __future__ import annotations

from typing import ClassVar

from projections.base import handles
from projections.event import ProjectedEvent
from projections.store import Tx

_LINE = "order_key = ? AND line_id = ?"

# domain.order._queue_left: a line with nothing waiting has no offer.
_LEFT_QUEUE = (
    f"UPDATE queue_order_lines SET offer_sku = NULL, offer_quantity = NULL WHERE {_LINE} AND backordered = 0"
)

# Allocated units move to the line; those of another SKU than the line's are a substitute.
_ALLOCATE = (
    "UPDATE queue_order_lines SET allocated = allocated + ?, "
    "substitute_allocated = substitute_allocated + CASE WHEN sku = ? THEN 0 ELSE ? END, "
    f"backordered = backordered - ? WHERE {_LINE}"
)


class OrderLinesMixin:
    """Handlers and tables for Order events; mixed into BackorderQueueProjection."""

    order_tables: ClassVar[dict[str, str]] = {
        "queue_orders": (
            "order_key TEXT PRIMARY KEY, order_id TEXT NOT NULL, customer_id TEXT NOT NULL, "
            "tier TEXT NOT NULL, placed_at TEXT NOT NULL, email TEXT NOT NULL, shipping TEXT NOT NULL, "
            "accept_substitutes INTEGER NOT NULL, max_wait_days INTEGER"
        ),
        # Counters as in domain.order.Line: ordered = allocated + backordered + cancelled + shipped.
        "queue_order_lines": (
            "order_key TEXT NOT NULL, line_id TEXT NOT NULL, seq INTEGER NOT NULL, sku TEXT NOT NULL, "
            "ordered INTEGER NOT NULL, "
            "allocated INTEGER NOT NULL, substitute_allocated INTEGER NOT NULL, backordered INTEGER NOT NULL, "
            "cancelled INTEGER NOT NULL, shipped INTEGER NOT NULL, offer_sku TEXT, "
            "offer_quantity INTEGER, PRIMARY KEY (order_key, line_id)"
        ),
        "queue_substitutes": (
            "order_key TEXT NOT NULL, line_id TEXT NOT NULL, substitute_sku TEXT NOT NULL, "
            "quantity INTEGER NOT NULL, status TEXT NOT NULL, "
            "PRIMARY KEY (order_key, line_id, substitute_sku)"
        ),
    }
    order_indexes: ClassVar[tuple[str, ...]] = (
        "CREATE UNIQUE INDEX IF NOT EXISTS queue_orders_by_id ON queue_orders (order_id)",
    )

    @handles("Order.Placed")
    def order_placed(self, tx: Tx, event: ProjectedEvent) -> None:
        d, key = event.data, event.aggregate_id
        tx.execute(
            "INSERT INTO queue_orders (order_key, order_id, customer_id, tier, placed_at, email, shipping, "
            "accept_substitutes, max_wait_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                d["order_id"],
                d["customer_id"],
                d["customer_tier"],
                d["placed_at"],
                d["contact"]["email"],
                d["shipping_preference"],
                int(d["accept_substitutes"]),
                d["max_wait_days"],
            ),
        )
        tx.executemany(
            "INSERT INTO queue_order_lines (order_key, line_id, seq, sku, ordered, allocated, substitute_allocated, "
            "backordered, cancelled, shipped) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0)",
            [
                (key, line["line_id"], seq, line["sku"], line["quantity"])
                for seq, line in enumerate(d["lines"])
            ],
        )

    @handles("Order.LineAllocated")
    def line_allocated(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(_ALLOCATE, (d["quantity"], d["sku"], d["quantity"], 0, event.aggregate_id, d["line_id"]))

    @handles("Order.LineBackordered")
    def line_backordered(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        # Its position and promise are the Stock's, read live from queue_lines when asked.
        tx.execute(
            f"UPDATE queue_order_lines SET backordered = backordered + ? WHERE {_LINE}",
            (d["quantity"], event.aggregate_id, d["line_id"]),
        )

    @handles("Order.BackorderFilled")
    def backorder_filled(self, tx: Tx, event: ProjectedEvent) -> None:
        d, line = event.data, (event.aggregate_id, event.data["line_id"])
        tx.execute(_ALLOCATE, (d["quantity"], d["sku"], d["quantity"], d["quantity"], *line))
        tx.execute(_LEFT_QUEUE, line)

    @handles("Order.AllocationRevoked")
    def allocation_revoked(self, tx: Tx, event: ProjectedEvent) -> None:
        # Substitute units taken back do not wait here: they are asked of the line's own SKU next.
        d = event.data
        tx.execute(
            "UPDATE queue_order_lines SET allocated = allocated - ?, "
            "substitute_allocated = substitute_allocated - CASE WHEN sku = ? THEN 0 ELSE ? END, "
            f"backordered = backordered + CASE WHEN sku = ? THEN ? ELSE 0 END WHERE {_LINE}",
            (
                d["quantity"],
                d["sku"],
                d["quantity"],
                d["sku"],
                d["quantity"],
                event.aggregate_id,
                d["line_id"],
            ),
        )

    @handles("Order.SubstituteOffered")
    def substitute_offered(self, tx: Tx, event: ProjectedEvent) -> None:
        d, line = event.data, (event.aggregate_id, event.data["line_id"])
        tx.execute(
            f"UPDATE queue_order_lines SET offer_sku = ?, offer_quantity = ? WHERE {_LINE}",
            (d["substitute_sku"], d["quantity"], *line),
        )
        self._offer_status(tx, line, d["substitute_sku"], d["quantity"], "offered")

    @handles("Order.SubstituteAccepted")
    def substitute_accepted(self, tx: Tx, event: ProjectedEvent) -> None:
        d, line = event.data, (event.aggregate_id, event.data["line_id"])
        tx.execute(_ALLOCATE, (d["quantity"], d["substitute_sku"], d["quantity"], d["quantity"], *line))
        tx.execute(_LEFT_QUEUE, line)
        self._offer_status(tx, line, d["substitute_sku"], d["quantity"], "accepted")

    @handles("Order.SubstituteDeclined")
    def substitute_declined(self, tx: Tx, event: ProjectedEvent) -> None:
        line = (event.aggregate_id, event.data["line_id"])
        tx.execute(
            f"UPDATE queue_order_lines SET offer_sku = NULL, offer_quantity = NULL WHERE {_LINE}", line
        )
        tx.execute(
            f"UPDATE queue_substitutes SET status = 'declined' WHERE {_LINE} AND substitute_sku = ?",
            (*line, event.data["substitute_sku"]),
        )

    @handles("Order.LineCancelled")
    def line_cancelled(self, tx: Tx, event: ProjectedEvent) -> None:
        d, line = event.data, (event.aggregate_id, event.data["line_id"])
        released, withdrawn = d["released_quantity"], d["withdrawn_quantity"]
        tx.execute(
            "UPDATE queue_order_lines SET allocated = allocated - ?, "
            "substitute_allocated = CASE WHEN ? > 0 THEN 0 ELSE substitute_allocated END, "
            f"backordered = backordered - ?, cancelled = cancelled + ? WHERE {_LINE}",
            (released, released, withdrawn, released + withdrawn, *line),
        )
        tx.execute(_LEFT_QUEUE, line)

    @handles("Order.LineShipped")
    def line_shipped(self, tx: Tx, event: ProjectedEvent) -> None:
        # The line's own SKU ships first, so it can only be the first entry.
        shipped = event.data["shipped"]
        total = sum(s["quantity"] for s in shipped)
        first = shipped[0] if shipped else {"sku": "", "quantity": 0}
        tx.execute(
            "UPDATE queue_order_lines SET allocated = allocated - ?, shipped = shipped + ?, "
            "substitute_allocated = substitute_allocated - (? - CASE WHEN sku = ? THEN ? ELSE 0 END) "
            f"WHERE {_LINE}",
            (total, total, total, first["sku"], first["quantity"], event.aggregate_id, event.data["line_id"]),
        )

    @staticmethod
    def _offer_status(tx: Tx, line: tuple[str, str], sku: str, quantity: int, status: str) -> None:
        tx.execute(
            "INSERT INTO queue_substitutes (order_key, line_id, substitute_sku, quantity, status) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_key, line_id, substitute_sku) DO UPDATE SET "
            "quantity = excluded.quantity, status = excluded.status",
            (*line, sku, quantity, status),
        )
