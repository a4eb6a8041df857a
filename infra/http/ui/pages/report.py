"""The periodic report for a chosen range, with its charts: `GET /report?from&to` drawn."""

from __future__ import annotations

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
        request, "report.html", session, active="report", report=found, start=start, end=end, charts=drawn
    )
