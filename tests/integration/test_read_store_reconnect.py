"""A PostgreSQL read store outlives the end of its session: `antrian serve` stays ready after a restart."""

from __future__ import annotations

import psycopg
import pytest

from projections.store import PostgresReadStore

pytestmark = pytest.mark.postgres


def test_a_read_store_whose_session_was_ended_fails_one_query_and_answers_the_next(postgres_schema):
    # Given a read store with a table, on a PostgreSQL session that the server then ends
    dsn, schema = postgres_schema
    store = PostgresReadStore(dsn, f"{schema}_read")
    with store.transaction() as tx:
        tx.execute("CREATE TABLE seen (n integer)")
        tx.execute("INSERT INTO seen VALUES (?)", (7,))
    with store.reading() as tx:
        (pid,) = tx.one("SELECT pg_backend_pid()") or ()
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    # When it is read twice
    with pytest.raises(psycopg.OperationalError), store.reading() as tx:
        tx.one("SELECT n FROM seen")
    with store.reading() as tx:
        again = tx.one("SELECT n FROM seen")

    # Then the first read fails (its session is gone) and the second reads on a new one
    assert again == (7,)
    store.close()
