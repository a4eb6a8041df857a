"""The API, called from the dashboard's pages in-process: the same routes, roles and masking a client gets.

Requests go through the ASGI app itself (httpx's ASGITransport), with the signed-in
browser's bearer token: no socket, no second code path, and the API's answer (a 403
for a viewer's audit, a masked email) is what the page shows.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request


class ApiError(Exception):
    """The API refused the page's request; `status` and `detail` are its answer."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class Api:
    def __init__(self, request: Request, token: str) -> None:
        self._app = request.app
        self._headers = {"Authorization": f"Bearer {token}"}

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self._app), base_url="http://antrian.api", timeout=120
        )

    async def get(self, path: str, **params: Any) -> Any:
        kept = {k: v for k, v in params.items() if v is not None and v != ""}
        async with self._client() as client:
            answer = await client.get(path, params=kept, headers=self._headers)
        return _json(answer)

    async def every(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list, following its cursor."""
        items: list[Any] = []
        cursor = None
        while True:
            page = await self.get(path, limit=500, cursor=cursor, **params)
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    async def post(self, path: str, body: Any = None) -> Any:
        async with self._client() as client:
            answer = await client.post(path, json=body, headers=self._headers)
        return _json(answer)


def _json(answer: httpx.Response) -> Any:
    if answer.status_code >= 400:
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text
        raise ApiError(answer.status_code, detail)
    return answer.json()
