"""Who is calling and what they may do: bearer tokens, roles, and personal data masked for some.

Every endpoint but health names the roles it admits (`allow(...)`): no token or
an unknown one is 401, a known one of another role 403. Viewers and operators
never see a customer's email: responses to them are masked as a whole
(`shown`), so a new field holding an email cannot leak through a forgotten spot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from infra.http.tokens import Role, TokenInfo, TokenStore

READERS = (Role.VIEWER, Role.OPERATOR, Role.AUDITOR, Role.ADMIN)
AUDITORS = (Role.AUDITOR, Role.ADMIN)
WRITERS = (Role.OPERATOR, Role.ADMIN)
SEES_PERSONAL_DATA = frozenset(AUDITORS)

_bearer = HTTPBearer(auto_error=False, description="A token from `antrian token create`.")
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")

M = TypeVar("M", bound=BaseModel)


class Caller(BaseModel):
    name: str
    role: Role

    @property
    def sees_personal_data(self) -> bool:
        return self.role in SEES_PERSONAL_DATA


def tokens_of(request: Request) -> TokenStore:
    store: TokenStore = request.app.state.tokens
    return store


def allow(*roles: Role) -> Callable[..., Caller]:
    """A dependency admitting callers with one of `roles`."""

    def caller(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Caller:
        if credentials is None:
            raise HTTPException(401, "a bearer token is needed", headers={"WWW-Authenticate": "Bearer"})
        with request.app.state.backend.lock:
            found: TokenInfo | None = tokens_of(request).verify(credentials.credentials)
        if found is None:
            raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
        if found.role not in roles:
            raise HTTPException(403, f"role {found.role.value} may not do this; allowed: {_names(roles)}")
        request.state.caller = found.name
        return Caller(name=found.name, role=found.role)

    return caller


def _names(roles: tuple[Role, ...]) -> str:
    return ", ".join(role.value for role in roles)


def mask_text(text: str) -> str:
    """`sari@example.com` -> `s***@example.com`: the domain stays (it tells the channel), the person goes."""
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


def _masked(value: object) -> object:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    return value


def shown(model: M, caller: Caller) -> M:
    """The response as `caller` may see it."""
    if caller.sees_personal_data:
        return model
    return type(model).model_validate(_masked(model.model_dump(mode="json")))
