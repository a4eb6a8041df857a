"""The app factory: `create_app(settings)` builds the service; nothing connects until it starts.

The stores are opened in the lifespan (when uvicorn, or a test client, starts
the app), not here, so building the app (for the OpenAPI document, say) needs
no store at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from infra.metrics import count_http_request, process_metrics
from infra.settings import Settings

TITLE = "Antrian"
API_VERSION = "1.0.0"


def create_app(settings: Settings) -> FastAPI:
    from infra.http.routes import (
        backorders,
        capacity,
        dead_letters,
        health,
        messages,
        notifications,
        orders,
        purchasing,
        report,
        skus,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from infra.http.backend import Backend
        from infra.http.health import LagWatch
        from infra.http.tokens import TokenStore
        from infra.http.ui.session import Sessions

        backend = Backend(settings)
        app.state.backend = backend
        app.state.tokens = TokenStore(backend.store)
        app.state.ui_sessions = Sessions(backend.store)
        backend.reports.warm()
        app.state.lag_watch = LagWatch(settings.ready_max_lag_seconds)
        try:
            yield
        finally:
            backend.close()

    app = FastAPI(
        title=TITLE,
        version=API_VERSION,
        summary="Backorders, stock positions, audit and upstream messages of an Antrian engine.",
        lifespan=lifespan,
    )
    for module in (
        health,
        skus,
        orders,
        backorders,
        notifications,
        dead_letters,
        report,
        purchasing,
        capacity,
        messages,
    ):
        app.include_router(module.router)
    app.middleware("http")(count_requests)
    app.add_api_route("/metrics", scrape, methods=["GET"], include_in_schema=False)
    from infra.http.ui.mount import mount

    mount(app)  # the browser dashboard at /ui: pages over these very routes
    return app


def scrape(request: Request) -> Response:
    """Prometheus's scrape, open like health: the outbox gauges read first, then every metric."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from infra.projections_observer import observe_outbox

    metrics = process_metrics()
    with request.app.state.backend.querying() as store:
        observe_outbox(store, metrics)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def count_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every answer counted by route template and status, refusals (401, 403) included."""
    response = await call_next(request)
    route = request.scope.get("route")
    template = getattr(route, "path", None) or "unmatched"
    count_http_request(request.method, template, response.status_code)
    return response
