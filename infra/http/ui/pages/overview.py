"""The overview: service level, what waits, what is stuck, and two charts, every figure from the API."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from infra.http.ui import svg
from infra.http.ui.api import Api, ApiError
from infra.http.ui.pages.common import Signed, api, make_router, notice
from infra.http.ui.render import live_version, page

router = make_router()


@router.get("", response_class=HTMLResponse)
async def overview(request: Request, session: Signed) -> HTMLResponse:
    version = live_version(request)
    calls = api(request, session)
    report = await calls.get("/report")
    waiting = await calls.every("/backorders", sort="age")
    figures = {
        "report": report,
        "lines_waiting": len(waiting),
        "units_waiting": sum(line["quantity"] for line in waiting),
        "oldest": waiting[0] if waiting else None,
        "overdue": await _total(calls, "/backorders", overdue="true"),
        "needs_purchase": await _total(calls, "/backorders", needs_purchase="true"),
        "dead_letters": await _total(calls, "/dead-letters", resolved="false"),
        "outbox_failed": await _total(calls, "/notifications", status="failed"),
        "outbox_dead": await _total(calls, "/notifications", status="dead"),
        "lag": await _lag(calls),
    }
    return page(
        request,
        "overview.html",
        session,
        active="overview",
        live=version,
        notice=notice(request),
        charts=charts(report),
        **figures,
    )


async def _total(calls: Api, path: str, **filters: Any) -> int:
    found: int = (await calls.get(path, limit=1, **filters))["total"]
    return found


async def _lag(calls: Api) -> str:
    try:
        health = await calls.get("/health/ready")
    except ApiError as error:
        return f"not ready ({error.status})"
    found = [check["detail"] for check in health["checks"] if check["name"] == "projections"]
    return found[0] if found else "–"


def charts(report: dict[str, Any]) -> dict[str, Any]:
    """The two charts every report shows: units waiting per day, and waits per order week."""
    days = report["waiting_units_by_day"]
    weeks = report["waits_by_week"]
    return {
        "waiting": svg.line_chart(
            "Units waiting at the end of each day",
            [d["day"][5:] for d in days],
            [("units waiting", [d["units"] for d in days])],
            "units",
        ),
        "waits": svg.line_chart(
            "Wait until filled, by week ordered",
            [w["week"] for w in weeks],
            [("p50", [w["p50_days"] for w in weeks]), ("p90", [w["p90_days"] for w in weeks])],
            "days",
        ),
        "days": (days[0]["day"], days[-1]["day"]) if days else None,
        "weeks": (weeks[0]["week"], weeks[-1]["week"]) if weeks else None,
    }
