"""Supplier scorecards: punctuality from the analytics read model, fill and open POs from the PO one.

Punctuality is not measured twice: each PO's first receipt against the date
it was confirmed (else placed) with is `projections.analytics.suppliers`,
the same figures `antrian report` prints and the lateness the Supplier
feeds its promises with (domain/supplier.py). Fill rate needs each PO's
lines, which the purchase-order read model keeps.

Those first receipts are also counted by lateness bucket (`distribution`), not
only as a mean and a p90: a supplier often a day late is then told apart from
one mostly on time and now and then a month late.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.analytics.report import mean, p90, share
from projections.analytics.suppliers import Receipt, first_receipts
from projections.purchasing.models import (
    DelayBucket,
    DelayBucketName,
    DelayDistribution,
    MonthFigures,
    SupplierScorecard,
)
from projections.purchasing.po_read import OPEN, as_of
from projections.store import ReadStore


@dataclass(frozen=True)
class Fill:
    """A PO closed after a receipt: units ordered, and received up to the ordered quantity per line."""

    promised: date
    ordered: int
    received: int


_FILLS = """
SELECT o.supplier_key, o.po_id, o.promised, SUM(l.ordered),
       SUM(CASE WHEN l.received < l.ordered THEN l.received ELSE l.ordered END)
FROM po_orders o JOIN po_lines l ON l.supplier_key = o.supplier_key AND l.po_id = o.po_id
WHERE o.status IN ('received', 'cancelled') AND o.first_received_on IS NOT NULL
GROUP BY o.supplier_key, o.po_id, o.promised
"""
_OPEN_POS = f"""
SELECT supplier_key, expected FROM po_orders WHERE status IN ({", ".join("?" for _ in OPEN)})
"""


def figures(receipts: Sequence[Receipt], fills: Sequence[Fill]) -> dict[str, Any]:
    delays = [r.delay_days for r in receipts]
    ordered = sum(f.ordered for f in fills)
    return {
        "received_pos": len(receipts),
        "on_time_rate": share([d <= 0 for d in delays]),
        "mean_delay_days": mean(delays),
        "p90_delay_days": p90(delays),
        "fill_rate": sum(f.received for f in fills) / ordered if ordered else None,
    }


# (bucket, label, fewest days late, most days late); None: unbounded on that side.
DELAY_BUCKETS: tuple[tuple[DelayBucketName, str, int | None, int | None], ...] = (
    ("early", "early", None, -1),
    ("on_time", "on time", 0, 0),
    ("late_1_2", "1-2 days late", 1, 2),
    ("late_3_5", "3-5 days late", 3, 5),
    ("late_6_10", "6-10 days late", 6, 10),
    ("late_11_20", "11-20 days late", 11, 20),
    ("late_over_20", "over 20 days late", 21, None),
)


def distribution(receipts: Sequence[Receipt]) -> DelayDistribution:
    """The first receipts counted by how late they came, every bucket given (zero or not), earliest first."""

    def holds(low: int | None, high: int | None, delay: int) -> bool:
        return (low is None or delay >= low) and (high is None or delay <= high)

    delays = [r.delay_days for r in receipts]
    days = [r.received_on for r in receipts]
    return DelayDistribution(
        buckets=[
            DelayBucket(
                bucket=name,
                label=label,
                min_days=low,
                max_days=high,
                pos=sum(holds(low, high, d) for d in delays),
            )
            for name, label, low, high in DELAY_BUCKETS
        ],
        first_received_on=min(days, default=None),
        last_received_on=max(days, default=None),
    )


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months(receipts: Sequence[Receipt], fills: Sequence[Fill]) -> list[MonthFigures]:
    by_receipt: dict[str, list[Receipt]] = defaultdict(list)
    by_fill: dict[str, list[Fill]] = defaultdict(list)
    for r in receipts:
        by_receipt[_month(r.promised)].append(r)
    for f in fills:
        by_fill[_month(f.promised)].append(f)
    return [
        MonthFigures(month=month, **figures(by_receipt[month], by_fill[month]))
        for month in sorted(set(by_receipt) | set(by_fill))
    ]


def scorecards(store: ReadStore, supplier_id: str | None = None) -> list[SupplierScorecard]:
    """Every supplier's scorecard (or the one named), by supplier id."""
    with store.reading() as tx:
        names = dict(
            (key, (sid, name))
            for key, sid, name in tx.all("SELECT supplier_key, supplier_id, name FROM po_suppliers")
        )
        receipts: dict[str, list[Receipt]] = defaultdict(list)
        for receipt in first_receipts(tx.dicts("SELECT * FROM analytics_po_events")):
            receipts[receipt.supplier_key].append(receipt)
        fills: dict[str, list[Fill]] = defaultdict(list)
        for key, _, promised, ordered, received in tx.all(_FILLS):
            fills[key].append(Fill(date.fromisoformat(promised), int(ordered), int(received)))
        open_pos = tx.all(_OPEN_POS, [s.value for s in OPEN])
        today = as_of(tx)
    cards = []
    for key, (sid, name) in names.items():
        if supplier_id is not None and sid != supplier_id:
            continue
        expected = [date.fromisoformat(e) for k, e in open_pos if k == key]
        cards.append(
            SupplierScorecard(
                supplier_id=sid,
                name=name,
                open_pos=len(expected),
                late_open_pos=sum(today is not None and today > e for e in expected),
                as_of=today,
                months=_months(receipts[key], fills[key]),
                delay_distribution=distribution(receipts[key]),
                **figures(receipts[key], fills[key]),
            )
        )
    return sorted(cards, key=lambda card: card.supplier_id)


def scorecard(store: ReadStore, supplier_id: str) -> SupplierScorecard | None:
    """One supplier's scorecard; None for a supplier no event names."""
    found = scorecards(store, supplier_id)
    return found[0] if found else None
