"""The query commands over read models: queue, order, notifications, audit, report."""

from __future__ import annotations

import typer

from infra import analytics_cli, audit_cli, notifications_cli, queue_cli


def register_read_commands(app: typer.Typer) -> None:
    for module in (queue_cli, notifications_cli, audit_cli, analytics_cli):
        module.register(app)
