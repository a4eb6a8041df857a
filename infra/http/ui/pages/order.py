"""An order: its lines, every revised promise, what its customer was sent, its audit and its decisions replayed."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from infra.http.ui.forms import ident
from infra.http.ui.pages.common import Signed, api, make_router, notice
from infra.http.ui.render import live_version, page

router = make_router()
CLOSED = frozenset({"cancelled", "shipped"})


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order(order_id: str, request: Request, session: Signed) -> HTMLResponse:
    version = live_version(request)
    calls = api(request, session)
    found = await calls.get(f"/orders/{ident(order_id)}")
    audit = await calls.every(f"/orders/{ident(order_id)}/audit") if session.may_audit else None
    replay = request.query_params.get("replay") == "1" and session.may_audit
    decisions = await calls.get(f"/orders/{ident(order_id)}/decisions") if replay else None
    return page(
        request,
        "order.html",
        session,
        active=None,
        live=version,
        notice=notice(request),
        order=found,
        audit=audit,
        decisions=decisions,
        closed=CLOSED,
        here=request.url.path,
    )
