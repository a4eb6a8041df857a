"""The buyer's page: the replenishment worklist, open POs due or late per supplier, the scorecards worst first."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from infra.http.ui import svg
from infra.http.ui.pages.common import Signed, api, make_router
from infra.http.ui.render import page

router = make_router()
_SPREAD_TITLE = "POs per supplier by days late at first receipt, worst supplier first"


@router.get("/buyers", response_class=HTMLResponse)
async def buyers(request: Request, session: Signed) -> HTMLResponse:
    calls = api(request, session)
    worklist = await calls.every("/replenishment")
    open_pos = await calls.every("/purchase-orders", status="open")
    cards = worst_first(await calls.every("/suppliers"))
    return page(
        request,
        "buyers.html",
        session,
        active="buyers",
        worklist=worklist,
        by_supplier=per_supplier(open_pos),
        cards=cards,
        on_time=svg.bar_chart(
            "On-time rate per supplier, worst first",
            [(_name(c), 100 * (c["on_time_rate"] or 0), _on_time_text(c)) for c in cards],
            top=100,
        ),
        delays=svg.bar_chart(
            "Delay per supplier: p90 days (label: mean / p90)",
            [(_name(c), max(c["p90_delay_days"] or 0, 0), _delay_text(c)) for c in cards],
        ),
        distribution=_distribution(cards),
        received_between=received_between(cards),
    )


def _distribution(cards: list[dict[str, Any]]) -> Markup:
    """Each supplier's first receipts by days late, worst supplier first, one stacked bar each."""
    if not cards:
        return svg.stacked_bar_chart(_SPREAD_TITLE, [], [])
    legend = [_bucket_label(b) for b in cards[0]["delay_distribution"]["buckets"]]
    rows = [
        (
            _name(c),
            [b["pos"] for b in c["delay_distribution"]["buckets"]],
            _received(c["received_pos"]),
        )
        for c in cards
    ]
    return svg.stacked_bar_chart(_SPREAD_TITLE, legend, rows)


def _received(pos: int) -> str:
    return "no receipts" if not pos else f"{pos} PO" if pos == 1 else f"{pos} POs"


def _bucket_label(bucket: dict[str, Any]) -> str:
    low, high = bucket["min_days"], bucket["max_days"]
    if low is None or high == 0:
        return str(bucket["label"])  # early, on time
    return f"over {low - 1} d late" if high is None else f"{low}-{high} d late"


def received_between(cards: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The first and last day of the first receipts the scorecards count, over every supplier."""
    spreads = [c["delay_distribution"] for c in cards if c["delay_distribution"]["first_received_on"]]
    if not spreads:
        return None
    return min(s["first_received_on"] for s in spreads), max(s["last_received_on"] for s in spreads)


def worst_first(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lowest on-time rate first, then the longest mean delay; suppliers without receipts last."""
    return sorted(
        cards,
        key=lambda c: (
            c["on_time_rate"] is None,
            c["on_time_rate"] if c["on_time_rate"] is not None else 1.0,
            -(c["mean_delay_days"] or 0),
            c["supplier_id"],
        ),
    )


def per_supplier(pos: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Open POs grouped by supplier, each group by current expected date; suppliers with a late PO first."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for po in pos:
        groups[f"{po['supplier_name']} ({po['supplier_id']})"].append(po)
    ordered = sorted(groups.items(), key=lambda g: (not any(p["late_now"] for p in g[1]), g[0]))
    return [(name, sorted(items, key=lambda p: p["current_expected_date"])) for name, items in ordered]


def _name(card: dict[str, Any]) -> str:
    return f"{card['name']} ({card['supplier_id']})"


def _on_time_text(card: dict[str, Any]) -> str:
    rate = card["on_time_rate"]
    return "no receipts" if rate is None else f"{100 * rate:.0f}% of {card['received_pos']} POs"


def _delay_text(card: dict[str, Any]) -> str:
    mean, p90 = card["mean_delay_days"], card["p90_delay_days"]
    return "–" if mean is None else f"{mean:+.1f} / {p90:+.1f} d"
