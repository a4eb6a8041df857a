"""The composition root: builds the engine from settings, and nothing at import."""

from __future__ import annotations

from infra.settings import Settings
from services.engine import Engine

PERSISTENCE = {
    "memory": {"PERSISTENCE_MODULE": "eventsourcing.popo"},
    "sqlite": {"PERSISTENCE_MODULE": "eventsourcing.sqlite"},
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
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        env["SQLITE_DBNAME"] = str(settings.sqlite_path)
        env["SQLITE_LOCK_TIMEOUT"] = "10"
    return env


def build_engine(settings: Settings | None = None) -> Engine:
    return Engine(engine_env(settings or Settings.from_env()))
