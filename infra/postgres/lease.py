"""One publishing relay (and one active engine) per PostgreSQL store: a session-level advisory lock.

Every engine starts a relay, and two relays on one store published every event
twice (76,163 duplicate records with two engines, and each engine slowed by the
other's relay). The relay that holds this lock publishes; the others are
standbys that ask again every few seconds. The lock belongs to the session, not
to a transaction: it is held for as long as the lease's connection lives and is
freed by PostgreSQL the moment that connection closes, whether the relay stopped,
crashed or was SIGKILLed, so a standby takes over within its next try. TCP
keepalives make a holder whose machine vanished lose its session too.

The key is derived from the schema (advisory locks are per database) and the
role (relay, engine), so relays of different stores in one database do not wait
for each other, nor an engine for a relay.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

log = logging.getLogger(__name__)

KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


def lease_key(schema: str | None, role: str = "relay") -> int:
    """A signed 64-bit advisory lock key for `role` on the store in `schema` (None: the default schema)."""
    digest = hashlib.blake2b(f"antrian-{role}/{schema or 'public'}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLease:
    def __init__(self, dsn: str, schema: str | None, role: str = "relay", connect_timeout: int = 10) -> None:
        self.dsn = dsn
        self.role = role
        self.key = lease_key(schema, role)
        self.connect_timeout = connect_timeout
        self.connection: Any = None

    def acquire(self) -> bool:
        """Take the lease if nobody holds it; never waits. A server that does not answer is a no."""
        try:
            if self.connection is None or self.connection.closed:
                conninfo = make_conninfo(self.dsn, connect_timeout=self.connect_timeout, **KEEPALIVES)
                self.connection = psycopg.connect(conninfo, autocommit=True)
            row = self.connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error as error:
            log.warning("%s lease: PostgreSQL did not answer (%s): trying again later", self.role, error)
            self._drop()
            return False
        return bool(row and row[0])

    def held(self) -> bool:
        """Still ours: the session that took the lock is alive (only its end frees it)."""
        if self.connection is None or self.connection.closed:
            return False
        try:
            self.connection.execute("SELECT 1")
        except psycopg.Error:
            self._drop()
            return False
        return True

    def release(self) -> None:
        """Closing the session frees the lock: a standby takes over at its next try."""
        self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except psycopg.Error:
                pass
            self.connection = None
