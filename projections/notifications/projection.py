"""Customer notifications, composed as the Order and Stock events arrive.

The rebuildable tables follow each order line as its customer sees it
(`views.LineView`), keyed by the Order's aggregate id, plus the contact
from `Order.Placed` and the SKU of each Stock: every one of them is filled
from a single aggregate's own stream, so any interleaving of streams gives
the same rows. Composition reads only those rows and the outbox, in the
same transaction as the feed position, so a crash never loses or doubles
a notification.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar

from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.notifications import outbox
from projections.notifications.views import LINE_EVENTS, LineView, advance
from projections.store import Tx

VIEW_COLUMNS = tuple(f.name for f in fields(LineView))
BOOLEAN_COLUMNS = frozenset({"needs_purchase", "cancel_automatic"})
_TYPES = {
    "quantity": "INTEGER NOT NULL",
    "ready": "INTEGER NOT NULL",
    "waiting": "INTEGER NOT NULL",
    "position": "INTEGER",
    "needs_purchase": "INTEGER NOT NULL",
    "offer_quantity": "INTEGER NOT NULL",
    "cancelled": "INTEGER NOT NULL",
    "cancel_automatic": "INTEGER NOT NULL",
}


class NotificationsProjection(Projection):
    name: ClassVar[str] = "notifications"
    version: ClassVar[int] = 1
    tables: ClassVar[dict[str, str]] = {
        "notifications_orders": (
            "order_key TEXT PRIMARY KEY, order_id TEXT NOT NULL, customer_id TEXT NOT NULL, "
            "email TEXT NOT NULL, locale TEXT NOT NULL, shipping_preference TEXT NOT NULL"
        ),
        "notifications_lines": (
            "order_key TEXT NOT NULL, line_id TEXT NOT NULL, "
            + ", ".join(f"{name} {_TYPES.get(name, 'TEXT')}" for name in VIEW_COLUMNS)
            + ", version INTEGER NOT NULL, PRIMARY KEY (order_key, line_id)"
        ),
        "notifications_skus": "stock_key TEXT PRIMARY KEY, sku TEXT NOT NULL",
    }
    kept_tables: ClassVar[dict[str, str]] = outbox.KEPT_TABLES
    indexes: ClassVar[tuple[str, ...]] = outbox.INDEXES

    @handles("Order.Placed")
    def placed(self, tx: Tx, event: ProjectedEvent) -> None:
        data = event.data
        tx.execute(
            "INSERT INTO notifications_orders (order_key, order_id, customer_id, email, locale, "
            "shipping_preference) VALUES (?, ?, ?, ?, ?, ?)",
            (
                event.aggregate_id,
                data["order_id"],
                data["customer_id"],
                data["contact"]["email"],
                data["contact"]["locale"],
                data["shipping_preference"],
            ),
        )
        for line in data["lines"]:
            _save_view(tx, event, line["line_id"], LineView(sku=line["sku"], quantity=line["quantity"]))

    @handles(*LINE_EVENTS)
    def line_changed(self, tx: Tx, event: ProjectedEvent) -> None:
        line_id = event.data["line_id"]
        now = advance(_load_view(tx, event.aggregate_id, line_id), event.event_type, event.data)
        _save_view(tx, event, line_id, now)
        order = tx.dicts(
            "SELECT order_id, customer_id, email, locale, shipping_preference FROM notifications_orders "
            "WHERE order_key = ?",
            (event.aggregate_id,),
        )[0]
        outbox.compose_line(tx, event, order, line_id, now)

    @handles("Stock.Registered")
    def stock_registered(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "INSERT INTO notifications_skus (stock_key, sku) VALUES (?, ?)",
            (event.aggregate_id, event.data["sku"]),
        )

    @handles("Stock.BackInStockAnnounced")
    def back_in_stock(self, tx: Tx, event: ProjectedEvent) -> None:
        sku = tx.one("SELECT sku FROM notifications_skus WHERE stock_key = ?", (event.aggregate_id,))[0]
        for watcher in event.data["watchers"]:
            contact = watcher["contact"]
            recipient = outbox.Recipient(watcher["customer_id"], contact["email"], contact["locale"])
            outbox.compose_back_in_stock(tx, event, sku, recipient, event.data["available_quantity"])


def _load_view(tx: Tx, order_key: str, line_id: str) -> LineView:
    row = tx.dicts(
        f"SELECT {', '.join(VIEW_COLUMNS)} FROM notifications_lines WHERE order_key = ? AND line_id = ?",
        (order_key, line_id),
    )[0]
    return LineView.from_dict({k: bool(v) if k in BOOLEAN_COLUMNS else v for k, v in row.items()})


def _save_view(tx: Tx, event: ProjectedEvent, line_id: str, view: LineView) -> None:
    values: dict[str, Any] = {k: int(v) if k in BOOLEAN_COLUMNS else v for k, v in view.as_dict().items()}
    columns = ("order_key", "line_id", *VIEW_COLUMNS, "version")
    updates = ", ".join(f"{name} = excluded.{name}" for name in (*VIEW_COLUMNS, "version"))
    tx.execute(
        f"INSERT INTO notifications_lines ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT (order_key, line_id) DO UPDATE SET {updates}",
        (event.aggregate_id, line_id, *values.values(), event.aggregate_version),
    )
