"""Pages from Jinja2 templates shipped in this package, with the signed-in caller and a live version.

A live page asked with `X-Antrian-Fragment: 1` (by static/live.js) answers only its
`<main>`'s content, so an update replaces the figures without a reload.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from infra.http.ui import formats
from infra.http.ui.live import version
from infra.http.ui.session import Session

FRAGMENT_HEADER = "x-antrian-fragment"
NAV = (
    ("overview", "Overview", "/ui"),
    ("backorders", "Backorders", "/ui/backorders"),
    ("buyers", "Buyers", "/ui/buyers"),
    ("dead-letters", "Dead letters", "/ui/dead-letters"),
    ("report", "Report", "/ui/report"),
)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("infra.http.ui", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formats.FILTERS)
    return env


def page(
    request: Request, template: str, session: Session | None, status: int = 200, **context: Any
) -> HTMLResponse:
    fragment = request.headers.get(FRAGMENT_HEADER) == "1"
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            session=session,
            nav=NAV,
            fragment=fragment,
            rendered_at=datetime.now(UTC),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def live_version(request: Request) -> str:
    """Taken before the page's figures are fetched, so a change while fetching is not missed."""
    return version(request.app.state.backend)
