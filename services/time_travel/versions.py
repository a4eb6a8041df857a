"""Which version of an aggregate the log holds up to a notification id.

An aggregate's versions are stored in log order, so the version at a position is
found by bisecting its versions, asking the store where each one is (a look-up
by the store's primary key): about log2(versions) look-ups, whatever the log's
length, instead of reading the aggregate's events or the log.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID


def latest_version(recorder: Any, aggregate_id: UUID) -> int | None:
    found = recorder.select_events(aggregate_id, desc=True, limit=1)
    return found[0].originator_version if found else None


def version_at(recorder: Any, aggregate_id: UUID, position: int | None) -> int | None:
    """The aggregate's last version stored at or before `position` (None: the latest); None if none was."""
    latest = latest_version(recorder, aggregate_id)
    if latest is None or position is None:
        return latest
    where = locator(recorder)
    low, high = 0, latest  # invariant: version `low` is at or before position (0: none is)
    while low < high:
        middle = (low + high + 1) // 2
        if where(aggregate_id, middle) <= position:
            low = middle
        else:
            high = middle - 1
    return low or None


def locator(recorder: Any) -> Any:
    """A function (aggregate id, version) -> notification id, for this kind of store."""
    index = getattr(recorder, "_stored_events_index", None)
    if index is not None:  # the library's in-memory store: list positions are notification ids - 1
        return lambda aggregate_id, version: index[str(aggregate_id)][version] + 1
    table = recorder.events_table_name
    if type(recorder).__module__.startswith(("eventsourcing.sqlite", "infra.sqlite")):
        statement = f"SELECT rowid FROM {table} WHERE originator_id = ? AND originator_version = ?"

        def in_sqlite(aggregate_id: UUID, version: int) -> int:
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(statement, (aggregate_id.hex, version))
                return int(c.fetchone()[0])

        return in_sqlite
    return _in_postgres(recorder)


def _in_postgres(recorder: Any) -> Any:
    from psycopg.sql import SQL, Identifier

    schema = recorder.datastore.schema or "public"
    statement = SQL(
        "SELECT notification_id FROM {}.{} WHERE originator_id = %s AND originator_version = %s"
    ).format(Identifier(schema), Identifier(recorder.events_table_name))

    def in_postgres(aggregate_id: UUID, version: int) -> int:
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (aggregate_id, version), prepare=True)
            row = curs.fetchone()
            return int(row["notification_id"] if isinstance(row, dict) else row[0])

    return in_postgres
