"""The engine's stored positions (`antrian positions show|reset`): where each inbound partition resumes.

Why in the store and not Kafka's committed offsets: the engine records a
partition's next offset in the event store's tracking table in the transaction
that applies the batch, and seeks to it on every assignment; Kafka's offsets
are only a hint for lag tools. So `kafka-consumer-groups --reset-offsets` is
overridden at the next assignment, and a reset has to be written here.

The library's tracking write only moves a position forward (single-row
tracking: `... WHERE notification_id < new`), so a reset writes the table
itself: the row deleted (no position: the partition is read from its first
record) or replaced by the offset asked for, all feeds in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.settings import Settings

SQLITE_TABLE = "tracking"  # the eventsourcing library's; on PostgreSQL it is named after the application


class StoredPositions:
    """Reads and rewrites the tracking table of the store `settings` name (PostgreSQL or SQLite)."""

    def __init__(self, settings: Settings) -> None:
        if settings.store not in ("postgres", "sqlite"):
            raise ValueError(f"positions are kept in a PostgreSQL or SQLite store, not {settings.store!r}")
        self.settings = settings
        self.table = SQLITE_TABLE
        if settings.store == "postgres":
            from infra.bootstrap import build_engine

            engine = build_engine(settings)  # creates the tables of a new store, and names them
            try:
                recorder: Any = engine.recorder  # a process recorder: it keeps the positions
                self.table = recorder.tracking_table_name
            finally:
                engine.close()

    def all(self) -> dict[str, int]:
        """Feed name -> recorded position (for a Kafka partition: the next offset to read)."""
        with self._connection() as (connection, table):
            rows = connection.execute(
                f"SELECT application_name, MAX(notification_id) FROM {table} GROUP BY application_name"
            ).fetchall()
        return {name: int(position) for name, position in rows}

    def reset(self, positions: Mapping[str, int | None]) -> None:
        """Each feed to its offset, or to none (read from the beginning); in one transaction."""
        with self._connection() as (connection, table):
            mark = "%s" if self.settings.store == "postgres" else "?"
            for feed, offset in positions.items():
                connection.execute(f"DELETE FROM {table} WHERE application_name = {mark}", (feed,))
                if offset is not None:
                    connection.execute(f"INSERT INTO {table} VALUES ({mark}, {mark})", (feed, offset))
            connection.commit()

    def _connection(self) -> Any:
        if self.settings.store == "postgres":
            return _Postgres(
                self.settings.postgres_dsn or "", self.settings.postgres_schema or "public", self.table
            )
        return _Sqlite(str(self.settings.sqlite_path))


class _Postgres:
    def __init__(self, dsn: str, schema: str, table: str) -> None:
        self.dsn, self.schema, self.table = dsn, schema, table

    def __enter__(self) -> tuple[Any, str]:
        import psycopg
        from psycopg import sql

        self.connection = psycopg.connect(self.dsn)
        table = sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(self.table))
        return self.connection, table.as_string(self.connection)

    def __exit__(self, *exc: object) -> None:
        self.connection.close()  # not committed: rolled back


class _Sqlite:
    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> tuple[Any, str]:
        if not Path(self.path).exists():
            raise FileNotFoundError(f"no store at {self.path}")
        self.connection = sqlite3.connect(self.path)
        return self.connection, SQLITE_TABLE

    def __exit__(self, *exc: object) -> None:
        self.connection.close()
