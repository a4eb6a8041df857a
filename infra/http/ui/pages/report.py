"""The periodic report for a chosen range, with its charts: `GET /report?from&to` drawn."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from infra.http.ui import svg
from infra.http.ui.pages.common import Signed, api, make_router
from infra.http.ui.pages.overview import charts
from infra.http.ui.render import page

router = make_router()


@router.get("/report", response_class=HTMLResponse)
async def report(request: Request, session: Signed) -> HTMLResponse:
    start = request.query_params.get("from", "")
    end = request.query_params.get("to", "")
    found = await api(request, session).get("/report", **{"from": start, "to": end})
    drawn = charts(found)
    drawn["skus"] = svg.bar_chart(
        "Lines backordered at order time, per SKU (most ordered first)",
        [
            (s["sku"], 100 * s["backorder_share"], f"{100 * s['backorder_share']:.0f}% of {s['lines']} lines")
            for s in found["skus"][:15]
        ],
        top=100,
    )
    drawn["suppliers"] = svg.bar_chart(
        "Supplier on time in the range (label: mean delay)",
        [
            (
                f"{s['name']} ({s['supplier_id']})",
                100 * s["on_time_rate"],
                f"{100 * s['on_time_rate']:.0f}%, {s['mean_delay_days']:+.1f} d",
            )
            for s in sorted(found["suppliers"], key=lambda s: (s["on_time_rate"], s["supplier_id"]))
        ],
        top=100,
    )
    return page(
        request,
        "report.html",
        session,
        active="report",
        report=found,
        start=start,
        end=end,
        charts=drawn,
        over_capacity=over_capacity(found["capacity_outlook"]),
    )


def over_capacity(outlook: dict[str, Any]) -> list[dict[str, str]]:
    """One row a warehouse over capacity: its capacity, the weeks over and by how much, the POs, the advice."""
    rows = []
    for w in outlook["warehouses"]:
        if not w["advice_text"]:
            continue
        limits = [f"{w['capacity_units']:,} units" if w["capacity_units"] is not None else ""]
        limits.append(f"{w['capacity_volume']} volume" if w["capacity_volume"] is not None else "")
        weeks = [f"{span}: {_over(week)}" for span, week in _runs(w["weeks_over"])]
        pos = dict.fromkeys(po["po_id"] for week in w["weeks_over"] for po in week["purchase_orders"])
        rows.append(
            {
                "warehouse": w["warehouse"],
                "capacity": " and ".join(x for x in limits if x),
                "weeks": ", ".join(weeks),
                "pos": ", ".join(pos) or "–",
                "advice": w["advice_text"],
            }
        )
    return rows


def _runs(weeks: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Weeks that follow one another over by the same amounts, as one span ("2026-W02 to 2026-W10")."""
    runs: list[list[dict[str, Any]]] = []
    for week in weeks:
        last = runs[-1][-1] if runs else None
        if last and _same(last, week) and date.fromisoformat(week["first_day"]) == _next(last):
            runs[-1].append(week)
        else:
            runs.append([week])
    return [(r[0]["week"] if len(r) == 1 else f"{r[0]['week']} to {r[-1]['week']}", r[0]) for r in runs]


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["over_units"], a["over_volume"]) == (b["over_units"], b["over_volume"])


def _next(week: dict[str, Any]) -> date:
    return date.fromisoformat(week["last_day"]) + timedelta(days=1)


def _over(week: dict[str, Any]) -> str:
    said = [f"{week['over_units']:,} units" if week["over_units"] is not None else ""]
    said.append(f"{week['over_volume']:,.3f} volume" if week["over_volume"] is not None else "")
    return " and ".join(x for x in said if x) + " over"
