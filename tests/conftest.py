"""Shared fixtures: engines built the way production builds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from infra.bootstrap import build_engine, create_schema
from infra.settings import Settings
from services.engine import Engine

pytest_plugins = ["tests.support.fixtures"]

STORES = ("memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres))
# The behaviour tests' dates were worked out by hand with eta-v1's arithmetic (a supplier with no
# history is 2 days late): their engines keep promising with it. eta-v2, the default of a new
# store, has its own tests (tests/unit/test_lateness.py, tests/integration/test_eta_v2.py).
TEST_ETA_POLICY = "eta-v1"


def make_engine(
    store: str,
    path: Path | None = None,
    dsn: str | None = None,
    schema: str | None = None,
    eta_policy: str | None = TEST_ETA_POLICY,
) -> Engine:
    if store == "sqlite":
        assert path is not None, "a sqlite engine needs a file"
        return build_engine(Settings(store="sqlite", sqlite_path=path, default_eta_policy=eta_policy))
    if store == "postgres":
        return build_engine(
            Settings(
                store="postgres", postgres_dsn=dsn, postgres_schema=schema, default_eta_policy=eta_policy
            )
        )
    return build_engine(Settings(store="memory", default_eta_policy=eta_policy))


@pytest.fixture
def postgres_schema(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A throwaway schema per test, so tests on one server never see each other's events."""
    import psycopg

    dsn = request.getfixturevalue("postgres_dsn")
    schema = f"t_{uuid4().hex[:16]}"
    create_schema(dsn, schema)
    yield dsn, schema
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


def _close(engine: Engine) -> None:
    close = getattr(engine, "close", None)
    if close is not None:
        close()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly built engine on each store: in memory, a SQLite file, PostgreSQL."""
    dsn, schema = request.getfixturevalue("postgres_schema") if request.param == "postgres" else (None, None)
    engine = make_engine(request.param, tmp_path / "antrian.sqlite", dsn, schema)
    yield engine
    _close(engine)


@pytest.fixture
def memory_engine() -> Iterator[Engine]:
    engine = make_engine("memory")
    yield engine
    _close(engine)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "antrian.sqlite"


def _openers(store: str, path: Path, dsn: str | None = None, schema: str | None = None):
    engines: list[Engine] = []

    def opener() -> Engine:
        engine = make_engine(store, path, dsn, schema)
        engines.append(engine)
        return engine

    yield opener
    for engine in engines:
        _close(engine)


@pytest.fixture
def open_sqlite(sqlite_file: Path) -> Iterator[Callable[[], Engine]]:
    """Opens (and later closes) engines on one SQLite file, like separate processes would."""
    yield from _openers("sqlite", sqlite_file)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def open_durable(request: pytest.FixtureRequest, sqlite_file: Path) -> Iterator[Callable[[], Engine]]:
    """Opens engines on one durable store (a SQLite file, a PostgreSQL schema), like separate processes."""
    dsn, schema = request.getfixturevalue("postgres_schema") if request.param == "postgres" else (None, None)
    yield from _openers(request.param, sqlite_file, dsn, schema)
