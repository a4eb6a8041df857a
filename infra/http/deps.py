"""The app's parts as FastAPI dependencies: its backend, and 404s worded once."""

from __future__ import annotations

from datetime import datetime

from fastapi import HTTPException, Request

from infra.http.backend import Backend


def backend(request: Request) -> Backend:
    found: Backend = request.app.state.backend
    return found


def unknown_order(order_id: str, at: datetime | None = None) -> HTTPException:
    if at is not None:
        return HTTPException(404, f"unknown order {order_id!r} as of {at.isoformat()}: it was not placed yet")
    return HTTPException(404, f"unknown order {order_id!r}: no order event names it")


def unknown_sku(sku: str, at: datetime | None = None) -> HTTPException:
    if at is not None:
        return HTTPException(404, f"unknown SKU {sku!r} as of {at.isoformat()}: no stock event named it yet")
    return HTTPException(404, f"unknown SKU {sku!r}: no stock event names it")
