"""Reading the analytics facts and turning them into a report.

Every row is read: the walk that tells whether a line still waits needs all
of its facts, and dates are compared in Python (business times keep the
offset the message was sent with, so their text does not sort as time).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from projections.analytics import report
from projections.analytics.lines import follow, waiting_changes
from projections.analytics.suppliers import first_receipts
from projections.store import Tx


def read_report(tx: Tx, start: date | None = None, end: date | None = None, top: int = 5) -> report.Report:
    requests = tx.dicts("SELECT * FROM analytics_requests")
    movements = tx.dicts("SELECT * FROM analytics_movements")
    outcomes, waiting = follow(
        requests,
        movements,
        {
            (k, line): eta
            for k, line, eta in tx.all("SELECT order_key, line_id, first_eta FROM analytics_promises")
        },
        tx.dicts("SELECT order_key, line_id, automatic FROM analytics_cancellations"),
    )
    receipts = first_receipts(tx.dicts("SELECT * FROM analytics_po_events"))
    names = {
        key: (sid, name)
        for key, sid, name in tx.all("SELECT supplier_key, supplier_id, name FROM analytics_suppliers")
    }
    changes = waiting_changes(requests, movements)
    log = tx.all(
        "SELECT order_key, line_id, stock_version, eta, made_at, supplier_id, confidence, policy "
        "FROM analytics_promise_log"
    )
    today = _latest(requests, movements, log)
    return report.build(outcomes, waiting, receipts, names, start, end, top, changes, log, today)


def _latest(
    requests: list[dict[str, Any]], movements: list[dict[str, Any]], log: list[tuple[Any, ...]]
) -> date:
    """The latest business day any fact names: the day promises not yet settled are judged on."""
    times = [r["requested_at"] for r in requests] + [m["at"] for m in movements if m["at"]]
    times += [row[4] for row in log if row[4]]
    return max((datetime.fromisoformat(t) for t in times), default=datetime.min).date()
