"""Audit history: every published event about an order or a SKU, in log order.

One row per event (`audit_events`, keyed by notification id, which is the
same in both feeds), and one link row per subject the event concerns
(`audit_links`): an order or a SKU, both named by their aggregate id. Stock
events that name orders (a request, fills, take-backs, ETA changes,
shipments, releases, withdrawals, lines released ahead and the lines they passed) are linked to each of those orders through
`Order.create_id(order_id)`, a pure function of the event, so no handler
ever reads another aggregate's rows and any interleaving of the feeds gives
the same links. A timeline is then one indexed join, sorted by notification
id when asked; summaries are worded at query time from the stored payload
(projections/audit_timeline.py), so rewording them needs no rebuild.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from domain.order import Order
from domain.stock import Stock
from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.store import Tx
from services.outbound import event_types_of

_EVENT = (
    "INSERT INTO audit_events (notification_id, event_type, aggregate_type, aggregate_id, "
    "aggregate_version, business_time, causation_message_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (notification_id) DO NOTHING"
)
_CALLER = (
    "INSERT INTO audit_callers (causation_message_id, caused_by) VALUES (?, ?) "
    "ON CONFLICT (causation_message_id) DO NOTHING"
)
_LINK = "INSERT INTO audit_links (subject, notification_id) VALUES (?, ?) ON CONFLICT DO NOTHING"

# Stock payload fields holding lists of {order_id, line_id, ...}.
LINE_LISTS = ("fills", "revoked", "changes", "expired", "pushed_back", "moved_forward")


def orders_named(data: dict[str, Any]) -> list[str]:
    """Order ids a Stock payload names, in first-mention order."""
    named = [data["order_id"]] if "order_id" in data else []
    for field in LINE_LISTS:
        named.extend(item["order_id"] for item in data.get(field) or ())
    return list(dict.fromkeys(named))


def skus_named(event_type: str, data: dict[str, Any]) -> list[str]:
    """SKUs a Supplier payload names: purchase order lines, a receipt, terms."""
    if event_type == "Supplier.PurchaseOrderReceived":
        return [data["sku"]]
    items = data.get("lines") or data.get("terms") or ()
    return list(dict.fromkeys(item["sku"] for item in items))


def business_time(data: dict[str, Any]) -> str | None:
    """When it happened in the shop, where the payload says; never the recording time.

    Order events refer to the Stock decision (its as-of is null on them), so
    they have none of their own: the timeline's order places them.
    """
    decision = data.get("decision")
    if decision and decision.get("as_of"):
        as_of: str = decision["as_of"]
        return as_of
    for key in ("placed_at", "announced_at", "received_on", "delivered_at"):
        if data.get(key):
            stated: str = data[key]
            return stated
    return None


def order_subject(order_id: str) -> str:
    return str(Order.create_id(order_id))


def sku_subject(sku: str) -> str:
    return str(Stock.create_id(sku))


class AuditProjection(Projection):
    name: ClassVar[str] = "audit"
    # 2: who handed each message in (audit_callers); a store built at 1 lacks them until rebuilt.
    version: ClassVar[int] = 2
    tables: ClassVar[dict[str, str]] = {
        "audit_events": (
            "notification_id BIGINT PRIMARY KEY, event_type TEXT NOT NULL, aggregate_type TEXT NOT NULL, "
            "aggregate_id TEXT NOT NULL, aggregate_version INTEGER NOT NULL, business_time TEXT, "
            "causation_message_id TEXT, data TEXT NOT NULL"
        ),
        # subject: an Order or Stock aggregate id (uuid5 of the order id / SKU).
        "audit_links": "subject TEXT NOT NULL, notification_id BIGINT NOT NULL, PRIMARY KEY (subject, notification_id)",
        # Who handed in each message that caused audited events: a table of its own, one row a
        # message, so a read store made before it gains it by CREATE TABLE IF NOT EXISTS.
        "audit_callers": "causation_message_id TEXT PRIMARY KEY, caused_by TEXT NOT NULL",
    }

    def _record(self, tx: Tx, event: ProjectedEvent, subjects: list[str]) -> None:
        tx.execute(
            _EVENT,
            (
                event.notification_id,
                event.event_type,
                event.aggregate_type,
                event.aggregate_id,
                event.aggregate_version,
                business_time(event.data),
                event.causation_message_id,
                orjson.dumps(event.data).decode(),
            ),
        )
        tx.executemany(_LINK, [(subject, event.notification_id) for subject in subjects])
        if event.causation_message_id is not None and event.caused_by is not None:
            tx.execute(_CALLER, (event.causation_message_id, event.caused_by))

    @handles(*event_types_of("Order"))
    def order_event(self, tx: Tx, event: ProjectedEvent) -> None:
        """Every Order event, a new one included: it is about its order."""
        self._record(tx, event, [event.aggregate_id])

    @handles(*event_types_of("Stock"))
    def stock_event(self, tx: Tx, event: ProjectedEvent) -> None:
        orders = [order_subject(order_id) for order_id in orders_named(event.data)]
        self._record(tx, event, [event.aggregate_id, *orders])

    @handles("Notice.Delivered")
    def notice_delivered(self, tx: Tx, event: ProjectedEvent) -> None:
        """What a customer was told, on the order's timeline (a back-in-stock notice: on the SKU's)."""
        sent = event.data["notification"]
        order_id = sent.get("order_id")
        self._record(tx, event, [order_subject(order_id) if order_id else sku_subject(sent["sku"])])

    @handles(
        "Supplier.Registered",
        "Supplier.TermsUpdated",
        "Supplier.PurchaseOrderPlaced",
        "Supplier.PurchaseOrderReceived",
    )
    def supplier_event(self, tx: Tx, event: ProjectedEvent) -> None:
        """Only the supplier events that name SKUs: they belong on those SKUs' timelines."""
        self._record(tx, event, [sku_subject(sku) for sku in skus_named(event.event_type, event.data)])
