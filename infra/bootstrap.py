"""The composition root: builds the engine from settings, and nothing at import."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from infra.batch_writer import StoreWriter
from infra.settings import Settings
from infra.store_lock import StoreWriteLock
from projections.private_files import make_private_dirs, prepare_sqlite_file
from services.engine import Engine, Writer

PERSISTENCE = {
    "memory": {"PERSISTENCE_MODULE": "eventsourcing.popo"},
    "sqlite": {"PERSISTENCE_MODULE": "infra.sqlite_recorder:AntrianSQLiteFactory"},
    "postgres": {"PERSISTENCE_MODULE": "infra.pg_recorder:AntrianPostgresFactory"},
}


def engine_env(settings: Settings) -> dict[str, str]:
    if settings.store not in PERSISTENCE:
        raise ValueError(f"ANTRIAN_STORE must be one of {sorted(PERSISTENCE)}, not {settings.store!r}")
    env = {
        **PERSISTENCE[settings.store],
        "MAPPER_TOPIC": "infra.persistence:PydanticMapper",
        "TRANSCODER_TOPIC": "infra.persistence:OrjsonTranscoder",
        "AGGREGATE_CACHE_MAXSIZE": str(settings.cache_size),
        "ANTRIAN_DEFAULT_POLICY": settings.default_policy,
    }
    if settings.store == "sqlite":
        # Customer data: the store, and the -wal/-shm SQLite derives from it, are 0600 (0700 folders).
        make_private_dirs(settings.sqlite_path.parent)
        prepare_sqlite_file(settings.sqlite_path)
        env["SQLITE_DBNAME"] = str(settings.sqlite_path)
        env["SQLITE_LOCK_TIMEOUT"] = "10"
        # Another process may write the same file: decisions are made under its write lock
        # (infra/store_lock.py), after catching up with what the other one stored.
        env["ANTRIAN_SHARED_STORE"] = "y"
    if settings.store == "postgres":
        env.update(postgres_env(settings))
        # Several instances may write: the engine evicts what others changed, once per batch.
        env["ANTRIAN_SHARED_STORE"] = "y"
        # The next batch is decided while PostgreSQL writes this one (infra/batch_writer.py).
        env["ANTRIAN_WRITE_BEHIND"] = "y"
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
        "ANTRIAN_WRITE_TIMEOUT_SECONDS": str(settings.write_timeout_seconds),
    }
    if settings.postgres_schema:
        env["POSTGRES_SCHEMA"] = settings.postgres_schema
    return env


def build_engine(settings: Settings | None = None) -> Engine:
    settings = settings or Settings.from_env()
    if settings.store == "postgres" and settings.postgres_schema:
        create_schema(settings.postgres_dsn or "", settings.postgres_schema)
    env = engine_env(settings)
    engine = Engine(env, writer_for(env))
    if settings.store == "sqlite":
        engine.write_lock = StoreWriteLock(settings.sqlite_path)
    return engine


def writer_for(env: dict[str, str]) -> Writer:
    """The engine's writer: behind the engine's thread where the store is PostgreSQL."""
    behind = env.get("ANTRIAN_WRITE_BEHIND", "n") == "y"
    return lambda app: StoreWriter(app, behind=behind)


def create_schema(dsn: str, schema: str) -> None:
    """The library creates tables, not schemas: a named schema that is not there yet is made here."""
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(dsn, autocommit=True) as connection:
        try:
            connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        except errors.UniqueViolation:  # another process created it at the same moment
            pass
