"""Composition root of the read side: the read store, the projections and their feeds.

Nothing connects at import. In the embedded mode (SQLite or in-memory event
store) query commands first bring the projections they read up to date from
the log in this process, so `antrian queue` never shows a stale queue; in
production a `projections run --kafka` process keeps them current and
queries only read.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.settings import Settings
from projections import catalog
from projections.feeds import LogFeed
from projections.runner import ProjectionRunner
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore
from services.engine import Engine


def build_read_store(settings: Settings) -> ReadStore:
    backend = settings.read_backend
    if backend == "sqlite":
        return SqliteReadStore(settings.read_db_path)
    if backend == "postgres":
        dsn = settings.read_dsn or settings.postgres_dsn
        if not dsn:
            raise ValueError("read models on PostgreSQL need ANTRIAN_READ_DSN or ANTRIAN_POSTGRES_DSN")
        return PostgresReadStore(dsn, settings.read_schema)
    raise ValueError(f"ANTRIAN_READ_STORE must be sqlite or postgres, not {backend!r}")


def build_runner(store: ReadStore, names: Sequence[str] | None = None) -> ProjectionRunner:
    return ProjectionRunner(store, catalog.build(list(names) if names else None))


def log_feed(engine: Engine) -> LogFeed:
    return LogFeed(engine.recorder, engine.mapper, owner=engine)


def is_embedded(settings: Settings) -> bool:
    return settings.store in ("sqlite", "memory")


def open_for_query(settings: Settings, names: Sequence[str], engine: Engine | None = None) -> ReadStore:
    """The read store, with `names` caught up from the log first when embedded."""
    store = build_read_store(settings)
    if is_embedded(settings):
        from infra.bootstrap import build_engine

        runner = build_runner(store, names)
        runner.run(log_feed(engine or build_engine(settings)))
    return store
