"""The app's parts as FastAPI dependencies: its backend, and 404s worded once."""

from __future__ import annotations

from fastapi import HTTPException, Request

from infra.http.backend import Backend


def backend(request: Request) -> Backend:
    found: Backend = request.app.state.backend
    return found


def unknown_order(order_id: str) -> HTTPException:
    return HTTPException(404, f"unknown order {order_id!r}: no order event names it")


def unknown_sku(sku: str) -> HTTPException:
    return HTTPException(404, f"unknown SKU {sku!r}: no stock event names it")
