"""Settings: one object, read from `ANTRIAN_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from domain.allocation import DEFAULT_POLICY


def default_data_dir() -> Path:
    """A per-user data folder, never the repository."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "antrian"


@dataclass(frozen=True)
class Settings:
    store: str = "sqlite"  # "sqlite", "postgres" or "memory"
    sqlite_path: Path = field(default_factory=lambda: default_data_dir() / "antrian.sqlite")
    postgres_dsn: str | None = None  # postgresql://user:password@host:port/dbname
    postgres_schema: str | None = None
    default_policy: str = DEFAULT_POLICY
    cache_size: int = 100_000
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_group: str = "antrian-engine"
    topic_prefix: str = ""
    read_store: str | None = None  # "sqlite" or "postgres"; default: postgres when the store is
    read_db: Path | None = None  # SQLite read models; default: next to the event store
    read_dsn: str | None = None  # default: the event store's DSN
    read_schema: str = "antrian_read"
    notify_channel: str = "file"  # "file" or "webhook"
    notify_file: Path | None = None  # default: next to the event store
    webhook_url: str | None = None
    webhook_secret: str | None = None
    notify_max_attempts: int = 8
    max_ahead_minutes: int = 60  # how far after its arrival a message may be dated
    # PostgreSQL: a writer waiting longer than this for the event table's lock gives up (and retries);
    # a batch whose write takes longer than write_timeout stops the engine with an error.
    pg_lock_timeout_seconds: int = 30
    write_timeout_seconds: int = 120

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if "ANTRIAN_STORE" in env:
            values["store"] = env["ANTRIAN_STORE"]
        if "ANTRIAN_DB" in env:
            values["sqlite_path"] = Path(env["ANTRIAN_DB"])
        if "ANTRIAN_POSTGRES_DSN" in env:
            values["postgres_dsn"] = env["ANTRIAN_POSTGRES_DSN"]
        if "ANTRIAN_POSTGRES_SCHEMA" in env:
            values["postgres_schema"] = env["ANTRIAN_POSTGRES_SCHEMA"]
        for name, key in (
            ("kafka_bootstrap", "ANTRIAN_KAFKA_BOOTSTRAP"),
            ("kafka_group", "ANTRIAN_KAFKA_GROUP"),
            ("topic_prefix", "ANTRIAN_TOPIC_PREFIX"),
        ):
            if key in env:
                values[name] = env[key]
        for name, key in (
            ("read_store", "ANTRIAN_READ_STORE"),
            ("read_db", "ANTRIAN_READ_DB"),
            ("read_dsn", "ANTRIAN_READ_DSN"),
            ("read_schema", "ANTRIAN_READ_SCHEMA"),
            ("notify_channel", "ANTRIAN_NOTIFY_CHANNEL"),
            ("notify_file", "ANTRIAN_NOTIFY_FILE"),
            ("webhook_url", "ANTRIAN_WEBHOOK_URL"),
            ("webhook_secret", "ANTRIAN_WEBHOOK_SECRET"),
        ):
            if key in env:
                values[name] = env[key]
        if "ANTRIAN_NOTIFY_MAX_ATTEMPTS" in env:
            values["notify_max_attempts"] = int(env["ANTRIAN_NOTIFY_MAX_ATTEMPTS"])
        if "ANTRIAN_MAX_AHEAD_MINUTES" in env:
            values["max_ahead_minutes"] = int(env["ANTRIAN_MAX_AHEAD_MINUTES"])
        for name, key in (
            ("pg_lock_timeout_seconds", "ANTRIAN_PG_LOCK_TIMEOUT_SECONDS"),
            ("write_timeout_seconds", "ANTRIAN_WRITE_TIMEOUT_SECONDS"),
        ):
            if key in env:
                values[name] = int(env[key])
        if "ANTRIAN_DEFAULT_POLICY" in env:
            values["default_policy"] = env["ANTRIAN_DEFAULT_POLICY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("sqlite_path", "read_db", "notify_file"):
            if isinstance(values.get(name), str):
                values[name] = Path(values[name])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    @property
    def read_backend(self) -> str:
        """Where read models live: PostgreSQL in production, else SQLite."""
        return self.read_store or ("postgres" if self.store == "postgres" else "sqlite")

    @property
    def read_db_path(self) -> Path | str:
        if self.read_db is not None:
            return self.read_db
        return ":memory:" if self.store == "memory" else self.sqlite_path.with_suffix(".read.sqlite")

    @property
    def notify_file_path(self) -> Path:
        """The file channel's output: one JSON line per delivered notification."""
        return self.notify_file or self.sqlite_path.with_suffix(".notifications.jsonl")

    @property
    def rejected_path(self) -> Path:
        """Where the embedded mode keeps messages it refused (its dead letters)."""
        return self.sqlite_path.with_suffix(".rejected.jsonl")
