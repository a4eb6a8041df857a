"""The live pages' version (ui/live.py), polled by static/live.js: tells nothing but whether to refresh."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from infra.http.ui.pages.common import Signed, make_router
from infra.http.ui.render import live_version

router = make_router()


@router.get("/live/version")
def live(request: Request, session: Signed) -> JSONResponse:
    return JSONResponse({"version": live_version(request)}, headers={"Cache-Control": "no-store"})
