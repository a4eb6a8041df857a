"""Customer notifications, composed as the Order and Stock events arrive.

The rebuildable tables follow each order line as its customer sees it
(`views.LineView`), keyed by the Order's aggregate id, plus the contact
from `Order.Placed`, the SKU of each Stock and the latest promise each
Stock made each line (`Stock.EtasRevised`, with the Stock version it was
made at). A line's promise is whichever is newer by that Stock's version:
the one its order event carries or the Stock's latest, so any interleaving
of the streams gives the same rows. Composition reads only those rows and the outbox, in the
same transaction as the feed position, so a crash never loses or doubles
a notification.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, ClassVar

from domain.order import order_uuid
from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.notifications import outbox
from projections.notifications.views import LINE_EVENTS, LineView, advance, promise_basis, promised
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
    version: ClassVar[int] = 2  # 2: promises from Stock.EtasRevised
    tables: ClassVar[dict[str, str]] = {
        "notifications_orders": (
            "order_key TEXT PRIMARY KEY, order_id TEXT NOT NULL, customer_id TEXT NOT NULL, "
            "email TEXT NOT NULL, locale TEXT NOT NULL, shipping_preference TEXT NOT NULL"
        ),
        "notifications_lines": (
            "order_key TEXT NOT NULL, line_id TEXT NOT NULL, "
            + ", ".join(f"{name} {_TYPES.get(name, 'TEXT')}" for name in VIEW_COLUMNS)
            + ", version INTEGER NOT NULL, eta_version INTEGER, PRIMARY KEY (order_key, line_id)"
        ),
        "notifications_skus": "stock_key TEXT PRIMARY KEY, sku TEXT NOT NULL",
        "notifications_promises": (
            "order_key TEXT NOT NULL, line_id TEXT NOT NULL, stock_version INTEGER NOT NULL, eta TEXT, "
            "needs_purchase INTEGER NOT NULL, PRIMARY KEY (order_key, line_id)"
        ),
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
            view = LineView(sku=line["sku"], quantity=line["quantity"])
            _save_view(tx, event.aggregate_id, line["line_id"], view, event.aggregate_version, None)

    @handles(*LINE_EVENTS)
    def line_changed(self, tx: Tx, event: ProjectedEvent) -> None:
        line_id = event.data["line_id"]
        before, basis = _load_view(tx, event.aggregate_id, line_id)
        now = advance(before, event.event_type, event.data)
        basis = promise_basis(event.event_type, event.data, before, basis)
        latest = tx.one(
            "SELECT stock_version, eta, needs_purchase FROM notifications_promises "
            "WHERE order_key = ? AND line_id = ?",
            (event.aggregate_id, line_id),
        )
        if now.waiting and latest is not None and (basis is None or latest[0] > basis):
            now, basis = promised(now, latest[1], bool(latest[2])), latest[0]
        _save_view(tx, event.aggregate_id, line_id, now, event.aggregate_version, basis)
        outbox.compose_line(tx, event, _order(tx, event.aggregate_id), line_id, now)

    @handles("Stock.EtasRevised")
    def etas_revised(self, tx: Tx, event: ProjectedEvent) -> None:
        """Each line re-promised: remembered, and told if its customer's view changes."""
        sku = None
        for change in event.data["changes"]:
            order_key, line_id = str(order_uuid(change["order_id"])), change["line_id"]
            tx.execute(
                "INSERT INTO notifications_promises (order_key, line_id, stock_version, eta, needs_purchase) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_key, line_id) DO UPDATE SET "
                "stock_version = excluded.stock_version, eta = excluded.eta, "
                "needs_purchase = excluded.needs_purchase "
                "WHERE excluded.stock_version > notifications_promises.stock_version",
                (order_key, line_id, event.aggregate_version, change["eta"], int(change["needs_purchase"])),
            )
            found = _find_view(tx, order_key, line_id)
            if found is None:
                continue  # the order's own stream has not reached this line yet
            before, basis, version = found
            if basis is not None and basis >= event.aggregate_version:
                continue
            now = promised(before, change["eta"], change["needs_purchase"])
            if now == before:
                continue
            _save_view(tx, order_key, line_id, now, version, event.aggregate_version)
            sku = sku or _sku(tx, event.aggregate_id)
            routed = replace(event, aggregate_id=order_key)
            outbox.compose_line(tx, routed, _order(tx, order_key), line_id, now, outbox.stock_source(sku))

    @handles("Notice.Delivered")
    def delivered(self, tx: Tx, event: ProjectedEvent) -> None:
        """A delivery kept with the event store: taken back into an outbox that lost it."""
        d = event.data
        sent = d["notification"]
        if not outbox.took_back_delivery(tx, event, sent, d["subject_key"], d["delivered_at"]):
            return
        if sent.get("line_id") is None:
            return  # a back-in-stock notice: nothing to re-decide
        order_key = str(order_uuid(sent["order_id"]))
        found = _find_view(tx, order_key, sent["line_id"])
        if found is not None:
            outbox.redecide_line(tx, event, _order(tx, order_key), sent["line_id"], found[0])

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


def _order(tx: Tx, order_key: str) -> dict[str, Any]:
    return tx.dicts(
        "SELECT order_id, customer_id, email, locale, shipping_preference FROM notifications_orders "
        "WHERE order_key = ?",
        (order_key,),
    )[0]


def _sku(tx: Tx, stock_key: str) -> str:
    return str(tx.one("SELECT sku FROM notifications_skus WHERE stock_key = ?", (stock_key,))[0])


def _find_view(tx: Tx, order_key: str, line_id: str) -> tuple[LineView, int | None, int] | None:
    """(view, Stock version of its promise, order version) of a line, None if not seen yet."""
    rows = tx.dicts(
        f"SELECT {', '.join(VIEW_COLUMNS)}, eta_version, version FROM notifications_lines "
        "WHERE order_key = ? AND line_id = ?",
        (order_key, line_id),
    )
    if not rows:
        return None
    row = rows[0]
    basis, version = row.pop("eta_version"), row.pop("version")
    view = LineView.from_dict({k: bool(v) if k in BOOLEAN_COLUMNS else v for k, v in row.items()})
    return view, basis, version


def _load_view(tx: Tx, order_key: str, line_id: str) -> tuple[LineView, int | None]:
    found = _find_view(tx, order_key, line_id)
    if found is None:
        raise LookupError(f"order {order_key} has no line {line_id!r} in the notifications read model")
    return found[0], found[1]


def _save_view(
    tx: Tx, order_key: str, line_id: str, view: LineView, version: int, eta_version: int | None
) -> None:
    values: dict[str, Any] = {k: int(v) if k in BOOLEAN_COLUMNS else v for k, v in view.as_dict().items()}
    if not view.waiting:
        eta_version = None  # no promise; the next wait starts from its own decision
    columns = ("order_key", "line_id", *VIEW_COLUMNS, "version", "eta_version")
    updates = ", ".join(f"{name} = excluded.{name}" for name in (*VIEW_COLUMNS, "version", "eta_version"))
    tx.execute(
        f"INSERT INTO notifications_lines ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT (order_key, line_id) DO UPDATE SET {updates}",
        (order_key, line_id, *values.values(), version, eta_version),
    )
