"""The composition root: builds the engine and the read side from settings, and nothing at import.

In the embedded mode (SQLite or in-memory event store) query commands first
bring the projections they read up to date from the log in this process, so
`antrian queue` never shows a stale queue; in production a `projections run
--kafka` process keeps them current and queries only read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from infra.settings import Settings
from projections import catalog
from projections.positions import LOG_FEED
from projections.private_files import make_private_dirs, prepare_sqlite_file
from projections.runner import ProjectionRunner
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore

# The engine and its parts are imported by what builds one: a query whose read
# models are current never needs them (nor httpx, but the process that sends).
if TYPE_CHECKING:
    from projections.feeds import LogFeed
    from projections.notifications.channels import Channel
    from services.engine import Engine, Writer

if TYPE_CHECKING:
    from infra.kafka.relay import RelayLease

PERSISTENCE = {
    "memory": {"PERSISTENCE_MODULE": "eventsourcing.popo"},
    "sqlite": {"PERSISTENCE_MODULE": "infra.sqlite.recorder:AntrianSQLiteFactory"},
    "postgres": {"PERSISTENCE_MODULE": "infra.postgres.recorder:AntrianPostgresFactory"},
}


def engine_env(settings: Settings) -> dict[str, str]:
    if settings.store not in PERSISTENCE:
        raise ValueError(f"ANTRIAN_STORE must be one of {sorted(PERSISTENCE)}, not {settings.store!r}")
    env = {
        **PERSISTENCE[settings.store],
        "MAPPER_TOPIC": "infra.persistence:PydanticMapper",
        "TRANSCODER_TOPIC": "infra.persistence:OrjsonTranscoder",
        "AGGREGATE_CACHE_MAXSIZE": str(settings.cache_size),
    }
    if settings.default_policy is not None:
        env["ANTRIAN_DEFAULT_POLICY"] = settings.default_policy
    if settings.default_eta_policy is not None:
        env["ANTRIAN_DEFAULT_ETA_POLICY"] = settings.default_eta_policy
    # Every flag of the engine's own is set here, so none is picked up from the process environment.
    env["ANTRIAN_SHARED_STORE"] = "n"
    env["ANTRIAN_WRITE_BEHIND"] = "y" if settings.writes_behind else "n"
    env["ANTRIAN_WRITE_TIMEOUT_SECONDS"] = str(settings.write_timeout_seconds)
    env["ANTRIAN_PARK_MAX_MINUTES"] = str(settings.park_max_minutes)
    if settings.store == "sqlite":
        # Customer data: the store, and the -wal/-shm SQLite derives from it, are 0600 (0700 folders).
        make_private_dirs(settings.sqlite_path.parent)
        prepare_sqlite_file(settings.sqlite_path)
        env["SQLITE_DBNAME"] = str(settings.sqlite_path)
        env["SQLITE_LOCK_TIMEOUT"] = "10"
        # Another process may write the same file: decisions are made under its write lock
        # (infra/sqlite/lock.py), after catching up with what the other one stored.
        env["ANTRIAN_SHARED_STORE"] = "y"
    if settings.store == "postgres":
        env.update(postgres_env(settings))
        # Several instances may write: the engine evicts what others changed, once per batch.
        env["ANTRIAN_SHARED_STORE"] = "y"
    return env


def postgres_env(settings: Settings) -> dict[str, str]:
    if not settings.postgres_dsn:
        raise ValueError(
            "ANTRIAN_STORE=postgres needs ANTRIAN_POSTGRES_DSN (postgresql://user:pw@host:port/db)"
        )
    dsn = urlsplit(settings.postgres_dsn)
    env = {
        "POSTGRES_HOST": dsn.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(dsn.port or 5432),
        "POSTGRES_USER": unquote(dsn.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(dsn.password or ""),
        "POSTGRES_DBNAME": dsn.path.lstrip("/") or "postgres",
        "CREATE_TABLE": "y",
        # No writer waits for the event table's lock for ever (the library retries a few times).
        "POSTGRES_LOCK_TIMEOUT": str(settings.pg_lock_timeout_seconds),
    }
    if settings.postgres_schema:
        env["POSTGRES_SCHEMA"] = settings.postgres_schema
    return env


def build_engine(settings: Settings | None = None) -> Engine:
    from infra.sqlite.lock import StoreWriteLock
    from services.engine import Engine

    settings = settings or Settings.from_env()
    if settings.store == "postgres" and settings.postgres_schema:
        create_schema(settings.postgres_dsn or "", settings.postgres_schema)
    env = engine_env(settings)
    engine = Engine(env, writer_for(env))
    if settings.store == "sqlite":
        engine.write_lock = StoreWriteLock(settings.sqlite_path)
    return engine


def build_relay_lease(settings: Settings) -> RelayLease | None:
    """The store's relay election: the one relay holding this publishes (None: memory, one process)."""
    return build_lease(settings, "relay")


def build_engine_lease(settings: Settings) -> RelayLease | None:
    """The store's engine election (ANTRIAN_ENGINE_ELECTION): the one engine holding this consumes."""
    return build_lease(settings, "engine") if settings.engine_election else None


def build_lease(settings: Settings, role: str) -> RelayLease | None:
    if settings.store == "postgres":
        from infra.postgres.lease import AdvisoryLease

        return AdvisoryLease(settings.postgres_dsn or "", settings.postgres_schema, role)
    if settings.store == "sqlite":
        from infra.sqlite.lease import FileLease

        return FileLease(settings.sqlite_path, role)
    return None


def writer_for(env: dict[str, str]) -> Writer:
    """The engine's writer: behind the engine's thread where the store is PostgreSQL."""
    from infra.batch_writer import StoreWriter
    from infra.metrics import decision_kinds, process_metrics

    behind = env.get("ANTRIAN_WRITE_BEHIND", "n") == "y"
    metrics = process_metrics()

    def count_decisions(events: Sequence[Any]) -> None:
        metrics.count_decisions(decision_kinds(events))

    return lambda app: StoreWriter(app, behind=behind, on_written=count_decisions)


def create_schema(dsn: str, schema: str) -> None:
    """The library creates tables, not schemas: a named schema that is not there yet is made here."""
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(dsn, autocommit=True) as connection:
        try:
            connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        except errors.UniqueViolation:  # another process created it at the same moment
            pass


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
    from projections.feeds import LogFeed

    return LogFeed(engine.recorder, engine.mapper, owner=engine)


def is_embedded(settings: Settings) -> bool:
    return settings.store in ("sqlite", "memory")


def open_for_query(settings: Settings, names: Sequence[str], engine: Engine | None = None) -> ReadStore:
    """The read store, with `names` caught up from the log first when embedded."""
    store = build_read_store(settings)
    if is_embedded(settings):
        runner = build_runner(store, names)
        if engine is not None or not _current(settings, runner):
            runner.run(log_feed(engine or build_engine(settings)))
    return store


def _current(settings: Settings, runner: ProjectionRunner) -> bool:
    """Whether the read models have seen all a SQLite store holds (then no engine is built)."""
    if settings.store != "sqlite":
        return False
    from infra.sqlite.log_end import last_notification_id

    last = last_notification_id(settings.sqlite_path)
    return runner.caught_up({LOG_FEED: last + 1 if last else 0})


def build_notify_channel(settings: Settings) -> Channel:
    """How customers are told: ANTRIAN_NOTIFY_CHANNEL; settings it cannot work with raise ChannelMisconfigured."""
    from projections.notifications.channels import (
        ChannelMisconfigured,
        FileChannel,
        WebhookChannel,
        webhook_url,
    )

    if settings.notify_channel == "file":
        return FileChannel(settings.notify_file_path)
    if settings.notify_channel == "webhook":
        if not settings.webhook_url:
            raise ChannelMisconfigured("the webhook channel needs ANTRIAN_WEBHOOK_URL")
        try:
            webhook_url(settings.webhook_url)
        except ChannelMisconfigured as error:
            raise ChannelMisconfigured(f"ANTRIAN_WEBHOOK_URL: {error}") from None
        return WebhookChannel(settings.webhook_url, settings.webhook_secret or "")
    raise ChannelMisconfigured(
        f"ANTRIAN_NOTIFY_CHANNEL must be file or webhook, not {settings.notify_channel!r}"
    )
