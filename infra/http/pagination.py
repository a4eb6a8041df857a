"""Lists are pages: an opaque cursor and a limit, the same for every list endpoint.

The cursor carries the offset and a fingerprint of the filters and sort it was
made for, so a cursor replayed with other filters is refused (400) instead of
silently skipping rows. Lists are small read-model queries ordered stably, so an
offset into that order is enough; the cursor stays opaque so that can change.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Generic, TypeVar

import orjson
from fastapi import HTTPException, Query
from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last.")
    total: int = Field(description="How many items match, over all pages.")


class PageRequest(BaseModel):
    cursor: str | None = None
    limit: int = 50


def page_request(
    cursor: str | None = Query(None, description="The `next_cursor` of the previous page."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description="Items per page."),
) -> PageRequest:
    return PageRequest(cursor=cursor, limit=limit)


def _fingerprint(query: object) -> str:
    return hashlib.sha256(orjson.dumps(query, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:12]


def encode(offset: int, query: object) -> str:
    raw = orjson.dumps({"o": offset, "q": _fingerprint(query)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, query: object) -> int:
    try:
        found = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, made_for = found["o"], found["q"]
    except (ValueError, KeyError, TypeError):
        raise HTTPException(400, "cursor: not a cursor this service gave") from None
    if not isinstance(offset, int) or offset < 0 or made_for != _fingerprint(query):
        raise HTTPException(400, "cursor: made for other filters or sort; start again without it")
    return offset


def paginate(items: Sequence[T], request: PageRequest, query: object = None) -> Page[T]:
    """One page of `items` (already filtered and sorted); `query` names the filters and sort."""
    start = decode(request.cursor, query) if request.cursor else 0
    end = start + request.limit
    following = encode(end, query) if end < len(items) else None
    return Page[T](items=list(items[start:end]), limit=request.limit, next_cursor=following, total=len(items))
