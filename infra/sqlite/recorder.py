"""SQLite persistence: the library's recorders, able to read many aggregates in one query.

A batch asks its inbox entries (has this message id been applied or refused
before?) and its cold aggregates before deciding anything
(services/inbox_check.py, services/warm.py). One by one that is two queries
per id, most of them for ids that do not exist: on a re-ingested file, more
time than applying the file did. Here it is one query per few hundred ids.

The process recorder also keeps the index of the inbox entries' message times that
time travel finds an instant's cut with (services/time_travel/indexed.py), created
on open when missing: an existing store builds it once (a fraction of a second per
100,000 entries).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteProcessRecorder,
)

from services.time_travel.indexed import sqlite_statements

log = logging.getLogger(__name__)

# SQLite's default limit of bound parameters is 32,766; two per id in select_after.
CHUNK = 500


class ReadsManyFromSQLite:
    """`infra.batch_writer.ReadsMany` on the library's SQLite table."""

    datastore: SQLiteDatastore
    events_table_name: str

    def select_latest_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The last stored event of each of these aggregates (the latest snapshot, in a snapshot table)."""
        return self._by_keys(
            "originator_id, MAX(originator_version) AS originator_version, topic, state",
            "GROUP BY originator_id",
            originator_ids,
        )

    def select_after(self, versions: Mapping[UUID, int]) -> list[StoredEvent]:
        """Each aggregate's events after the given version, in version order per aggregate."""
        if not any(versions.values()):  # all of them (inbox entries): a plain look-up by key
            return self._by_keys(
                "originator_id, originator_version, topic, state",
                "ORDER BY originator_id, originator_version",
                list(versions),
            )
        found: list[StoredEvent] = []
        for chunk in _chunks(list(versions)):
            pairs = ",".join("(?,?)" for _ in chunk)
            params: list[Any] = []
            for originator_id in chunk:
                params += [originator_id.hex, versions[originator_id]]
            found += self._rows(
                f"WITH a(id, after) AS (VALUES {pairs})"
                f" SELECT e.originator_id, e.originator_version, e.topic, e.state"
                f" FROM a JOIN {self.events_table_name} e"
                f" ON e.originator_id = a.id AND e.originator_version > a.after"
                f" ORDER BY e.originator_id, e.originator_version",
                params,
            )
        return found

    def _by_keys(self, columns: str, tail: str, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        found: list[StoredEvent] = []
        for chunk in _chunks(originator_ids):
            marks = ",".join("?" * len(chunk))
            statement = (
                f"SELECT {columns} FROM {self.events_table_name} WHERE originator_id IN ({marks}) {tail}"
            )
            found += self._rows(statement, [i.hex for i in chunk])
        return found

    def _rows(self, statement: str, params: list[Any]) -> list[StoredEvent]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [
                StoredEvent(
                    originator_id=UUID(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in c.fetchall()
            ]


def _chunks(ids: Sequence[UUID]) -> Iterator[list[UUID]]:
    items = iter(ids)
    while chunk := list(islice(items, CHUNK)):
        yield chunk


class SnapshotRecorder(ReadsManyFromSQLite, SQLiteAggregateRecorder):
    pass


class ProcessRecorder(ReadsManyFromSQLite, SQLiteProcessRecorder):
    def create_table(self) -> None:
        super().create_table()
        try:
            with self.datastore.transaction(commit=True) as c:
                for statement in sqlite_statements(self.events_table_name):
                    c.execute(statement)
        except PersistenceError as error:  # a SQLite without JSON functions: time travel folds in memory
            log.warning("no index of the inbox entries' message times (%s)", error)


class AntrianSQLiteFactory(SQLiteFactory):
    aggregate_recorder_class = SnapshotRecorder
    process_recorder_class = ProcessRecorder
