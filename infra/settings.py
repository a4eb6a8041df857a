"""Settings: one typed object, read from `ANTRIAN_*` environment variables.

Every process is built from it (infra/bootstrap.py); command-line options only
override its fields. Nothing else reads the environment for Antrian's own
settings, and the engine is given the library's settings by the bootstrap, not
left to find them in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """A per-user data folder, never the repository."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "antrian"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANTRIAN_", frozen=True, populate_by_name=True, extra="ignore"
    )

    store: Literal["sqlite", "postgres", "memory"] = "sqlite"
    sqlite_path: Path = Field(
        default_factory=lambda: default_data_dir() / "antrian.sqlite",
        validation_alias=AliasChoices("sqlite_path", "ANTRIAN_DB"),
    )
    postgres_dsn: str | None = None  # postgresql://user:password@host:port/dbname
    postgres_schema: str | None = None
    default_policy: str | None = None  # the policy new SKUs start with; None: the engine's default
    default_eta_policy: str | None = None  # the ETA policy new SKUs promise with; None: eta-v2
    cache_size: int = Field(100_000, ge=0)
    # Decide the next batch while the store writes this one; default: on for PostgreSQL only.
    write_behind: bool | None = None
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_group: str = "antrian-engine"
    topic_prefix: str = ""
    read_store: Literal["sqlite", "postgres"] | None = None  # default: postgres when the store is
    read_db: Path | None = None  # SQLite read models; default: next to the event store
    read_dsn: str | None = None  # default: the event store's DSN
    read_schema: str = "antrian_read"
    notify_channel: Literal["file", "webhook"] = "file"
    notify_file: Path | None = None  # default: next to the event store
    webhook_url: str | None = None
    webhook_secret: str | None = None
    notify_max_attempts: int = Field(8, ge=1)
    max_ahead_minutes: int = Field(60, ge=0)  # how far after its arrival a message may be dated
    # Message time an early message (its purchase order, SKU, supplier or order not known yet)
    # waits parked for it, before it is judged a last time and dead-lettered with its reason.
    park_max_minutes: int = Field(240, ge=0)
    # PostgreSQL: a writer waiting longer than this for the event table's lock gives up (and retries);
    # a batch whose write takes longer than write_timeout stops the engine with an error.
    pg_lock_timeout_seconds: int = Field(30, ge=1)
    write_timeout_seconds: int = Field(120, ge=1)
    # Kafka: polled messages are held and decided in business-time order (placed_at, occurred_at)
    # across the consumer's partitions, up to this much message time (infra/kafka/fairness.py).
    fairness: bool = True
    fairness_window_seconds: int = Field(300, ge=0)
    fairness_max_held: int = Field(20_000, ge=1)
    # Kafka: one engine per store consumes, the others stand by and take over (infra/election.py);
    # false: every engine in the group consumes (they contend for the same aggregates: README).
    engine_election: bool = True
    # `antrian serve`: the largest request body POST /messages accepts (413 above), and how far
    # (seconds) the read models may trail the log before /health/ready says not ready.
    http_max_body_bytes: int = Field(5_000_000, ge=1)
    ready_max_lag_seconds: int = Field(60, ge=0)
    # Logs go to stderr: `text` for a terminal, `json` (one object a line) for a log collector.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Long-running commands log where they are at least this often while busy.
    progress_seconds: float = Field(10.0, gt=0)
    # Who the command line hands messages in as (the audit's "by"); else cli:<login name>.
    caller: str | None = Field(None, min_length=1, max_length=200)
    # Planning (`antrian plan run`): the forecast's horizon and the review period the order-up-to
    # level covers, in days; the target cycle service level, and per demand class where it differs
    # (JSON: {"lumpy": 0.9, "smooth": 0.97}).
    plan_horizon_days: int = Field(56, ge=7, le=366)
    plan_review_days: int = Field(7, ge=1, le=90)
    plan_service_level: float = Field(0.95, ge=0.5, lt=1)
    plan_service_levels: dict[Literal["smooth", "erratic", "intermittent", "lumpy"], float] = {}
    # The SKUs whose recommendations each `antrian plan run` applies at once (SkuConfigured messages,
    # like `antrian plan apply`): "all", or SKUs separated by commas; unset: none (apply by hand).
    plan_auto_apply: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _write_behind_needs_a_store(self) -> Settings:
        if self.write_behind and self.store == "memory":
            raise ValueError(
                "ANTRIAN_WRITE_BEHIND applies to a store that is written (sqlite, postgres), not memory"
            )
        return self

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The environment's settings with `overrides` (command-line options) where they are given."""
        given: dict[str, Any] = {key: value for key, value in overrides.items() if value is not None}
        return cls(**given)

    @field_validator("plan_service_levels")
    @classmethod
    def _levels(cls, value: dict[str, float]) -> dict[str, float]:
        for name, level in value.items():
            if not 0.5 <= level < 1:
                raise ValueError(f"the service level of {name} must be at least 0.5 and below 1, not {level}")
        return value

    @property
    def writes_behind(self) -> bool:
        return self.write_behind if self.write_behind is not None else self.store == "postgres"

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
