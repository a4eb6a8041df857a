"""Signed-in browsers: a random session id in an HttpOnly, SameSite=Strict cookie, the token kept here.

The token never reaches the page's JavaScript or the browser's storage: the cookie
holds only a session id, and the session (token, name, role, CSRF secret) lives in
this process's memory, so a restart signs everyone out. Each session carries its own
CSRF secret, put in every form and checked on every POST (synchronizer token), on
top of SameSite=Strict. Sign-in itself, before any session, uses a double-submit
cookie.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import HTTPException, Request, Response

from infra.http.tokens import Role

COOKIE = "antrian_session"
PRE_COOKIE = "antrian_signin_csrf"
PATH = "/ui"
LIFETIME_SECONDS = 8 * 3600
WRITERS = frozenset({Role.OPERATOR, Role.ADMIN})
AUDITORS = frozenset({Role.AUDITOR, Role.ADMIN})


@dataclass(frozen=True)
class Session:
    token: str
    name: str
    role: Role
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    expires: float = field(default_factory=lambda: time.monotonic() + LIFETIME_SECONDS)

    @property
    def may_act(self) -> bool:
        return self.role in WRITERS

    @property
    def may_audit(self) -> bool:
        return self.role in AUDITORS


class Sessions:
    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, session: Session) -> str:
        session_id = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            for stale in [k for k, v in self._by_id.items() if v.expires < now]:
                del self._by_id[stale]  # sessions never used again go when another one opens
            self._by_id[session_id] = session
        return session_id

    def find(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            found = self._by_id.get(session_id)
            if found is not None and found.expires < time.monotonic():
                del self._by_id[session_id]
                return None
        return found

    def close(self, session_id: str | None) -> None:
        with self._lock:
            self._by_id.pop(session_id or "", None)


def sessions_of(request: Request) -> Sessions:
    found: Sessions | None = getattr(request.app.state, "ui_sessions", None)
    if found is None:
        found = request.app.state.ui_sessions = Sessions()
    return found


def current(request: Request) -> Session | None:
    """The signed-in session, if its token is still valid (a revoke signs the browser out)."""
    session = sessions_of(request).find(request.cookies.get(COOKIE))
    if session is None:
        return None
    with request.app.state.backend.lock:
        info = request.app.state.tokens.verify(session.token)
    if info is None:
        sessions_of(request).close(request.cookies.get(COOKIE))
        return None
    return session


def signed_in(request: Request) -> Session:
    """A dependency: the session, or a redirect to the sign-in page."""
    session = current(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            303, "sign in first", headers={"Location": f"{PATH}/signin?next={_quoted(target)}"}
        )
    return session


def check_csrf(session: Session, given: str | None) -> None:
    if not given or not hmac.compare_digest(given, session.csrf):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page and try again")


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=LIFETIME_SECONDS,
    )


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
