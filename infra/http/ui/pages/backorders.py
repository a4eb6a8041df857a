"""Every waiting line, filtered, sorted and paged by the API's `GET /backorders`; a row opens its order."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from infra.http.ui.pages.common import Signed, api, make_router
from infra.http.ui.render import page

router = make_router()
FILTERS = ("sku", "customer", "tier", "warehouse", "needs_purchase", "overdue", "min_age_days", "as_of")
SORTS = ("age", "eta", "position", "units")
PAGE_SIZE = 25


@router.get("/backorders", response_class=HTMLResponse)
async def backorders(request: Request, session: Signed) -> HTMLResponse:
    given = {name: request.query_params.get(name, "") for name in FILTERS}
    sort = request.query_params.get("sort", "age")
    cursor = request.query_params.get("cursor")
    given_start = request.query_params.get("start", "")
    start = int(given_start) if given_start.isdigit() else 0  # where the page starts, for its counts only
    found = await api(request, session).get("/backorders", sort=sort, cursor=cursor, limit=PAGE_SIZE, **given)
    return page(
        request,
        "backorders.html",
        session,
        active="backorders",
        found=found,
        given=given,
        sort=sort,
        sorts=SORTS,
        start=start,
        query={k: v for k, v in given.items() if v},
    )
