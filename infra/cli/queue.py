"""`antrian queue [SKU] [--top N]` and `antrian order ORDER_ID`: the backorder queue as people ask about it.

Reads only the `queue` read model (brought up to date from the log first in
the embedded mode); the queries live in projections/queue_read.py and
projections/queue_order_read.py, this module only renders them.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.table import Table

from infra.cli.as_of import as_of_option
from infra.cli.console import show, wide_console
from infra.cli.state import state

if TYPE_CHECKING:
    from projections.queue_order_read import OrderView
    from projections.queue_read import QueueTotals, SkuQueue

NOT_FOUND = 1
AS_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("queue")(queue)
    app.command("order")(order)


def queue(
    sku: str = typer.Argument(None, help="SKU whose queue to print (default: the longest queues)."),
    top: int = typer.Option(10, "--top", min=1, help="How many SKUs to list when no SKU is given."),
    as_json: bool = AS_JSON,
    as_of: str = as_of_option(),
) -> None:
    """A SKU's backorder queue in serving order, or the SKUs with the most units waiting."""
    from projections.queue_read import sku_queue, top_queues

    if as_of is not None:
        if not sku:
            raise typer.BadParameter("--as-of shows one SKU's queue: give the SKU", param_hint="--as-of")
        from infra.cli.as_of import queue_as_of

        queue_as_of(sku, as_of, as_json)
        return

    found: Any = _read(lambda tx: sku_queue(tx, sku) if sku else top_queues(tx, top))
    if found is None:
        typer.echo(f"unknown SKU {sku!r}: no stock event names it", err=True)
        raise typer.Exit(NOT_FOUND)
    if as_json:
        _print_json(asdict(found) if sku else [asdict(t) for t in found])
    elif sku:
        _render_queue(found)
    else:
        _render_top(found, top)


def order(
    order_id: str = typer.Argument(..., help="Order id."),
    as_json: bool = AS_JSON,
    as_of: str = as_of_option(),
) -> None:
    """An order's lines: status, units, live queue position and promised date."""
    from projections.queue_order_read import order_view

    if as_of is not None:
        from infra.cli.as_of import order_as_of

        order_as_of(order_id, as_of, as_json)
        return

    found = _read(lambda tx: order_view(tx, order_id))
    if found is None:
        typer.echo(f"unknown order {order_id!r}: no order event names it", err=True)
        raise typer.Exit(NOT_FOUND)
    if as_json:
        _print_json(asdict(found))
    else:
        _render_order(found)


def _read(query: Any) -> Any:
    from infra.bootstrap import open_for_query

    store = open_for_query(state.settings, ["queue"])
    try:
        with store.reading() as tx:
            return query(tx)
    finally:
        store.close()


def _print_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


def _totals_line(t: QueueTotals) -> str:
    return (
        f"{t.sku} ({t.policy}): {t.units_waiting} unit(s) waiting on {t.lines} line(s), "
        f"oldest waiting since {_day(t.oldest_since)}; {t.units_covered} covered by open POs "
        f"({t.open_po_units} on order), {t.units_needing_purchase} need a purchase"
    )


def _render_queue(q: SkuQueue) -> None:
    console = wide_console()
    console.print(_totals_line(q.totals))
    if not q.entries:
        console.print("nobody waits")
        return
    table = Table(
        "pos", "order", "line", "qty", "ahead", "customer", "tier", "since", "ETA", "revised", "buy?"
    )
    table.add_column("offer")
    for e in q.entries:
        table.add_row(
            str(e.position),
            e.order_id,
            e.line_id,
            str(e.quantity),
            str(e.units_ahead),
            e.customer_id or "?",
            e.tier,
            e.waiting_since.isoformat(),
            _day(e.eta),
            str(e.eta_revisions),
            "needs purchase" if e.needs_purchase else "",
            e.substitute_offer or "",
        )
    show(console, table, "order", "line", "since", "ETA")


def _render_top(totals: list[QueueTotals], top: int) -> None:
    console = wide_console()
    if not totals:
        console.print("nobody waits for any SKU")
        return
    table = Table("sku", "waiting", "lines", "oldest since", "covered", "need purchase", "on order", "policy")
    table.title = f"top {top} SKUs by units waiting"
    for t in totals:
        table.add_row(
            t.sku,
            str(t.units_waiting),
            str(t.lines),
            _day(t.oldest_since),
            str(t.units_covered),
            str(t.units_needing_purchase),
            str(t.open_po_units),
            t.policy,
        )
    show(console, table, "sku", "oldest since")


def _render_order(o: OrderView) -> None:
    console = wide_console()
    console.print(
        f"order {o.order_id}: customer {o.customer_id} ({o.tier}), placed {o.placed_at.isoformat()}, "
        f"ships {o.shipping}{', accepts substitutes' if o.accept_substitutes else ''}"
    )
    table = Table("line", "sku", "status", "ordered", "alloc", "waiting", "shipped", "cancelled")
    for column in ("pos", "ETA", "revised", "offers"):
        table.add_column(column)
    for line in o.lines:
        allocated = str(line.allocated)
        if line.substitute_allocated:
            allocated += f" ({line.substitute_allocated} subst.)"
        eta = _day(line.eta) + (" needs purchase" if line.needs_purchase else "")
        table.add_row(
            line.line_id,
            line.sku,
            line.status,
            str(line.ordered),
            allocated,
            str(line.backordered),
            str(line.shipped),
            str(line.cancelled),
            str(line.position) if line.position else "-",
            eta if line.backordered else "-",
            str(line.eta_revisions),
            "; ".join(line.substitute_offers),
        )
    show(console, table, "line", "sku", "status", "ETA")
