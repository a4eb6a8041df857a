"""Dead letters: every refused message with why and its original text; an operator corrects one and retries it."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from infra.http.ui.pages.common import Signed, api, make_router, notice
from infra.http.ui.render import page

router = make_router()


@router.get("/dead-letters", response_class=HTMLResponse)
async def letters(request: Request, session: Signed) -> HTMLResponse:
    shown = request.query_params.get("resolved", "false")
    letters = await api(request, session).every("/dead-letters", resolved=shown if shown != "all" else None)
    return page(
        request,
        "dead_letters.html",
        session,
        active="dead-letters",
        notice=notice(request),
        letters=letters,
        shown=shown,
        here=request.url.path,
    )
