"""The app factory: `create_app(settings)` builds the service; nothing connects until it starts.

The stores are opened in the lifespan (when uvicorn, or a test client, starts
the app), not here, so building the app (for the OpenAPI document, say) needs
no store at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from infra.settings import Settings

TITLE = "Antrian"
API_VERSION = "1.0.0"


def create_app(settings: Settings) -> FastAPI:
    from infra.http.routes import (
        backorders,
        dead_letters,
        health,
        messages,
        notifications,
        orders,
        report,
        skus,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from infra.http.backend import Backend
        from infra.http.health import LagWatch
        from infra.http.tokens import TokenStore

        backend = Backend(settings)
        app.state.backend = backend
        app.state.tokens = TokenStore(backend.store)
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
    for module in (health, skus, orders, backorders, notifications, dead_letters, report, messages):
        app.include_router(module.router)
    return app
