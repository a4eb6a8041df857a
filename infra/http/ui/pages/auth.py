"""Sign in with a token, sign out: the token checked by the API's own token store, then kept server-side."""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from infra.http.ui.forms import back_to, form
from infra.http.ui.pages.common import Signed, make_router
from infra.http.ui.render import page
from infra.http.ui.session import (
    COOKIE,
    PATH,
    PRE_COOKIE,
    Session,
    check_csrf,
    current,
    sessions_of,
    set_cookie,
)

router = make_router()


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/ui") -> HTMLResponse:  # noqa: A002 - the query's name
    return _form(request, back_to(next), None)


@router.post("/signin")
async def signin(request: Request) -> Response:
    given = await form(request)
    target = back_to(given.get("next"))
    pre = request.cookies.get(PRE_COOKIE, "")
    if not pre or not hmac.compare_digest(pre, given.get("csrf", "")):
        raise HTTPException(403, "the sign-in form's CSRF token is missing or wrong: reload the page")
    token = given.get("token", "").strip()
    with request.app.state.backend.lock:
        info = request.app.state.tokens.verify(token)
    if info is None:
        return _form(request, target, "unknown or revoked token", status=401)
    with request.app.state.backend.lock:
        session_id = sessions_of(request).open(Session(token=token, name=info.name, role=info.role))
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, COOKIE, session_id)
    response.delete_cookie(PRE_COOKIE, path=PATH)
    return response


@router.post("/signout")
async def signout(request: Request, session: Signed) -> RedirectResponse:
    check_csrf(session, (await form(request)).get("csrf"))
    with request.app.state.backend.lock:
        sessions_of(request).close(request.cookies.get(COOKIE))
    response = RedirectResponse(f"{PATH}/signin", status_code=303)
    response.delete_cookie(COOKIE, path=PATH)
    return response


def _form(request: Request, target: str, error: str | None, status: int = 200) -> HTMLResponse:
    pre = secrets.token_urlsafe(32)
    response = page(
        request, "signin.html", current(request), status=status, csrf=pre, next=target, error=error
    )
    set_cookie(response, request, PRE_COOKIE, pre)
    return response
