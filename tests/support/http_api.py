"""The HTTP service over real stores built from real messages, for the API tests.

`ServedShop` applies a small shop's messages through a real engine, brings the read
models up to date as each mode does (the embedded service catches up itself; in
production a projections runner follows the log, run here once), and opens the app
with FastAPI's TestClient, with one token per role.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from infra.bootstrap import build_engine, build_read_store, build_runner, log_feed
from infra.http.app import create_app
from infra.http.tokens import Role, TokenStore
from infra.settings import Settings
from tests import messages as m
from tests.conftest import TEST_ETA_POLICY

EMAIL = "sari@example.com"
SHOP = (
    m.supplier_registered("s-1", "S1", ("A", "B")),
    m.sku_configured("s-2", "A", reorder_point=4, safety_stock=2),
    m.sku_configured("s-3", "B"),
    m.substitutes_declared("s-4", "A", ["B"]),
    m.stock_received("s-5", "A", 3, at=m.ts(hours=1)),
    m.order_placed("o-1", "o1", (("1", "A", 2),), at=m.ts(hours=2), email=EMAIL, customer_id="c-9"),
    m.order_placed("o-2", "o2", (("1", "A", 5),), "gold", at=m.ts(hours=3), email=EMAIL, customer_id="c-9"),
    m.order_placed("o-3", "o3", (("1", "A", 4),), at=m.ts(hours=4), customer_id="c-7"),
    m.po_placed("p-1", "po-1", (("A", 6),), expected=m.day(6), at=m.ts(hours=5)),
)


def settings_for(
    store: str, tmp_path: Path, pg: tuple[str, str] | None = None, bootstrap: str | None = None
) -> Settings:
    """`bootstrap`: the test's broker, which a production service's readiness asks (never 9092 by chance)."""
    if store == "sqlite":
        return Settings(
            store="sqlite", sqlite_path=tmp_path / "antrian.sqlite", default_eta_policy=TEST_ETA_POLICY
        )
    assert pg is not None and bootstrap is not None, "a production service needs its store and its broker"
    dsn, schema = pg
    return Settings(
        store="postgres",
        postgres_dsn=dsn,
        postgres_schema=schema,
        read_schema=f"{schema}_read",
        kafka_bootstrap=bootstrap,
        default_eta_policy=TEST_ETA_POLICY,
    )


def apply_shop(settings: Settings, *messages: dict[str, Any]) -> None:
    engine = build_engine(settings)
    try:
        m.apply(engine, *messages)
    finally:
        engine.close()


def project(settings: Settings) -> None:
    """What `antrian projections run` does in production: the read models follow the log."""
    engine = build_engine(settings)
    store = build_read_store(settings)
    try:
        build_runner(store).run(log_feed(engine))
    finally:
        store.close()
        engine.close()


@dataclass
class ServedShop:
    client: TestClient
    settings: Settings
    tokens: dict[Role, str] = field(default_factory=dict)

    def as_role(self, role: Role | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    def get(self, path: str, role: Role | None = Role.ADMIN, **kw: Any) -> Any:
        return self.client.get(path, headers={**self.as_role(role), **kw.pop("headers", {})}, **kw)

    def post(self, path: str, role: Role | None = Role.ADMIN, **kw: Any) -> Any:
        return self.client.post(path, headers={**self.as_role(role), **kw.pop("headers", {})}, **kw)


@contextmanager
def served(settings: Settings) -> Iterator[ServedShop]:
    store = build_read_store(settings)
    try:
        made = TokenStore(store)
        tokens = {role: made.create(f"{role.value}-1", role.value) for role in Role}
    finally:
        store.close()
    with TestClient(create_app(settings)) as client:
        yield ServedShop(client, settings, tokens)


def drop_read_schema(settings: Settings) -> None:
    import psycopg

    with psycopg.connect(settings.postgres_dsn or "", autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {settings.read_schema} CASCADE")


def report_figures_computed(client: Any) -> None:
    """Wait until readiness no longer waits for the report figures, computed in the background at start.

    Readiness is 503 until then, for that reason alone; a check that is not about them waits for them.
    """
    while True:
        checks = client.get("/health/ready").json()["checks"]
        if all(c["ok"] for c in checks if c["name"] == "report"):
            return
        time.sleep(0.05)
