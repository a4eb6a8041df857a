"""An instant's cut found by the store itself, from its index of the inbox entries' times.

The same cut as moment.py's `MessageTimes.cut`, to the microsecond, with a few queries
on the index (`indexed.py`) instead of every entry folded into memory first: a
process's first ask costs what its later ones do.

The first applied entry occurring after T (where the running maximum of known times
first passes T) is the smallest position among the applied entries with a time after T.
Every entry before it occurred by T or has no time, so those applied before it are the
ones that occurred by T, less the ones after it (`missing`), plus the ones without a
time before it. Refusals are asked for only after the cut, as there. The queries of
one ask read one snapshot of the log (SQLite's read transaction; PostgreSQL's
repeatable read), as one catch-up of the in-memory index does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.time_travel import indexed
from services.time_travel.indexed import APPLIED_TOPICS, NAMED, REFUSED_TOPICS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BEYOND = 2**62  # a position after every entry

# `+ 0` (here and in ORDER BY): PostgreSQL would find the smallest ids by walking their index and
# reading every entry's time on the way, rather than the entries of the times asked for.
FIRST_LATE = (
    "SELECT MIN({id} + 0) FROM {table} e {applied_index} WHERE topic IN {applied} AND {applied_at} > ?"
)
KNOWN = (
    "SELECT COUNT(*), COUNT(CASE WHEN {id} > ? THEN 1 END) FROM {table} e {applied_index}"
    " WHERE topic IN {applied} AND {applied_at} <= ?"
)
MISSING = (
    "SELECT {message_id} FROM {table} e {applied_index} WHERE topic IN {applied} AND {applied_at} <= ?"
    " AND {id} > ? ORDER BY {id} + 0 LIMIT {named}"
)
UNKNOWN = (
    "SELECT COUNT(*), COUNT(CASE WHEN {id} < ? THEN 1 END) FROM {table} e {applied_index}"
    " WHERE topic IN {applied} AND {applied_at} IS NULL"
)
UNKNOWN_NAMED = (
    "SELECT {message_id} FROM {table} e {applied_index} WHERE topic IN {applied} AND {applied_at} IS NULL"
    " ORDER BY {id} + 0 LIMIT {named}"
)
# Walked back by position from the first late entry: the one before it is near.
LAST_BEFORE = "SELECT {id} FROM {table} e WHERE topic IN {applied} AND {id} < ? ORDER BY {id} DESC LIMIT 1"
REFUSED = "SELECT COUNT(*) FROM {table} e {refused_index} WHERE topic IN {refused} AND {refused_at} {test} AND {id} > ?"
REFUSED_NAMED = (
    "SELECT {refused_message_id} FROM {table} e {refused_index} WHERE topic IN {refused}"
    " AND {refused_at} {test} AND {id} > ? ORDER BY {id} + 0 LIMIT {named}"
)


@dataclass(frozen=True)
class Found:
    """A moment's fields but its instant (moment.py's `Moment`)."""

    position: int | None
    applied: int
    missing: list[str]
    missing_count: int
    unknown: list[str]
    unknown_count: int


Ask = Callable[..., list[tuple[Any, ...]]]  # (statement, *parameters) -> rows


class IndexedCut:
    """The queries of one store (its SQL, placeholder and snapshot) and the cut made of their answers."""

    def __init__(self, parts: dict[str, str], mark: str, reading: Callable[[], Any], key: Any) -> None:
        self._parts = parts
        self._mark = mark  # the driver's placeholder
        self._reading = reading  # a context manager giving a cursor on one snapshot
        self._key = key  # an instant as the index compares it

    def _statement(self, template: str, **more: str) -> str:
        marked = {name: text.replace("?", self._mark) for name, text in more.items()}
        return template.replace("?", self._mark).format(**self._parts, **marked)

    @contextmanager
    def _asking(self) -> Iterator[Ask]:
        with self._reading() as cursor:

            def ask(template: str, *params: Any, **more: str) -> list[tuple[Any, ...]]:
                cursor.execute(self._statement(template, **more), params)
                return [tuple(row) for row in cursor.fetchall()]

            yield ask

    def cut(self, instant: datetime) -> Found:
        at = self._key(instant)
        with self._asking() as ask:
            first_late = ask(FIRST_LATE, at)[0][0]
            before = BEYOND if first_late is None else first_late
            known, known_after = ask(KNOWN, before, at)[0]
            unknown_count, unknown_before = ask(UNKNOWN, before)[0]
            unknown = _ids(ask(UNKNOWN_NAMED)) if unknown_count else []
            applied = known - known_after + unknown_before
            if first_late is None:
                return Found(None, applied, [], 0, unknown, unknown_count)
            missing = _ids(ask(MISSING, at, first_late)) if known_after else []
            position = ask(LAST_BEFORE, first_late)[0][0] if applied else 0
            late_refused, late_named = _refused(ask, "<= ?", at, position)
            lost_refused, lost_named = _refused(ask, "IS NULL", position)
        return Found(
            position=position,
            applied=applied,
            missing=(missing + late_named)[:NAMED],
            missing_count=known_after + late_refused,
            unknown=(unknown + lost_named)[:NAMED],
            unknown_count=unknown_count + lost_refused,
        )


def _refused(ask: Ask, test: str, *params: Any) -> tuple[int, list[str]]:
    """How many refusals after the cut pass `test` on their time, and the first ones' ids."""
    count = ask(REFUSED, *params, test=test)[0][0]
    return count, _ids(ask(REFUSED_NAMED, *params, test=test)) if count else []


def _ids(rows: list[tuple[Any, ...]]) -> list[str]:
    return [str(row[0]) for row in rows]


def indexed_cut(recorder: Any) -> IndexedCut | None:
    """The store's own cut, if it keeps the index (a SQLite or PostgreSQL store opened by this version)."""
    module = type(recorder).__module__
    if module.startswith(("eventsourcing.sqlite", "infra.sqlite")):
        return _sqlite(recorder)
    if module.startswith(("eventsourcing.postgres", "infra.postgres")):
        return _postgres(recorder)
    return None


def _parts(table: str, json_id: Callable[[str], str]) -> dict[str, str]:
    refused_id = (
        f"(SELECT {json_id('r.state')} FROM {table} r WHERE r.originator_id = e.originator_id"
        f" AND r.topic = '{REFUSED_TOPICS[0]}' LIMIT 1)"
    )
    return {
        "table": table,
        "named": str(NAMED),
        "applied": indexed.in_list(APPLIED_TOPICS),
        "refused": indexed.in_list(REFUSED_TOPICS),
        "message_id": f"COALESCE({json_id('e.state')}, '?')",
        "refused_message_id": f"COALESCE({json_id('e.state')}, {refused_id}, '?')",
    }


def _sqlite(recorder: Any) -> IndexedCut | None:
    table = recorder.events_table_name
    names = [f"{table}_applied_at", f"{table}_refused_at"]

    @contextmanager
    def reading() -> Iterator[Any]:
        with recorder.datastore.transaction(commit=False) as cursor:
            yield cursor

    with reading() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN (?, ?)", names)
        if cursor.fetchone()[0] != len(names):
            return None
    parts = _parts(table, lambda state: f"json_extract(CAST({state} AS TEXT), '$.message_id')")
    parts |= {
        "id": "e.rowid",
        "applied_at": indexed.SQLITE_APPLIED_AT,
        "refused_at": indexed.SQLITE_REFUSED_AT,
        "applied_index": f"INDEXED BY {names[0]}",
        "refused_index": f"INDEXED BY {names[1]}",
    }
    return IndexedCut(parts, "?", reading, _microseconds)


def _microseconds(instant: datetime) -> int:
    return (instant - EPOCH) // timedelta(microseconds=1)


def _postgres(recorder: Any) -> IndexedCut | None:
    schema = f'"{recorder.datastore.schema or "public"}"'
    table = f'{schema}."{recorder.events_table_name}"'

    @contextmanager
    def reading() -> Iterator[Any]:
        from psycopg.rows import tuple_row

        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.row_factory = tuple_row  # the library's are dicts, which keep one of two `count` columns
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield cursor

    names = [
        f"{schema}.{indexed.index_name(recorder.events_table_name, k)}" for k in ("applied_at", "refused_at")
    ]
    with reading() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL", names)
        if not cursor.fetchone()[0]:
            return None
    parts = _parts(table, lambda state: f"(convert_from({state}, 'UTF8')::jsonb ->> 'message_id')")
    parts |= {
        "id": "e.notification_id",
        "applied_at": indexed.POSTGRES_APPLIED_AT.format(schema=schema),
        "refused_at": indexed.POSTGRES_REFUSED_AT.format(schema=schema),
        "applied_index": "",
        "refused_index": "",
    }
    return IndexedCut(parts, "%s", reading, lambda instant: instant)
