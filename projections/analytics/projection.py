"""The analytics read model: business facts, each keyed by what it is about.

Nothing is aggregated while applying. Handlers store what one event says
(a line's request, a fill, a take-back, a first promise, a cancellation, a
purchase order's dates) with its business time (the decision's as-of, or
the supplier's dates), and `report.py` computes every figure for the asked
range from those rows. So a metric's definition can change without a
rebuild, and no handler reads another aggregate's rows: Stock facts name
the order id, Order facts the order's aggregate id, and the two are joined
when reading through `Order.create_id`. First promises come from both
streams (the Order's backorder, the Stock's revised promises), keyed by the
order's aggregate id and ordered by the Stock version that made them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.order import order_uuid
from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.store import Tx

_REQUEST = (
    "INSERT INTO analytics_requests (notification_id, stock_key, sku, order_id, line_id, requested, allocated, "
    "backordered, substitute_for, message_id, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (notification_id) DO NOTHING"
)
_MOVEMENT = (
    "INSERT INTO analytics_movements (notification_id, seq, stock_key, order_id, line_id, kind, quantity, at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id, seq) DO NOTHING"
)
# The first promise wins, first by the version of the line's Stock it was made at: a line is
# promised by its order's Order.LineBackordered and its SKU's Stock.EtasRevised, two streams
# no feed keeps in order between them. The same promise can come in both (the change that
# backordered the line): the lower notification id decides, so every interleaving keeps one row.
_PROMISE = (
    "INSERT INTO analytics_promises (order_key, line_id, first_eta, stock_version, notification_id) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_key, line_id) DO UPDATE SET "
    "first_eta = excluded.first_eta, stock_version = excluded.stock_version, "
    "notification_id = excluded.notification_id "
    "WHERE excluded.stock_version < analytics_promises.stock_version "
    "OR (excluded.stock_version = analytics_promises.stock_version "
    "AND excluded.notification_id < analytics_promises.notification_id)"
)
# Every promise a line was given, keyed by the Stock version that made it. The backorder
# (Order stream) and the Stock's change (Stock stream) can both bring one: the Stock's names the
# supplier, confidence and policy, and fills them in whichever comes first.
_PROMISE_LOG = (
    "INSERT INTO analytics_promise_log (order_key, line_id, stock_version, eta, made_at, supplier_id, "
    "confidence, policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_key, line_id, stock_version) "
    "DO UPDATE SET supplier_id = excluded.supplier_id, confidence = excluded.confidence, "
    "policy = excluded.policy, made_at = excluded.made_at WHERE excluded.policy IS NOT NULL"
)
_CANCEL = (
    "INSERT INTO analytics_cancellations (notification_id, order_key, line_id, automatic, withdrawn) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (notification_id) DO NOTHING"
)
_SUPPLIER = (
    "INSERT INTO analytics_suppliers (supplier_key, supplier_id, name) VALUES (?, ?, ?) "
    "ON CONFLICT (supplier_key) DO UPDATE SET supplier_id = excluded.supplier_id, name = excluded.name"
)
_PO = (
    "INSERT INTO analytics_po_events (notification_id, seq, supplier_key, po_id, kind, sku, quantity, "
    "expected, on_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id, seq) DO NOTHING"
)

_PO_KINDS = {
    "Supplier.PurchaseOrderConfirmed": "confirmed",
    "Supplier.PurchaseOrderDelayed": "delayed",
    "Supplier.PurchaseOrderCancelled": "cancelled",
}


class AnalyticsProjection(Projection):
    name: ClassVar[str] = "analytics"
    # 2: first promises also from Stock.EtasRevised (orders no longer record revisions), kept by
    # the Stock version they were made at (analytics_promises.stock_version).
    # 3: every promise, with its supplier and confidence (analytics_promise_log): promises kept.
    version: ClassVar[int] = 3
    tables: ClassVar[dict[str, str]] = {
        # One row per Stock.LineRequested: demand, and what the line got when it asked.
        "analytics_requests": (
            "notification_id BIGINT PRIMARY KEY, stock_key TEXT NOT NULL, sku TEXT NOT NULL, "
            "order_id TEXT NOT NULL, line_id TEXT NOT NULL, requested INTEGER NOT NULL, "
            "allocated INTEGER NOT NULL, backordered INTEGER NOT NULL, substitute_for TEXT, "
            "message_id TEXT NOT NULL, requested_at TEXT NOT NULL"
        ),
        # Changes to a line's waiting units on one Stock: fill, revoke, expire (at = as-of), withdraw (no time).
        "analytics_movements": (
            "notification_id BIGINT NOT NULL, seq INTEGER NOT NULL, stock_key TEXT NOT NULL, "
            "order_id TEXT NOT NULL, line_id TEXT NOT NULL, kind TEXT NOT NULL, quantity INTEGER NOT NULL, "
            "at TEXT, PRIMARY KEY (notification_id, seq)"
        ),
        # A line's first dated promise: the Stock version it was made at, and the event that told it.
        "analytics_promises": (
            "order_key TEXT NOT NULL, line_id TEXT NOT NULL, first_eta TEXT NOT NULL, "
            "stock_version INTEGER NOT NULL, notification_id BIGINT NOT NULL, PRIMARY KEY (order_key, line_id)"
        ),
        # Every promise a line was given (eta NULL: none), the Stock version and business time that
        # made it, the supplier it rests on and its confidence (NULL: recorded before they were kept).
        "analytics_promise_log": (
            "order_key TEXT NOT NULL, line_id TEXT NOT NULL, stock_version INTEGER NOT NULL, eta TEXT, "
            "made_at TEXT, supplier_id TEXT, confidence DOUBLE PRECISION, policy TEXT, "
            "PRIMARY KEY (order_key, line_id, stock_version)"
        ),
        "analytics_cancellations": (
            "notification_id BIGINT PRIMARY KEY, order_key TEXT NOT NULL, line_id TEXT NOT NULL, "
            "automatic INTEGER NOT NULL, withdrawn INTEGER NOT NULL"
        ),
        "analytics_suppliers": "supplier_key TEXT PRIMARY KEY, supplier_id TEXT NOT NULL, name TEXT NOT NULL",
        # kind: placed (one row per line, on_date = placed day), confirmed/delayed (expected), cancelled,
        # received (sku, quantity, on_date = received_on).
        "analytics_po_events": (
            "notification_id BIGINT NOT NULL, seq INTEGER NOT NULL, supplier_key TEXT NOT NULL, "
            "po_id TEXT NOT NULL, kind TEXT NOT NULL, sku TEXT, quantity INTEGER, expected TEXT, on_date TEXT, "
            "PRIMARY KEY (notification_id, seq)"
        ),
    }

    # ------------------------------------------------------------------ stock
    @handles("Stock.LineRequested")
    def line_requested(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        decision = d["decision"]
        tx.execute(
            _REQUEST,
            (
                event.notification_id,
                event.aggregate_id,
                decision["inputs"]["sku"],
                d["order_id"],
                d["line_id"],
                d["requested_quantity"],
                d["allocated_quantity"],
                d["backordered_quantity"],
                d["substitute_for"],
                decision["message_id"],
                decision["as_of"],
            ),
        )

    def _movements(self, tx: Tx, event: ProjectedEvent, kind: str, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        at = event.data["decision"]["as_of"] if "decision" in event.data else None
        tx.executemany(
            _MOVEMENT,
            [
                (
                    event.notification_id,
                    seq,
                    event.aggregate_id,
                    i["order_id"],
                    i["line_id"],
                    kind,
                    i["quantity"],
                    at,
                )
                for seq, i in enumerate(items)
            ],
        )

    @handles("Stock.QueueFilled")
    def queue_filled(self, tx: Tx, event: ProjectedEvent) -> None:
        self._movements(tx, event, "fill", event.data["fills"])

    @handles("Stock.AllocationsRevoked")
    def allocations_revoked(self, tx: Tx, event: ProjectedEvent) -> None:
        self._movements(tx, event, "revoke", event.data["revoked"])

    @handles("Stock.EtasRevised")
    def etas_revised(self, tx: Tx, event: ProjectedEvent) -> None:
        self._movements(tx, event, "expire", event.data["expired"])
        promises = [
            (
                str(order_uuid(c["order_id"])),
                c["line_id"],
                c["eta"],
                event.aggregate_version,
                event.notification_id,
            )
            for c in event.data["changes"]
            if c["eta"] is not None
        ]
        if promises:
            tx.executemany(_PROMISE, promises)
        decision = event.data["decision"]
        tx.executemany(
            _PROMISE_LOG,
            [
                (
                    str(order_uuid(c["order_id"])),
                    c["line_id"],
                    event.aggregate_version,
                    c["eta"],
                    decision["as_of"],
                    c.get("supplier_id"),
                    c.get("confidence"),
                    decision["policy"],
                )
                for c in event.data["changes"]
            ],
        )

    @handles("Stock.Withdrawn")
    def withdrawn(self, tx: Tx, event: ProjectedEvent) -> None:
        self._movements(tx, event, "withdraw", [event.data])

    # ------------------------------------------------------------------ order
    @handles("Order.LineBackordered")
    def promised(self, tx: Tx, event: ProjectedEvent) -> None:
        """The promise a line is backordered with, as of the Stock version that made it.

        Order.EtaRevised (only in stores from before revisions stayed on the Stock) is not
        read: each repeats a change its Stock's Stock.EtasRevised holds.
        """
        d = event.data
        if d["eta"] is not None:
            made_at = (d.get("eta_decision") or d["decision"])["stock_version"]
            tx.execute(_PROMISE, (event.aggregate_id, d["line_id"], d["eta"], made_at, event.notification_id))
            tx.execute(
                _PROMISE_LOG, (event.aggregate_id, d["line_id"], made_at, d["eta"], None, None, None, None)
            )

    @handles("Order.LineCancelled")
    def line_cancelled(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.execute(
            _CANCEL,
            (
                event.notification_id,
                event.aggregate_id,
                d["line_id"],
                int(d["automatic"]),
                d["withdrawn_quantity"],
            ),
        )

    # --------------------------------------------------------------- supplier
    @handles("Supplier.Registered")
    def supplier_registered(self, tx: Tx, event: ProjectedEvent) -> None:
        tx.execute(_SUPPLIER, (event.aggregate_id, event.data["supplier_id"], event.data["name"]))

    @handles("Supplier.TermsUpdated")
    def terms_updated(self, tx: Tx, event: ProjectedEvent) -> None:
        """Same aggregate as its Registered event, which every feed delivers first."""
        tx.execute(
            "UPDATE analytics_suppliers SET name = ? WHERE supplier_key = ?",
            (event.data["name"], event.aggregate_id),
        )

    @handles("Supplier.PurchaseOrderPlaced")
    def po_placed(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        tx.executemany(
            _PO,
            [
                (
                    event.notification_id,
                    seq,
                    event.aggregate_id,
                    d["purchase_order_id"],
                    "placed",
                    line["sku"],
                    line["quantity"],
                    d["expected_date"],
                    d["placed_at"],
                )
                for seq, line in enumerate(d["lines"])
            ],
        )

    @handles(
        "Supplier.PurchaseOrderConfirmed", "Supplier.PurchaseOrderDelayed", "Supplier.PurchaseOrderCancelled"
    )
    def po_changed(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        row = (
            event.notification_id,
            0,
            event.aggregate_id,
            d["purchase_order_id"],
            _PO_KINDS[event.event_type],
            None,
            None,
            d.get("expected_date"),
            None,
        )
        tx.execute(_PO, row)

    @handles("Supplier.PurchaseOrderReceived")
    def po_received(self, tx: Tx, event: ProjectedEvent) -> None:
        d = event.data
        row = (
            event.notification_id,
            0,
            event.aggregate_id,
            d["purchase_order_id"],
            "received",
            d["sku"],
            d["quantity"],
            None,
            d["received_on"],
        )
        tx.execute(_PO, row)
