"""Adds the dashboard to the API's app: its pages (left out of the OpenAPI document) and static files."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from infra.http.ui.api import ApiError


def mount(app: FastAPI) -> None:
    from infra.http.ui.pages import (
        actions,
        auth,
        backorders,
        buyers,
        letters,
        live,
        order,
        overview,
        report,
        sku,
    )

    for module in (auth, overview, backorders, order, sku, buyers, letters, report, actions, live):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(packages=[("infra.http.ui", "static")]), name="ui-static")
    app.add_exception_handler(ApiError, refused)  # type: ignore[arg-type]
    app.add_api_route("/ui/", to_overview, methods=["GET"], include_in_schema=False)


def to_overview() -> RedirectResponse:
    return RedirectResponse("/ui", status_code=307)


def refused(request: Request, error: ApiError) -> Response:
    """The API said no to a page's request (an unknown order, a role): the page says what it said."""
    from infra.http.ui.render import page
    from infra.http.ui.session import current

    response: HTMLResponse = page(
        request, "error.html", current(request), status=error.status, error=error, active=None
    )
    return response
