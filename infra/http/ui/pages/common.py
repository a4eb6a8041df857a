"""What every page needs: the signed-in session as a dependency, the API as that session, a notice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from infra.http.ui.api import Api
from infra.http.ui.session import Session, signed_in

Signed = Annotated[Session, Depends(signed_in)]


def make_router() -> APIRouter:
    return APIRouter(prefix="/ui", include_in_schema=False)


def api(request: Request, session: Session) -> Api:
    return Api(request, session.token)


def notice(request: Request) -> dict[str, str] | None:
    """What the last action came to (set by actions.py's redirect), shown once on the page it led back to."""
    done = request.query_params.get("done")
    if not done:
        return None
    return {"outcome": done, "reason": request.query_params.get("why", "")}
