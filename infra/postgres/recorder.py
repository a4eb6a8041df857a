"""PostgreSQL persistence: stored events sent as four binary arrays; tables made by several starters.

The library sends a batch of stored events as one array of a composite type
in text format, which psycopg builds field by field in Python and which puts
every state through hex encoding and decoding: a large share of the engine's
time at a hundred events per save (bench.kafka prints the PostgreSQL ceilings).
Four plain arrays (ids, versions, topics, states) in binary format cost a small
part of that and are unnested by PostgreSQL in the same order. Everything else
is the library's: the EXCLUSIVE table lock that makes
notification ids follow commit order, the NOTIFY, the tracking row in the
same transaction, and the notification ids read back from RETURNING.

Processes started together on a new schema (the engine and the relay) all run
the library's CREATE ... IF NOT EXISTS and CREATE OR REPLACE statements, and
PostgreSQL refuses the later ones while the first is uncommitted (a duplicate
row type, "tuple concurrently updated"), so simultaneous starts failed.
The statements change nothing once one starter has committed, so a refused
starter waits and runs them again.

The process recorder also keeps the index of the inbox entries' message times that
time travel finds an instant's cut with (services/time_travel/indexed.py): a function
and two partial indexes, created with the tables when missing (an existing store builds
them once, holding off writers meanwhile, a second or so per 100,000 entries).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresProcessRecorder,
)
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from services.time_travel.indexed import postgres_statements

log = logging.getLogger(__name__)

CREATE_ATTEMPTS = 30  # six starters on a loaded 2-core machine outlasted 5 (about 1.5 s)
# What PostgreSQL answers a CREATE racing another one: unique_violation (the row type),
# duplicate_table, duplicate_object, internal_error ("tuple concurrently updated").
CONCURRENT_CREATE = frozenset({"23505", "42P07", "42710", "XX000"})


class CreatesTablesBesideOthers:
    """create_table() again when another process was creating the same tables."""

    def create_table(self) -> None:
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                super().create_table()  # type: ignore[misc]
                return
            except PersistenceError as error:
                if attempt == CREATE_ATTEMPTS or not _concurrent_create(error):
                    raise
                pause = min(0.1 * attempt, 0.5)
                log.info("another process is creating the tables (%s): again in %.1f s", error, pause)
                time.sleep(pause)


def _concurrent_create(error: PersistenceError) -> bool:
    # IntegrityError without a cause: both starters found no tracking table and
    # recorded its migration row; the later one sees the table next time.
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.__cause__, "sqlstate", None) in CONCURRENT_CREATE


def binary_insert_statement(datastore: PostgresDatastore, table: str, returning: bool) -> Composed:
    """INSERT of stored events given as four binary arrays (see the module's docstring)."""
    return SQL(
        "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
        " SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[])"
        + (" RETURNING notification_id" if returning else "")
    ).format(
        schema=Identifier(datastore.schema),
        table=Identifier(table),
        id_type=Identifier(datastore.originator_id_type),
    )


def binary_arrays(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    return (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    )


class ReadsManyAggregates:
    """Stored events of many aggregates in one query: an engine's cold cache.

    An engine that starts, or takes partitions over in a rebalance, would read
    each SKU its first batch needs with two queries of its own: hundreds of
    round trips (infra/batch_writer.py reads with them). Rows come back in binary format.
    """

    datastore: PostgresDatastore
    events_table_name: str

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)  # type: ignore[call-arg]
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "id_type": Identifier(self.datastore.originator_id_type),
        }
        self.select_latest_statement = SQL(
            "SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state"
            " FROM {schema}.{table} WHERE originator_id = ANY(%b::{id_type}[])"
            " ORDER BY originator_id, originator_version DESC"
        ).format(**names)
        self.select_after_statement = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state"
            " FROM unnest(%b::{id_type}[], %b::bigint[]) AS a(id, after)"
            " JOIN {schema}.{table} e ON e.originator_id = a.id AND e.originator_version > a.after"
            " ORDER BY e.originator_id, e.originator_version"
        ).format(**names)

    def select_latest_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The last stored event of each of these aggregates (the latest snapshot, in a snapshot table)."""
        return _stored_events(self._binary_rows(self.select_latest_statement, (list(originator_ids),)))

    def select_after(self, versions: Mapping[UUID, int]) -> list[StoredEvent]:
        """Each aggregate's events after the given version, in version order per aggregate."""
        params = (list(versions), list(versions.values()))
        return _stored_events(self._binary_rows(self.select_after_statement, params))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _binary_rows(self, statement: Composed, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True, binary=True)
            return curs.fetchall()


def _stored_events(rows: list[tuple[Any, ...]]) -> list[StoredEvent]:
    return [
        StoredEvent(originator_id=oid, originator_version=version, topic=topic, state=bytes(state))
        for oid, version, topic, state in rows
    ]


class SnapshotRecorder(ReadsManyAggregates, CreatesTablesBesideOthers, PostgresAggregateRecorder):
    """Snapshots are whole Stock states (tens of KB): binary, like events, spares them the hex round trip."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_events_statement = binary_insert_statement(datastore, events_table_name, returning=False)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        curs.execute(self.insert_events_statement, binary_arrays(stored_events))


class TypedArrayProcessRecorder(ReadsManyAggregates, CreatesTablesBesideOthers, PostgresProcessRecorder):
    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(
            datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name
        )
        self.insert_events_statement = binary_insert_statement(datastore, events_table_name, returning=True)
        schema, table = (f'"{name}"' for name in (datastore.schema or "public", events_table_name))
        self.sql_create_statements += [Composed([SQL(s)]) for s in postgres_statements(schema, table)]
        self.select_page_statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table}"
            " WHERE notification_id >= %s ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(datastore.schema), table=Identifier(events_table_name))

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """A page of the log as the library reads it, with the rows in binary format.

        The relay reads every event once: text rows (bytea as hex, uuids as text)
        cost it 6 us of CPU per notification, binary rows 3.5 us.
        """
        if start is None or stop is not None or topics or not inclusive_of_start:
            return super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        return self._select_page(start, limit)

    def _select_page(self, start: int, limit: int) -> list[Notification]:
        return [
            Notification(
                id=notification_id,
                originator_id=originator_id,
                originator_version=originator_version,
                topic=topic,
                state=bytes(state),
            )
            for notification_id, originator_id, originator_version, topic, state in self._binary_rows(
                self.select_page_statement, (start, limit)
            )
        ]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """The library's insert (tracking row, table lock, NOTIFY, events, ids back) without pipeline mode.

        In pipeline mode a batch's arrays (megabytes) could stay in libpq's output
        buffer while psycopg waited for results: the server sat in ClientRead inside
        the transaction, holding the table lock, and every writer waited for good
        (seen in `make bench`: one engine, 7,500 of 10,000 orders, the writer thread
        in Pipeline.sync; issue 13 saw it with two). Sent one statement at a time,
        each is flushed whole before its result is read; it costs a few local round
        trips per batch, not per event.
        """
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # As PostgresApplicationRecorder._insert_stored_events, but the arrays are typed.
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self.insert_events_statement, binary_arrays(stored_events))


class AntrianPostgresFactory(PostgresFactory):
    aggregate_recorder_class = SnapshotRecorder
    process_recorder_class = TypedArrayProcessRecorder
