"""A SKU: stock per warehouse, its queue with live positions, incoming POs against the queue, its audit."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from infra.http.ui import supply
from infra.http.ui.forms import ident
from infra.http.ui.pages.common import Signed, api, make_router, notice
from infra.http.ui.render import live_version, page

router = make_router()
POLICIES = ("priority-fifo-v1", "fifo-v1", "tier-reserve-v1", "tier-reserve-v2", "quota-v1")


@router.get("/skus/{sku}", response_class=HTMLResponse)
async def sku(sku: str, request: Request, session: Signed) -> HTMLResponse:
    version = live_version(request)
    calls = api(request, session)
    position = await calls.get(f"/skus/{ident(sku)}")
    queue = await calls.get(f"/skus/{ident(sku)}/queue")
    audit = await calls.every(f"/skus/{ident(sku)}/audit") if session.may_audit else None
    incoming = position["incoming_supply"]
    return page(
        request,
        "sku.html",
        session,
        active=None,
        live=version,
        notice=notice(request),
        position=position,
        queue=queue,
        audit=audit[-200:] if audit else audit,
        audit_total=len(audit) if audit else 0,
        coverage=supply.coverage(queue["entries"], incoming),
        chart=supply.chart(queue["entries"], incoming),
        policies=POLICIES,
        here=request.url.path,
    )
