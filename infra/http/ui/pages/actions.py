"""Operator actions: review (the message and its impact, before anything is written), then confirm.

Review posts nothing: it shows the message the action sends and what it touches
as the API answers now. Confirm posts that very message to `POST /messages` (a
dead letter's retry to `POST /dead-letters/{id}/retry`) and leads back to the page
the action started from, with the API's outcome.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from infra.http.ui.api import Api
from infra.http.ui.forms import back_to, form, ident
from infra.http.ui.messages import Action, ActionError, build
from infra.http.ui.pages.common import Signed, api, make_router
from infra.http.ui.render import page
from infra.http.ui.session import Session, check_csrf

router = make_router()


@router.post("/actions/review", response_class=HTMLResponse)
async def review(request: Request, session: Signed) -> HTMLResponse:
    given = await _checked(request, session)
    back = back_to(given.get("back"))
    try:
        action = build(given, session.name)
    except (ActionError, KeyError) as error:
        return page(request, "review.html", session, status=422, error=str(error), back=back, action=None)
    calls = api(request, session)
    impact = await _impact(calls, action)
    return page(
        request,
        "review.html",
        session,
        action=action,
        message=orjson.dumps(action.message, option=orjson.OPT_INDENT_2).decode() if action.message else "",
        impact=impact,
        preview=await _preview(calls, action),
        back=back,
        error=None,
    )


@router.post("/actions/confirm")
async def confirm(request: Request, session: Signed) -> RedirectResponse:
    given = await _checked(request, session)
    back = back_to(given.get("back"))
    calls = api(request, session)
    if given.get("letter_id"):
        outcome, why = await _retry(calls, given["letter_id"], given.get("corrected", ""))
    else:
        answer = await calls.post("/messages", orjson.loads(given["message"]))
        (first,) = answer["outcomes"]
        outcome, why = first["outcome"], first["reason"]
    return RedirectResponse(f"{back}?{urlencode({'done': outcome, 'why': why})}", status_code=303)


async def _checked(request: Request, session: Session) -> dict[str, str]:
    if not session.may_act:
        raise HTTPException(403, f"role {session.role.value} may not act; allowed: operator, admin")
    given = await form(request)
    check_csrf(session, given.get("csrf"))
    return given


async def _retry(calls: Api, letter_id: str, corrected: str) -> tuple[str, str]:
    letters = {d["id"]: d for d in await calls.every("/dead-letters")}
    original = letters.get(letter_id, {}).get("original", "")
    body = None if corrected.strip() == original.strip() else _json(corrected)
    answer = await calls.post(f"/dead-letters/{ident(letter_id)}/retry", body)
    return answer["outcome"] or "already resolved", answer["reason"]


def _json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise HTTPException(422, f"the corrected message is not JSON: {error}") from None


async def _preview(calls: Api, action: Action) -> dict[str, Any] | None:
    """The engine's own answer to the message, decided on copies (`POST /messages/preview`): nothing recorded."""
    message = action.message
    if message is None:
        try:
            message = orjson.loads(action.corrected or "")
        except orjson.JSONDecodeError:
            return None  # a letter that is not JSON: its retry is refused again, nothing to preview
    found: dict[str, Any] = await calls.post("/messages/preview", message)
    return found


async def _impact(calls: Api, action: Action) -> dict[str, Any]:
    """What the action touches, as the API answers before it is sent."""
    if action.order_id:
        order = await calls.get(f"/orders/{ident(action.order_id)}")
        queues = {}
        for line in order["lines"]:
            if line["position"] is not None and line["sku"] not in queues:
                queues[line["sku"]] = await calls.get(f"/skus/{ident(line['sku'])}/queue")
        return {"order": order, "queues": queues}
    if action.sku:
        return {"position": await calls.get(f"/skus/{ident(action.sku)}")}
    letters = {d["id"]: d for d in await calls.every("/dead-letters")}
    return {"letter": letters.get(action.letter_id or "")}
