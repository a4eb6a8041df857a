"""Session fixtures for tests that need a real Kafka broker or PostgreSQL server.

Register with ``pytest_plugins = ["tests.support.fixtures"]`` in tests/conftest.py
(or import the fixtures into a test module). How the services are found or started
is in ops/provision.py. When none of its routes works:

* under CI (``CI=true``) the test fails, with every route's reason and the log tail;
* elsewhere it is skipped with one line saying why.

A service that the session started is stopped when the session ends; one that was
already running (``make kafka-up`` / ``make pg-up``, or an address from the
environment) is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ops import provision


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too so that --strict-markers accepts them wherever this plugin is loaded.
    config.addinivalue_line("markers", "kafka: needs a real Kafka broker (ops/provision.py)")
    config.addinivalue_line("markers", "postgres: needs a real PostgreSQL server (ops/provision.py)")


def _require(get: Callable[[], str]) -> str:
    try:
        return get()
    except provision.ServiceUnavailable as exc:
        if provision.in_ci():
            pytest.fail(exc.report(), pytrace=False)
        pytest.skip(exc.one_line())


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of a real Kafka broker, e.g. "127.0.0.1:40123"."""
    yield _require(provision.kafka_bootstrap)
    provision.release(provision.KAFKA)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """URL of a real PostgreSQL database, e.g. "postgresql://antrian@127.0.0.1:40124/antrian"."""
    yield _require(provision.postgres_dsn)
    provision.release(provision.POSTGRES)
