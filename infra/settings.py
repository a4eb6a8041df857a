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
        if "ANTRIAN_DEFAULT_POLICY" in env:
            values["default_policy"] = env["ANTRIAN_DEFAULT_POLICY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("sqlite_path"), str):
            values["sqlite_path"] = Path(values["sqlite_path"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    @property
    def rejected_path(self) -> Path:
        """Where the embedded mode keeps messages it refused (its dead letters)."""
        return self.sqlite_path.with_suffix(".rejected.jsonl")
