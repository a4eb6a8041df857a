"""Where read models live: SQLite (embedded default) or PostgreSQL (production).

Projections write portable SQL with `?` placeholders (translated for psycopg)
and `INSERT ... ON CONFLICT`, which both engines understand. A write
transaction holds the read store's writer lock from its first statement
(SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock), so two runners on
one read store never apply the same events: each reads the positions
inside its own transaction.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from projections.private_files import make_private_dirs, prepare_sqlite_file

WRITER_LOCK = 0x616E7472  # pg advisory lock key: "antr"


class Tx(Protocol):
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None: ...
    def dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...


class ReadStore(Protocol):
    dialect: str

    def transaction(self) -> Any: ...  # context manager yielding a Tx, holding the writer lock
    def reading(self) -> Any: ...  # context manager yielding a Tx for queries
    def close(self) -> None: ...


class _Cursor(Protocol):
    """What a Tx uses of a DB-API cursor, as both sqlite3 and psycopg (tuple rows) give it."""

    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> object: ...
    def fetchall(self) -> list[tuple[Any, ...]]: ...
    def fetchone(self) -> tuple[Any, ...] | None: ...


class _Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any], /) -> _Cursor: ...
    def cursor(self) -> _Cursor: ...


class _Tx:
    """A Tx over a DB-API connection; `translate` adapts the `?` placeholders to the driver."""

    def __init__(self, connection: _Connection, dialect: str, translate: Callable[[str], str] = str) -> None:
        self._c = connection
        self.dialect = dialect
        self._sql = translate

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._c.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._c.cursor().executemany(self._sql(sql), rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._c.execute(self._sql(sql), params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self._c.execute(self._sql(sql), params).fetchone()

    def dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self._c.execute(self._sql(sql), params)
        if cursor.description is None:
            raise ValueError(f"not a query, no rows to name: {sql}")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class SqliteReadStore:
    """One SQLite file (or ":memory:"), WAL, committed transactions survive a SIGKILL.

    The read models hold customer data: the file and its -wal/-shm are 0600, folders
    it creates 0700, and a file of ours found more open is tightened
    (projections/private_files.py).
    """

    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            make_private_dirs(Path(path).parent)
            prepare_sqlite_file(path)
        self.path = str(path)
        self._c = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        self._c.execute("PRAGMA journal_mode=WAL")
        self._c.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        self._c.execute("BEGIN IMMEDIATE")
        try:
            yield _Tx(self._c, self.dialect)
        except BaseException:
            self._c.execute("ROLLBACK")
            raise
        self._c.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        self._c.execute("BEGIN")
        try:
            yield _Tx(self._c, self.dialect)
        finally:
            self._c.execute("ROLLBACK")

    def close(self) -> None:
        self._c.close()


@lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """`?` placeholders to `%s`; literal `%` doubled."""
    return re.sub(r"\?", "%s", sql.replace("%", "%%"))


class PostgresReadStore:
    """Read models in their own schema of a PostgreSQL database."""

    dialect = "postgres"

    def __init__(self, dsn: str, schema: str = "antrian_read") -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
            raise ValueError(f"read-model schema {schema!r}: lower-case letters, digits and _ only")
        self.dsn = dsn
        self.schema = schema
        self._c = self._connect()

    def _connect(self) -> Any:
        import psycopg

        # autocommit: every statement outside `transaction()` stands alone, and
        # `transaction()` is a real BEGIN/COMMIT, never a savepoint.
        connection = psycopg.connect(self.dsn, autocommit=True)
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
        connection.execute(f"SET search_path TO {self.schema}")
        return connection

    def _live(self) -> Any:
        """The connection, made again if the last one broke (a server restart, a killed session):
        the transaction that found it broken failed, the next one works."""
        if self._c.closed or self._c.broken:
            self._c = self._connect()
        return self._c

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        connection = self._live()
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            yield _Tx(connection, self.dialect, to_psycopg)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        connection = self._live()
        with connection.transaction():
            yield _Tx(connection, self.dialect, to_psycopg)

    def close(self) -> None:
        self._c.close()
