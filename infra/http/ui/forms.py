"""Form posts read without a multipart library (the forms are urlencoded), and where they may lead back to."""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from fastapi import HTTPException, Request

MAX_FORM_BYTES = 1_000_000


async def form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "form too large")
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def back_to(target: str | None, default: str = "/ui") -> str:
    """A page of the dashboard to return to; anything else (another site, a scheme) goes to the overview."""
    if target and target.startswith("/ui") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def ident(value: str) -> str:
    """An id as one path segment of an API URL."""
    return quote(value, safe="")
