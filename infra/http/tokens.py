"""API tokens: made once, shown once, kept only as a salted scrypt hash in the read store.

A token is `antrian_<id>_<secret>`: the id finds its row, the secret is checked
against the row's hash (scrypt with the row's own salt). Tokens live beside the
read models (SQLite file or PostgreSQL schema) in a table no rebuild touches,
so `antrian token` and the service see the same ones. A token, once verified, is
remembered by the process as a SHA-256 of itself, so scrypt is paid once per token
per process, while a revoke (by another process) still takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel

from projections.store import ReadStore, Tx

TABLE = (
    "CREATE TABLE IF NOT EXISTS api_tokens (token_id TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "role TEXT NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)"
)
ACTIVE_NAME = (
    "CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_active ON api_tokens (name) WHERE revoked_at IS NULL"
)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_SHAPE = re.compile(r"antrian_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})")


class Role(StrEnum):
    VIEWER = "viewer"  # reads everything but personal data (emails masked)
    OPERATOR = "operator"  # viewer + posts messages, retries dead letters
    AUDITOR = "auditor"  # reads, audit history and decisions, personal data shown
    ADMIN = "admin"  # everything


class TokenInfo(BaseModel):
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None


class TokenError(ValueError):
    """A token cannot be made or revoked as asked (bad name or role, name in use, unknown name)."""


def _hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


class TokenStore:
    def __init__(self, store: ReadStore) -> None:
        self.store = store
        self._verified: dict[str, tuple[str, str]] = {}  # token_id -> (sha256 of the token, its hash row)
        with store.transaction() as tx:
            tx.execute(TABLE)
            tx.execute(ACTIVE_NAME)

    def create(self, name: str, role: str, now: datetime | None = None) -> str:
        """A new token for `name` with `role`: the only time it is ever shown."""
        if not NAME.fullmatch(name):
            raise TokenError(
                f"token name {name!r}: letters, digits, . _ @ - (up to 100), not starting with a sign"
            )
        try:
            chosen = Role(role)
        except ValueError:
            raise TokenError(f"role {role!r}: one of {', '.join(r.value for r in Role)}") from None
        token_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_bytes(16)
        with self.store.transaction() as tx:
            if tx.one("SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL", (name,)):
                raise TokenError(f"a token named {name!r} exists: revoke it first")
            tx.execute(
                "INSERT INTO api_tokens (token_id, name, role, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, name, chosen.value, salt.hex(), _hash(secret, salt), _iso(now)),
            )
        return f"antrian_{token_id}_{secret}"

    def listed(self) -> list[TokenInfo]:
        with self.store.reading() as tx:
            rows = tx.all(
                "SELECT name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at, name"
            )
        return [
            TokenInfo(name=n, role=Role(r), created_at=datetime.fromisoformat(c), revoked_at=_when(v))
            for n, r, c, v in rows
        ]

    def revoke(self, name: str, now: datetime | None = None) -> None:
        with self.store.transaction() as tx:
            if not tx.one("SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL", (name,)):
                raise TokenError(f"no active token named {name!r}")
            tx.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (_iso(now), name),
            )

    def active(self) -> int:
        with self.store.reading() as tx:
            found = tx.one("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL")
        return int(found[0]) if found else 0

    def verify(self, token: str) -> TokenInfo | None:
        """The token's name and role, or None for a token that is not (or no longer) valid."""
        shape = _SHAPE.fullmatch(token)
        if shape is None:
            return None
        token_id, secret = shape.groups()
        with self.store.reading() as tx:
            row = _row(tx, token_id)
        if row is None:
            return None
        name, role, salt, stored, created = row
        seen = hashlib.sha256(token.encode()).hexdigest()
        remembered = self._verified.get(token_id)
        if remembered != (seen, stored):
            if not hmac.compare_digest(_hash(secret, bytes.fromhex(salt)), stored):
                return None
            self._verified[token_id] = (seen, stored)
        return TokenInfo(name=name, role=Role(role), created_at=datetime.fromisoformat(created))


def _row(tx: Tx, token_id: str) -> tuple[str, str, str, str, str] | None:
    found = tx.one(
        "SELECT name, role, salt, hash, created_at FROM api_tokens WHERE token_id = ? AND revoked_at IS NULL",
        (token_id,),
    )
    return (found[0], found[1], found[2], found[3], found[4]) if found else None


def _iso(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).isoformat()


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
