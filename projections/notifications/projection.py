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

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from domain.order import order_uuid
from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.notifications import outbox
from projections.notifications.views import LINE_EVENTS, LineView, advance, place_basis, promise_basis
from projections.store import Tx

VIEW_COLUMNS = tuple(f.name for f in fields(LineView))


@dataclass(frozen=True)
class StockSide:
    """Something the SKU's Stock says about a waiting line that the view shows: its promise, or its place.

    The order's events carry it as of one Stock version; the Stock's own events may
    say something newer, and either stream may arrive first. Each side keeps the
    Stock's latest word per line (`table`) and the view the version it is as of.
    """

    name: str
    table: str
    basis_column: str
    fields: tuple[str, ...]
    types: str
    basis: Callable[[str, dict[str, Any], LineView, int | None], int | None]

    @property
    def schema(self) -> str:
        return (
            f"order_key TEXT NOT NULL, line_id TEXT NOT NULL, stock_version INTEGER NOT NULL, {self.types}, "
            "PRIMARY KEY (order_key, line_id)"
        )


PROMISE = StockSide(
    "promise",
    "notifications_promises",
    "eta_version",
    ("eta", "needs_purchase"),
    "eta TEXT, needs_purchase INTEGER NOT NULL",
    promise_basis,
)
PLACE = StockSide(
    "place", "notifications_places", "place_version", ("position",), "position INTEGER NOT NULL", place_basis
)
SIDES = (PROMISE, PLACE)
NO_BASES: dict[str, int | None] = {side.name: None for side in SIDES}
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
            + ", version INTEGER NOT NULL, "
            + ", ".join(f"{side.basis_column} INTEGER" for side in SIDES)
            + ", PRIMARY KEY (order_key, line_id)"
        ),
        "notifications_skus": "stock_key TEXT PRIMARY KEY, sku TEXT NOT NULL",
        **{side.table: side.schema for side in SIDES},
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
            _save_view(tx, event.aggregate_id, line["line_id"], view, event.aggregate_version, NO_BASES)

    @handles(*LINE_EVENTS)
    def line_changed(self, tx: Tx, event: ProjectedEvent) -> None:
        line_id = event.data["line_id"]
        stored = _load_view(tx, event.aggregate_id, line_id)
        now = advance(stored.view, event.event_type, event.data)
        bases = dict(stored.bases)
        for side in SIDES:
            basis = side.basis(event.event_type, event.data, stored.view, bases[side.name])
            latest = _latest(tx, side, event.aggregate_id, line_id)
            if now.waiting and latest is not None and (basis is None or latest[0] > basis):
                now, basis = replace(now, **latest[1]), latest[0]
            bases[side.name] = basis
        _save_view(tx, event.aggregate_id, line_id, now, event.aggregate_version, bases)
        outbox.compose_line(tx, event, _order(tx, event.aggregate_id), line_id, now)

    @handles("Stock.EtasRevised")
    def etas_revised(self, tx: Tx, event: ProjectedEvent) -> None:
        """Each line re-promised: remembered, and told if its customer's view changes."""
        for change in event.data["changes"]:
            promise = {"eta": change["eta"], "needs_purchase": change["needs_purchase"]}
            self._stock_says(tx, event, PROMISE, change["order_id"], change["line_id"], promise)

    @handles("Stock.LineRequested")
    def line_requested(self, tx: Tx, event: ProjectedEvent) -> None:
        """Lines a higher tier joined ahead of: their new places, told once they lost a few.

        A join at the head of a long queue moves many lines at once, so a push only
        updates the view and composes when the line is PUSH_TOLD places behind its
        latest notification (outbox.pushed_far_enough): a few queries per line, not a compose.
        """
        self._pushed(tx, event, event.data.get("pushed_back") or ())

    @handles("Stock.LineReleasedAhead", "Stock.ReleaseWithdrawn")
    def line_moved(self, tx: Tx, event: ProjectedEvent) -> None:
        """A line an operator released ahead (or whose release was withdrawn): its customer is told
        its new place; the lines it passed are moved back (told once they lost a few, as for a join),
        those it fell behind move up (their place kept for the next notification)."""
        d = event.data
        order_key, line_id = str(order_uuid(d["order_id"])), d["line_id"]
        now = self._placed(tx, order_key, line_id, event.aggregate_version, d["queue_position"])
        if now is not None:
            routed = replace(event, aggregate_id=order_key)
            sku = _sku(tx, event.aggregate_id)
            outbox.compose_line(tx, routed, _order(tx, order_key), line_id, now, outbox.stock_source(sku))
        self._pushed(tx, event, d.get("pushed_back") or ())
        for place in d.get("moved_forward") or ():
            moved_key = str(order_uuid(place["order_id"]))
            self._placed(tx, moved_key, place["line_id"], event.aggregate_version, place["queue_position"])

    def _pushed(self, tx: Tx, event: ProjectedEvent, pushed: Any) -> None:
        if not pushed:
            return
        version, sku = event.aggregate_version, None
        for place in pushed:
            order_key, line_id = str(order_uuid(place["order_id"])), place["line_id"]
            now = self._placed(tx, order_key, line_id, version, place["queue_position"])
            if now is None:
                continue
            sku = sku or _sku(tx, event.aggregate_id)
            if outbox.pushed_far_enough(tx, place["order_id"], line_id, version, sku, now.position or 0):
                routed = replace(event, aggregate_id=order_key)
                outbox.compose_pushed(tx, routed, _order(tx, order_key), line_id, now, sku)

    def _placed(self, tx: Tx, order_key: str, line_id: str, version: int, position: int) -> LineView | None:
        """The view with the Stock's new place for the line; None if it did not change."""
        _remember(tx, PLACE, order_key, line_id, version, {"position": position})
        stored = _find_view(tx, order_key, line_id)
        if stored is None or not stored.view.waiting:
            return None
        basis = stored.bases[PLACE.name]
        if basis is not None and basis >= version:
            return None
        now = replace(stored.view, position=position)
        _save_view(tx, order_key, line_id, now, stored.version, {**stored.bases, PLACE.name: version})
        return None if now == stored.view else now

    def _stock_says(
        self,
        tx: Tx,
        event: ProjectedEvent,
        side: StockSide,
        order_id: str,
        line_id: str,
        values: dict[str, Any],
    ) -> None:
        order_key = str(order_uuid(order_id))
        _remember(tx, side, order_key, line_id, event.aggregate_version, values)
        stored = _find_view(tx, order_key, line_id)
        if stored is None:
            return  # the order's own stream has not reached this line yet
        basis = stored.bases[side.name]
        if not stored.view.waiting or (basis is not None and basis >= event.aggregate_version):
            return
        now = replace(stored.view, **values)
        _save_view(
            tx, order_key, line_id, now, stored.version, {**stored.bases, side.name: event.aggregate_version}
        )
        if now == stored.view:
            return  # as of a newer version, saying the same: nothing to tell
        sku = _sku(tx, event.aggregate_id)
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
        stored = _find_view(tx, order_key, sent["line_id"])
        if stored is not None:
            outbox.redecide_line(tx, event, _order(tx, order_key), sent["line_id"], stored.view)

    @handles("Stock.Registered")
    def stock_registered(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "INSERT INTO notifications_skus (stock_key, sku) VALUES (?, ?)",
            (event.aggregate_id, event.data["sku"]),
        )

    @handles("Stock.BackInStockAnnounced")
    def back_in_stock(self, tx: Tx, event: ProjectedEvent) -> None:
        sku = _sku(tx, event.aggregate_id)
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
    """The SKU of a Stock: a Stock's other events always follow its Stock.Registered in the feed."""
    row = tx.one("SELECT sku FROM notifications_skus WHERE stock_key = ?", (stock_key,))
    if row is None:
        raise LookupError(f"Stock {stock_key}: an event before its Stock.Registered")
    return str(row[0])


@dataclass(frozen=True)
class StoredView:
    view: LineView
    bases: dict[str, int | None]  # by side: the Stock version the view's promise / place is as of
    version: int  # the order's


def _find_view(tx: Tx, order_key: str, line_id: str) -> StoredView | None:
    """A line's view as stored, None if its order was not seen yet."""
    bases = [side.basis_column for side in SIDES]
    rows = tx.dicts(
        f"SELECT {', '.join(VIEW_COLUMNS)}, {', '.join(bases)}, version FROM notifications_lines "
        "WHERE order_key = ? AND line_id = ?",
        (order_key, line_id),
    )
    if not rows:
        return None
    row = rows[0]
    found = {side.name: row.pop(side.basis_column) for side in SIDES}
    version = row.pop("version")
    view = LineView.from_dict({k: bool(v) if k in BOOLEAN_COLUMNS else v for k, v in row.items()})
    return StoredView(view, found, version)


def _load_view(tx: Tx, order_key: str, line_id: str) -> StoredView:
    found = _find_view(tx, order_key, line_id)
    if found is None:
        raise LookupError(f"order {order_key} has no line {line_id!r} in the notifications read model")
    return found


def _save_view(
    tx: Tx, order_key: str, line_id: str, view: LineView, version: int, bases: dict[str, int | None]
) -> None:
    values: dict[str, Any] = {k: int(v) if k in BOOLEAN_COLUMNS else v for k, v in view.as_dict().items()}
    # A line that does not wait has no promise or place: the next wait starts from its own decision.
    values.update({side.basis_column: bases[side.name] if view.waiting else None for side in SIDES})
    columns = ("order_key", "line_id", *values, "version")
    updates = ", ".join(f"{name} = excluded.{name}" for name in (*values, "version"))
    tx.execute(
        f"INSERT INTO notifications_lines ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT (order_key, line_id) DO UPDATE SET {updates}",
        (order_key, line_id, *values.values(), version),
    )


def _remember(
    tx: Tx, side: StockSide, order_key: str, line_id: str, version: int, values: dict[str, Any]
) -> None:
    """The Stock's latest word on the line, whichever stream gets here first."""
    names = list(values)
    stored = [int(v) if k in BOOLEAN_COLUMNS else v for k, v in values.items()]
    tx.execute(
        f"INSERT INTO {side.table} (order_key, line_id, stock_version, {', '.join(names)}) "
        f"VALUES (?, ?, ?, {', '.join('?' * len(names))}) ON CONFLICT (order_key, line_id) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in ("stock_version", *names))
        + f" WHERE excluded.stock_version > {side.table}.stock_version",
        (order_key, line_id, version, *stored),
    )


def _latest(tx: Tx, side: StockSide, order_key: str, line_id: str) -> tuple[int, dict[str, Any]] | None:
    names = side.fields
    row = tx.one(
        f"SELECT stock_version, {', '.join(names)} FROM {side.table} WHERE order_key = ? AND line_id = ?",
        (order_key, line_id),
    )
    if row is None:
        return None
    return row[0], {k: bool(v) if k in BOOLEAN_COLUMNS else v for k, v in zip(names, row[1:], strict=True)}
