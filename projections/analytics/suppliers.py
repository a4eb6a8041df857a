"""Following each purchase order to its first receipt, as the Supplier measures lateness.

The date a receipt is measured against is the supplier's promise: the date
the PO was placed with, replaced by the date in a confirmation; delay
notices move the expectation but not the promise (domain/supplier.py does
the same for the lateness that feeds ETAs). Only a PO's first receipt
counts, so a PO delivered in parts is judged once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Receipt:
    supplier_key: str
    po_id: str
    promised: date
    received_on: date

    @property
    def delay_days(self) -> int:
        """Positive when late, negative when early."""
        return (self.received_on - self.promised).days


def first_receipts(po_events: Iterable[Mapping[str, Any]]) -> list[Receipt]:
    by_po: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in po_events:
        by_po[(row["supplier_key"], row["po_id"])].append(row)
    receipts = []
    for (supplier_key, po_id), rows in by_po.items():
        rows.sort(key=lambda row: (row["notification_id"], row["seq"]))
        promised: date | None = None
        for row in rows:
            if row["kind"] in ("placed", "confirmed"):
                promised = date.fromisoformat(row["expected"])
            elif row["kind"] == "received" and promised is not None:
                receipts.append(Receipt(supplier_key, po_id, promised, date.fromisoformat(row["on_date"])))
                break
    receipts.sort(key=lambda r: (r.received_on, r.supplier_key, r.po_id))
    return receipts
