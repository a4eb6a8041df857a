"""The query commands: queue, order, stock, notifications, audit, report (read models, or the store --as-of)."""

from __future__ import annotations

import typer

from infra.cli import analytics, as_of, audit, notifications, queue


def register_read_commands(app: typer.Typer) -> None:
    for module in (queue, as_of, notifications, audit, analytics):
        module.register(app)
