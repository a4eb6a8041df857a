"""Signed-in browsers: a random session id in an HttpOnly, SameSite=Strict cookie, the session in the read store.

The token never reaches the page's JavaScript or the browser's storage: the cookie
holds only a session id. The session (token, CSRF secret, name, role, expiry) is kept
beside the API tokens in the read store, so a restart of the service, or another
instance behind the same load balancer, keeps everyone signed in. What is kept
there is useless without the cookie: the row's key is a SHA-256 of the session id,
and the token and CSRF secret are sealed (Fernet) under a key derived from the
session id, which only the browser holds. Each session carries its own CSRF secret,
put in every form and checked on every POST (synchronizer token), on top of
SameSite=Strict. Sign-in itself, before any session, uses a double-submit cookie.
Expiry reads the wall clock: it decides nothing the log records.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from cryptography.fernet import Fernet, InvalidToken
from fastapi import HTTPException, Request, Response

from infra.http.tokens import Role
from projections.store import ReadStore

COOKIE = "antrian_session"
PRE_COOKIE = "antrian_signin_csrf"
PATH = "/ui"
LIFETIME_SECONDS = 8 * 3600
WRITERS = frozenset({Role.OPERATOR, Role.ADMIN})
AUDITORS = frozenset({Role.AUDITOR, Role.ADMIN})
TABLE = (
    "CREATE TABLE IF NOT EXISTS ui_sessions (session_key TEXT PRIMARY KEY, sealed TEXT NOT NULL, "
    "name TEXT NOT NULL, role TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)"
)


@dataclass(frozen=True)
class Session:
    token: str
    name: str
    role: Role
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    expires: float = field(default_factory=lambda: time.time() + LIFETIME_SECONDS)

    @property
    def may_act(self) -> bool:
        return self.role in WRITERS

    @property
    def may_audit(self) -> bool:
        return self.role in AUDITORS


class Sessions:
    """The signed-in sessions, kept in the read store's `ui_sessions` table (no rebuild touches it)."""

    def __init__(self, store: ReadStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock
        with store.transaction() as tx:
            tx.execute(TABLE)

    def open(self, session: Session) -> str:
        session_id = secrets.token_urlsafe(32)
        sealed = _sealer(session_id).encrypt(orjson.dumps({"token": session.token, "csrf": session.csrf}))
        with self.store.transaction() as tx:
            # sessions never used again go when another one opens
            tx.execute("DELETE FROM ui_sessions WHERE expires_at < ?", (self._clock(),))
            tx.execute(
                "INSERT INTO ui_sessions (session_key, sealed, name, role, expires_at) VALUES (?, ?, ?, ?, ?)",
                (_key(session_id), sealed.decode(), session.name, session.role.value, session.expires),
            )
        return session_id

    def find(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self.store.reading() as tx:
            row = tx.one(
                "SELECT sealed, name, role, expires_at FROM ui_sessions WHERE session_key = ?",
                (_key(session_id),),
            )
        if row is None:
            return None
        sealed, name, role, expires = row
        if float(expires) < self._clock():
            self.close(session_id)
            return None
        try:
            secret = orjson.loads(_sealer(session_id).decrypt(sealed.encode()))
        except InvalidToken:  # a row not sealed under this id: never a session of this cookie
            return None
        return Session(
            token=secret["token"], name=name, role=Role(role), csrf=secret["csrf"], expires=float(expires)
        )

    def close(self, session_id: str | None) -> None:
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM ui_sessions WHERE session_key = ?", (_key(session_id or ""),))


def _key(session_id: str) -> str:
    return hashlib.sha256(b"antrian-ui-session-key:" + session_id.encode()).hexdigest()


def _sealer(session_id: str) -> Fernet:
    derived = hashlib.sha256(b"antrian-ui-session-seal:" + session_id.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def sessions_of(request: Request) -> Sessions:
    found: Sessions | None = getattr(request.app.state, "ui_sessions", None)
    if found is None:
        found = request.app.state.ui_sessions = Sessions(request.app.state.backend.store)
    return found


def current(request: Request) -> Session | None:
    """The signed-in session, if its token is still valid (a revoke signs the browser out)."""
    cookie = request.cookies.get(COOKIE)
    with request.app.state.backend.lock:
        sessions = sessions_of(request)
        session = sessions.find(cookie)
        if session is None:
            return None
        if request.app.state.tokens.verify(session.token) is None:
            sessions.close(cookie)
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
