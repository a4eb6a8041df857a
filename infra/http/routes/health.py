"""Liveness and readiness, open to anyone (load balancers, orchestrators): they say nothing personal."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from infra.http.health import checks
from infra.http.models import Health

router = APIRouter(tags=["health"])


@router.get("/health/live", response_model=Health)
def live() -> Health:
    """The process answers."""
    return Health(status="ok", checks=[])


@router.get("/health/ready", response_model=Health, responses={503: {"model": Health}})
def ready(request: Request) -> Health | JSONResponse:
    """The stores answer, the read models keep up with the log, and (production) the broker answers."""
    found = checks(request.app.state.backend, request.app.state.lag_watch)
    if all(check.ok for check in found):
        return Health(status="ok", checks=found)
    body = Health(status="not ready", checks=found)
    return JSONResponse(body.model_dump(mode="json"), status_code=503)
