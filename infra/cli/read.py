"""The query commands over read models: queue, order, notifications, audit, report."""

from __future__ import annotations

import typer

from infra.cli import analytics, audit, notifications, queue


def register_read_commands(app: typer.Typer) -> None:
    for module in (queue, notifications, audit, analytics):
        module.register(app)
