"""The purchase-order read model: every PO as its Supplier recorded it, and the shop's clock.

One Supplier aggregate holds all of its POs, so every feed delivers a PO's
events in their order: the status a row holds follows the PO's last event,
exactly as `domain.supplier.PurchaseOrder.status` does. What the Stocks
expect of each PO (open units, arrival with the supplier's lateness) is the
`queue` read model's; the queries join the two by supplier and PO id.

The clock is the latest business time any read event carries (a decision's
as-of, a PO message's time): "late now" is judged against it, never against
the wall clock, so a rebuild or a replayed history reads the same. Stored in
UTC with a fixed width, so the greater text is the later time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from domain.values import PurchaseOrderStatus
from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.store import Tx

_PO = "supplier_key = ? AND po_id = ?"

_CLOCK = (
    "INSERT INTO po_clock (id, utc, at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET "
    "utc = excluded.utc, at = excluded.at WHERE excluded.utc > po_clock.utc "
    "OR (excluded.utc = po_clock.utc AND excluded.at > po_clock.at)"
)
_HISTORY = (
    "INSERT INTO po_history (notification_id, seq, supplier_key, po_id, kind, expected, at, reason, sku, "
    "quantity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id, seq) DO NOTHING"
)
_UTC = "%Y-%m-%dT%H:%M:%S.%f"

# Stock events that carry a decision, hence the business time it was taken at.
_DECISIONS = (
    "Stock.LineRequested",
    "Stock.QueueFilled",
    "Stock.AllocationsRevoked",
    "Stock.EtasRevised",
    "Stock.ReplenishmentSuggested",
)


class PurchaseOrdersProjection(Projection):
    name: ClassVar[str] = "purchase_orders"
    tables: ClassVar[dict[str, str]] = {
        "po_suppliers": "supplier_key TEXT PRIMARY KEY, supplier_id TEXT NOT NULL, name TEXT NOT NULL",
        # placed_expected: the date placed with; promised: the date confirmed (else placed), which
        # lateness is measured against; expected: the current expectation, moved by delays.
        "po_orders": (
            "supplier_key TEXT NOT NULL, po_id TEXT NOT NULL, placed_at TEXT NOT NULL, "
            "placed_expected TEXT NOT NULL, promised TEXT NOT NULL, expected TEXT NOT NULL, "
            "status TEXT NOT NULL, confirmations INTEGER NOT NULL DEFAULT 0, delays INTEGER NOT NULL DEFAULT 0, "
            "first_received_on TEXT, last_received_on TEXT, cancelled_at TEXT, cancel_reason TEXT, "
            "PRIMARY KEY (supplier_key, po_id)"
        ),
        "po_lines": (
            "supplier_key TEXT NOT NULL, po_id TEXT NOT NULL, sku TEXT NOT NULL, ordered INTEGER NOT NULL, "
            "received INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (supplier_key, po_id, sku)"
        ),
        # kind: placed, confirmed, delayed, notice_came_late:<notice>, cancelled, received
        "po_history": (
            "notification_id BIGINT NOT NULL, seq INTEGER NOT NULL, supplier_key TEXT NOT NULL, "
            "po_id TEXT NOT NULL, kind TEXT NOT NULL, expected TEXT, at TEXT, reason TEXT, sku TEXT, "
            "quantity INTEGER, PRIMARY KEY (notification_id, seq)"
        ),
        "po_clock": "id INTEGER PRIMARY KEY, utc TEXT NOT NULL, at TEXT NOT NULL",
    }
    indexes: ClassVar[tuple[str, ...]] = (
        "CREATE INDEX IF NOT EXISTS po_lines_by_sku ON po_lines (sku)",
        "CREATE INDEX IF NOT EXISTS po_history_by_po ON po_history (supplier_key, po_id)",
    )

    # ------------------------------------------------------------ suppliers
    @handles("Supplier.Registered")
    def registered(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "INSERT INTO po_suppliers (supplier_key, supplier_id, name) VALUES (?, ?, ?) "
            "ON CONFLICT (supplier_key) DO UPDATE SET supplier_id = excluded.supplier_id, name = excluded.name",
            (event.aggregate_id, event.data["supplier_id"], event.data["name"]),
        )

    @handles("Supplier.TermsUpdated")
    def renamed(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(
            "UPDATE po_suppliers SET name = ? WHERE supplier_key = ?",
            (event.data["name"], event.aggregate_id),
        )

    # ------------------------------------------------------ purchase orders
    @handles("Supplier.PurchaseOrderPlaced")
    def placed(self, tx: Tx, event: ProjectedEvent) -> None:
        d, key = event.data, event.aggregate_id
        po = d["purchase_order_id"]
        tx.execute(
            "INSERT INTO po_orders (supplier_key, po_id, placed_at, placed_expected, promised, expected, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (supplier_key, po_id) DO NOTHING",
            (key, po, d["placed_at"], d["expected_date"], d["expected_date"], d["expected_date"], "placed"),
        )
        tx.executemany(
            "INSERT INTO po_lines (supplier_key, po_id, sku, ordered) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (supplier_key, po_id, sku) DO NOTHING",
            [(key, po, line["sku"], line["quantity"]) for line in d["lines"]],
        )
        self._history(tx, event, "placed", d["expected_date"], d["placed_at"])
        self._tick(tx, d["placed_at"])

    @handles("Supplier.PurchaseOrderConfirmed")
    def confirmed(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            "UPDATE po_orders SET promised = ?, expected = ?, status = ?, confirmations = confirmations + 1 "
            f"WHERE {_PO}",
            (d["expected_date"], d["expected_date"], "confirmed", event.aggregate_id, d["purchase_order_id"]),
        )
        self._history(tx, event, "confirmed", d["expected_date"], d.get("occurred_at"))
        self._tick(tx, d.get("occurred_at"))

    @handles("Supplier.PurchaseOrderDelayed")
    def delayed(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            f"UPDATE po_orders SET expected = ?, status = ?, delays = delays + 1 WHERE {_PO}",
            (d["expected_date"], "delayed", event.aggregate_id, d["purchase_order_id"]),
        )
        self._history(tx, event, "delayed", d["expected_date"], d.get("occurred_at"), d["reason"])
        self._tick(tx, d.get("occurred_at"))

    @handles("Supplier.PurchaseOrderNoticeCameLate")
    def notice_came_late(self, tx: Tx, event: ProjectedEvent) -> None:
        """Kept in the history only: the receipt before it settled what it would have changed."""
        d = event.data
        kind = f"notice_came_late:{d['notice']}"
        self._history(tx, event, kind, d["expected_date"], d.get("occurred_at"))
        self._tick(tx, d.get("occurred_at"))

    @handles("Supplier.PurchaseOrderCancelled")
    def cancelled(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            f"UPDATE po_orders SET status = ?, cancelled_at = ?, cancel_reason = ? WHERE {_PO}",
            ("cancelled", d.get("occurred_at"), d["reason"], event.aggregate_id, d["purchase_order_id"]),
        )
        self._history(tx, event, "cancelled", None, d.get("occurred_at"), d["reason"])
        self._tick(tx, d.get("occurred_at"))

    @handles("Supplier.PurchaseOrderReceived")
    def received(self, tx: Tx, event: ProjectedEvent) -> None:
        d, key = event.data, event.aggregate_id
        po, on = d["purchase_order_id"], d["received_on"]
        tx.execute(
            f"UPDATE po_lines SET received = received + ? WHERE {_PO} AND sku = ?",
            (d["quantity"], key, po, d["sku"]),
        )
        still_open = tx.one(f"SELECT COUNT(*) FROM po_lines WHERE {_PO} AND received < ordered", (key, po))
        done = still_open is not None and still_open[0] == 0
        status = PurchaseOrderStatus.RECEIVED if done else PurchaseOrderStatus.PARTLY_RECEIVED
        tx.execute(
            "UPDATE po_orders SET status = ?, last_received_on = ?, "
            f"first_received_on = COALESCE(first_received_on, ?) WHERE {_PO}",
            (status.value, on, on, key, po),
        )
        self._history(tx, event, "received", None, on, None, d["sku"], d["quantity"])

    # ---------------------------------------------------------------- clock
    @handles(*_DECISIONS)
    def decided(self, tx: Tx, event: ProjectedEvent) -> None:
        self._tick(tx, event.data["decision"]["as_of"])

    def _tick(self, tx: Tx, at: str | None) -> None:
        if at:
            moment = datetime.fromisoformat(at)
            tx.execute(_CLOCK, (moment.astimezone(UTC).strftime(_UTC), at))

    def _history(
        self,
        tx: Tx,
        event: ProjectedEvent,
        kind: str,
        expected: str | None,
        at: str | None,
        reason: str | None = None,
        sku: str | None = None,
        quantity: int | None = None,
    ) -> None:
        po = event.data["purchase_order_id"]
        row = (event.notification_id, 0, event.aggregate_id, po, kind, expected, at, reason, sku, quantity)
        tx.execute(_HISTORY, row)
