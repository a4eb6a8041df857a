"""`antrian audit`: the full timeline of one order or one SKU, with every decision's why."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import orjson
import typer

from infra.cli.as_of import as_of_option
from infra.cli.state import state

if TYPE_CHECKING:
    from projections.audit_timeline import Entry


def register(app: typer.Typer) -> None:
    """Add `audit` to `app`."""
    app.command("audit")(audit)


def audit(
    order_id: str = typer.Argument(None, help="Order to show (or use --sku)."),
    sku: str = typer.Option(None, "--sku", help="Show a SKU's timeline instead of an order's."),
    jsonl: bool = typer.Option(False, "--jsonl", help="One JSON object per timeline entry on stdout."),
    as_of: str = as_of_option(),
) -> None:
    """Every event about an order (or a SKU) in log order, with policy, inputs and reason of each decision."""
    from infra.bootstrap import open_for_query
    from projections.audit_timeline import order_timeline, sku_timeline

    if (order_id is None) == (sku is None):
        typer.echo("audit: give an ORDER_ID or --sku SKU (one of them)", err=True)
        raise typer.Exit(2)
    subject = f"order {order_id}" if sku is None else f"SKU {sku}"
    moment = None
    if as_of is not None:  # the events stored up to the instant's log position
        from infra.cli.as_of import moment_line, travel_to

        moment = travel_to(as_of)[1]
        typer.echo(moment_line(moment), err=jsonl)
    store = open_for_query(state.settings, ["audit"])
    try:
        with store.reading() as tx:
            entries = order_timeline(tx, order_id) if sku is None else sku_timeline(tx, sku)
    finally:
        store.close()
    if moment is not None and moment.position is not None:
        entries = [entry for entry in entries if entry.notification_id <= moment.position]
    if not entries:
        typer.echo(f"no events about {subject}{' by then' if moment else ''}", err=True)
        raise typer.Exit(1)
    if jsonl:
        for entry in entries:
            sys.stdout.write(orjson.dumps(entry.as_json()).decode() + "\n")
        return
    typer.echo(f"{subject}: {len(entries)} event(s)")
    for entry in entries:
        _print(entry)


def _print(entry: Entry) -> None:
    when = entry.business_time or "-"
    by = f"  by {entry.by}" if entry.by else ""
    typer.echo(f"\n#{entry.notification_id}  {when}  {entry.event_type}  {entry.summary}{by}")
    for label, decision in entry.decisions.items():
        if decision.get("as_of"):
            taken = f"as of {decision['as_of']}"
        else:  # Order events refer to the Stock event that holds the decision
            taken = f"taken on {decision.get('sku')} at version {decision.get('stock_version')}"
        typer.echo(f"    {label}: {decision['policy']}  message {decision['message_id']}  {taken}")
        typer.echo(f"      inputs: {orjson.dumps(decision['inputs'], option=orjson.OPT_SORT_KEYS).decode()}")
        typer.echo(f"      reason: {decision['reason']}")
    for command in entry.replay:
        typer.echo(f"    replay: {command}")
