"""`antrian notifications list|dispatch`: what customers are told, and sending it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import orjson
import typer
from rich.table import Table

from infra.cli.console import show, wide_console
from infra.cli.state import state
from projections.notifications.outbox import Status

if TYPE_CHECKING:
    from infra.settings import Settings
    from projections.notifications.channels import Channel

notifications_app = typer.Typer(no_args_is_help=True, help="Customer notifications: list and dispatch.")


def register(app: typer.Typer) -> None:
    """Add `notifications` to `app`."""
    app.add_typer(notifications_app, name="notifications")


def build_channel(settings: Settings) -> Channel:
    """The configured channel. Settings it cannot work with: one line on stderr, exit code 2, nothing sent."""
    from infra.bootstrap import build_notify_channel
    from projections.notifications.channels import ChannelMisconfigured

    try:
        return build_notify_channel(settings)
    except ChannelMisconfigured as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


@notifications_app.command("list")
def list_notifications(
    status: Status = typer.Option(None, "--status", help="Only notifications with this delivery status."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many (oldest first)."),
    jsonl: bool = typer.Option(False, "--jsonl", help="One JSON object per notification on stdout."),
) -> None:
    """Every notification composed, oldest first, with its delivery status."""
    from infra.bootstrap import open_for_query
    from projections.notifications.outbox import listing

    store = open_for_query(state.settings, ["notifications"])
    try:
        with store.reading() as tx:
            found = listing(tx, status, limit)
    finally:
        store.close()
    if jsonl:
        for row in found:
            sys.stdout.write(orjson.dumps(row).decode() + "\n")
        return
    table = Table(title=f"{len(found)} notification(s)")
    for column in ("key", "status", "tries", "kind", "to", "locale", "subject", "last error"):
        table.add_column(column, overflow="fold")
    for row in found:
        table.add_row(
            row["idempotency_key"],
            row["status"],
            str(row["attempts"]),
            row["kind"],
            row["recipient"],
            row["locale"],
            row["subject"],
            row["last_error"] or "",
        )
    show(wide_console(), table, "key")


@notifications_app.command("dispatch")
def dispatch(
    limit: int = typer.Option(None, "--limit", min=1, help="Send at most this many notifications."),
) -> None:
    """Compose what is new, then deliver due notifications through ANTRIAN_NOTIFY_CHANNEL (file or webhook).

    Each delivery is recorded with the event store too, so an outbox restored from it sends nothing twice.
    """
    from infra.bootstrap import build_engine, open_for_query
    from infra.dispatch_progress import DispatchProgress
    from projections.notifications.dispatcher import Dispatcher, RetryPolicy
    from services.notices import NoticeLedger

    channel = build_channel(state.settings)
    engine = build_engine(state.settings)
    try:
        store = open_for_query(state.settings, ["notifications"], engine)
        try:
            policy = RetryPolicy(max_attempts=state.settings.notify_max_attempts)
            progress = DispatchProgress(state.settings.progress_seconds)
            dispatcher = Dispatcher(store, channel, policy, ledger=NoticeLedger(engine), progress=progress)
            recovered = dispatcher.recover()
            report = dispatcher.dispatch(limit)
        finally:
            store.close()
    finally:
        engine.close()
    typer.echo(
        f"delivered {report.delivered}, failed {report.failed}, dead {report.dead}, "
        f"superseded {report.superseded}"
        + (
            f", {report.told_before} told before (recorded with the event store)"
            if report.told_before
            else ""
        )
        + (f" ({recovered} interrupted send(s) retried)" if recovered else "")
    )
    if report.failed or report.dead:  # a supervisor or cron sees it; the failed ones are retried next time
        raise typer.Exit(1)
