"""The API's refusals as the OpenAPI document declares them, so a client can rely on every status.

FastAPI documents only 200 and its own 422; the 401/403 of a token, the 404 of an
unknown id and the 400 of a foreign cursor are named here once and attached to
the routes that can answer them. A refusal of a parameter's value is worded as
FastAPI's own 422 (`invalid`), so every 422 has one shape.
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel


class Problem(BaseModel):
    detail: str


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


REFUSED: dict[int | str, dict[str, Any]] = {
    401: _problem("no bearer token, or an unknown or revoked one"),
    403: _problem("the token's role may not do this"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _problem("nothing with this id")}
BAD_BODY: dict[int | str, dict[str, Any]] = {400: _problem("a body that is not JSON (FastAPI's own refusal)")}
BAD_CURSOR: dict[int | str, dict[str, Any]] = {
    400: _problem("a cursor this service did not give, or one made for other filters")
}


def invalid(where: tuple[str, ...], message: str) -> RequestValidationError:
    """A 422 for a value FastAPI's own validation let through, in FastAPI's shape."""
    return RequestValidationError([{"loc": where, "msg": message, "type": "value_error"}])
