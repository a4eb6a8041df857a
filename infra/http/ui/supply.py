"""Incoming purchase orders against a queue's cumulative demand: which PO's units go to which waiting lines.

`eta-v1` walks open supply in expected order against the queue's cumulative
quantities; each supply's `covers` (from the API) says how many of those units
waiting lines take. So the first supply serves the head of the queue, the next
the lines after it: walking both here names, for each PO, the queue positions its
units reach. Nothing is decided here: the covers are the read model's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from infra.http.ui import svg


def coverage(queue: list[dict[str, Any]], supply: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each supply with the first and last queue positions its covered units reach (None: none)."""
    ends, total = [], 0
    for entry in queue:
        total += entry["quantity"]
        ends.append((total, entry["position"], entry["quantity"]))
    rows, taken = [], 0
    for item in sorted(supply, key=lambda s: (s["expected_arrival"], s["purchase_order_id"])):
        units = item["covers"]["units"]
        reached = [pos for end, pos, size in ends if taken < end and end - size < taken + units]
        first, last = (reached[0], reached[-1]) if units and reached else (None, None)
        rows.append({**item, "first": first, "last": last, "cumulative": taken + units})
        taken += units
    return rows


def chart(queue: list[dict[str, Any]], supply: list[dict[str, Any]]) -> Markup:
    """Cumulative units arriving by day (supply) beside cumulative units the queue waits for by its ETAs."""
    arrivals = [(date.fromisoformat(s["expected_arrival"]), s["quantity"]) for s in supply]
    promised = [(date.fromisoformat(e["eta"]), e["quantity"]) for e in queue if e["eta"]]
    days = sorted({d for d, _ in arrivals} | {d for d, _ in promised})
    if not days:
        return svg.line_chart("Incoming supply against the queue", [], [], "units")
    return svg.line_chart(
        "Incoming supply against the queue (cumulative units)",
        [d.isoformat()[5:] for d in days],
        [
            ("supply arriving", _cumulative(days, arrivals)),
            ("queue promised by then", _cumulative(days, promised)),
        ],
        "units",
        step=True,
    )


def _cumulative(days: list[date], dated: list[tuple[date, int]]) -> list[float | None]:
    return [float(sum(units for d, units in dated if d <= day)) for day in days]
