"""Projections over an engine's log, as the embedded mode runs them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.bootstrap import log_feed
from projections.base import Projection
from projections.runner import ProjectionRunner
from projections.store import ReadStore, SqliteReadStore
from services.engine import Engine


def project(
    engine: Engine, projections: Sequence[Projection], store: ReadStore | None = None
) -> ProjectionRunner:
    """Catch `projections` up with everything `engine` stored; a fresh in-memory read store by default."""
    runner = ProjectionRunner(store or SqliteReadStore(":memory:"), projections)
    runner.run(log_feed(engine))
    return runner


def rows(runner: ProjectionRunner, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    with runner.store.reading() as tx:
        return tx.dicts(sql, params)
