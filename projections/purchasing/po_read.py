"""Queries over purchase orders: the PO list with its filters, and one SKU's incoming supply.

Both take a read store already caught up (`READS` in this package names what
to catch up), open one reading transaction, and join the PO rows with the
queue read model's open supply at read time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from domain.values import PurchaseOrderStatus
from projections.purchasing.coverage import po_key, sku_coverage
from projections.purchasing.models import (
    Coverage,
    IncomingSupply,
    PurchaseOrderLineView,
    PurchaseOrderView,
    Revision,
)
from projections.store import ReadStore, Tx

OPEN = (
    PurchaseOrderStatus.PLACED,
    PurchaseOrderStatus.CONFIRMED,
    PurchaseOrderStatus.DELAYED,
    PurchaseOrderStatus.PARTLY_RECEIVED,
)
STATUSES = ("open", "all", *(s.value for s in PurchaseOrderStatus))
NONE = Coverage(lines=0, units=0)


class UnknownStatusFilter(ValueError):
    """A status filter that is not open, all, or a PO status."""


def as_of(tx: Tx) -> date | None:
    """The day of the latest message time the purchase-order read model has seen."""
    row = tx.one("SELECT at FROM po_clock WHERE id = 1")
    return datetime.fromisoformat(row[0]).date() if row else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _where(status: str, supplier: str | None, sku: str | None) -> tuple[str, list[Any]]:
    if status not in STATUSES:
        raise UnknownStatusFilter(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if status == "open":
        clauses.append(f"o.status IN ({', '.join('?' for _ in OPEN)})")
        params.extend(s.value for s in OPEN)
    elif status != "all":
        clauses.append("o.status = ?")
        params.append(status)
    if supplier is not None:
        clauses.append("s.supplier_id = ?")
        params.append(supplier)
    if sku is not None:
        clauses.append(
            "EXISTS (SELECT 1 FROM po_lines x WHERE x.supplier_key = o.supplier_key AND x.po_id = o.po_id "
            "AND x.sku = ?)"
        )
        params.append(sku)
    return " AND ".join(clauses), params


_FROM = "FROM po_orders o JOIN po_suppliers s ON s.supplier_key = o.supplier_key"


def purchase_orders(
    store: ReadStore, status: str = "open", supplier: str | None = None, sku: str | None = None
) -> list[PurchaseOrderView]:
    """POs by current expected date; `status`: open (default), all, or one PO status."""
    where, params = _where(status, supplier, sku)
    with store.reading() as tx:
        orders = tx.dicts(f"SELECT o.*, s.supplier_id, s.name {_FROM} WHERE {where}", params)
        lines: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in tx.dicts(
            f"SELECT l.* FROM po_lines l WHERE EXISTS (SELECT 1 {_FROM} WHERE {where} "
            "AND o.supplier_key = l.supplier_key AND o.po_id = l.po_id)",
            params,
        ):
            lines[(row["supplier_key"], row["po_id"])].append(row)
        history: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in tx.dicts(
            f"SELECT h.* FROM po_history h WHERE EXISTS (SELECT 1 {_FROM} WHERE {where} "
            "AND o.supplier_key = h.supplier_key AND o.po_id = h.po_id)",
            params,
        ):
            history[(row["supplier_key"], row["po_id"])].append(row)
        today = as_of(tx)
        skus = sorted({line["sku"] for o in orders if o["status"] in _OPEN for line in lines[_key(o)]})
        coverage = {sku: sku_coverage(tx, sku)[1] for sku in skus}
    views = [_view(o, lines[_key(o)], history[_key(o)], coverage, today) for o in orders]
    return sorted(views, key=lambda v: (v.current_expected_date, v.supplier_id, v.purchase_order_id))


_OPEN = {s.value for s in OPEN}


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return row["supplier_key"], row["po_id"]


def _view(
    o: dict[str, Any],
    lines: list[dict[str, Any]],
    history: list[dict[str, Any]],
    coverage: dict[str, dict[str, Coverage]],
    today: date | None,
) -> PurchaseOrderView:
    key = po_key(o["supplier_id"], o["po_id"])
    line_views = [
        PurchaseOrderLineView(
            sku=line["sku"],
            ordered=line["ordered"],
            received=line["received"],
            open=max(0, line["ordered"] - line["received"]),
            covers=coverage.get(line["sku"], {}).get(key, NONE),
        )
        for line in sorted(lines, key=lambda line: line["sku"])
    ]
    promised, expected = date.fromisoformat(o["promised"]), date.fromisoformat(o["expected"])
    is_open = o["status"] in _OPEN
    return PurchaseOrderView(
        purchase_order_id=o["po_id"],
        supplier_id=o["supplier_id"],
        supplier_name=o["name"],
        status=PurchaseOrderStatus(o["status"]),
        placed_at=datetime.fromisoformat(o["placed_at"]),
        expected_date=date.fromisoformat(o["placed_expected"]),
        promised_date=promised,
        current_expected_date=expected,
        confirmations=o["confirmations"],
        delays=o["delays"],
        revisions=[_revision(row) for row in sorted(history, key=lambda row: row["notification_id"])],
        lines=line_views,
        first_received_on=_day(o["first_received_on"]),
        last_received_on=_day(o["last_received_on"]),
        cancel_reason=o["cancel_reason"],
        days_late=_days_late(promised, _day(o["first_received_on"]), is_open, today),
        late_now=is_open and today is not None and today > expected,
        as_of=today,
        covers=Coverage(
            lines=sum(line.covers.lines for line in line_views),
            units=sum(line.covers.units for line in line_views),
        ),
    )


def _days_late(promised: date, first_received: date | None, is_open: bool, today: date | None) -> int | None:
    if first_received is not None:
        return (first_received - promised).days
    if not is_open or today is None:
        return None
    return max(0, (today - promised).days)


def _revision(row: dict[str, Any]) -> Revision:
    return Revision(
        kind=row["kind"],
        expected_date=_day(row["expected"]),
        at=row["at"],
        reason=row["reason"],
        sku=row["sku"],
        quantity=row["quantity"],
    )


_SUPPLY = f"""
SELECT o.status, o.expected, o.confirmations, o.delays {_FROM}
WHERE s.supplier_id = ? AND o.po_id = ?
"""


def incoming_supply(store: ReadStore, sku: str) -> list[IncomingSupply]:
    """The SKU's open purchase-order supply in the order it is expected to arrive."""
    with store.reading() as tx:
        supply, coverage = sku_coverage(tx, sku)
        today = as_of(tx)
        found = []
        for row in supply:
            po = tx.one(_SUPPLY, (row["supplier_id"], row["po_id"]))
            found.append(_incoming(row, po, coverage[row["po_key"]], today))
    return found


def _incoming(
    row: dict[str, Any], po: tuple[Any, ...] | None, covers: Coverage, today: date | None
) -> IncomingSupply:
    arrival = date.fromisoformat(row["arrival"])
    status, expected, confirmations, delays = po if po else (None, None, 0, 0)
    expected_day = _day(expected)
    is_open = status in _OPEN
    return IncomingSupply(
        purchase_order_id=row["po_id"],
        supplier_id=row["supplier_id"],
        quantity=row["open_quantity"],
        expected_date=expected_day,
        expected_arrival=arrival,
        lateness_days=(arrival - expected_day).days if expected_day else None,
        status=PurchaseOrderStatus(status) if status else None,
        confirmed=confirmations > 0,
        delayed=delays > 0,
        late_now=bool(is_open and today and expected_day and today > expected_day),
        covers=covers,
    )
