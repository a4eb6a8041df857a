"""`--as-of TIMESTAMP`: the queue, an order, a stock position, an audit or the report as they were then.

Read from the event store, not the read models: each aggregate at its version at
the instant (services/time_travel). The instant is business time (the messages'
`occurred_at`); README "Time travel" says what it means when messages arrived out
of order. `antrian stock SKU` always reads the Stock this way (at the log's end
without --as-of).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.table import Table

from infra.cli.console import show, wide_console
from infra.cli.state import state

if TYPE_CHECKING:
    from services.stock_position import StockPositionView
    from services.time_travel.moment import Moment
    from services.time_travel.views import OrderAt, QueueAt, TimeTravel

NOT_FOUND = 1
AS_OF_HELP = (
    "Show it as it was at this instant of business time (ISO 8601 with zone, e.g. 2026-01-05T10:00:00Z), "
    "rebuilt from the event store."
)


def as_of_option() -> Any:
    return typer.Option(None, "--as-of", help=AS_OF_HELP)


def register(app: typer.Typer) -> None:
    app.command("stock")(stock)


def instant(text: str) -> datetime:
    """The option's instant, or a usage error naming --as-of."""
    from services.time_travel.moment import BadInstant, parse_instant

    try:
        return parse_instant(text)
    except BadInstant as error:
        raise typer.BadParameter(str(error), param_hint="--as-of") from None


def travel_to(text: str | None) -> tuple[TimeTravel, Moment]:
    from infra.bootstrap import build_engine
    from services.time_travel.views import TimeTravel

    travel = TimeTravel(build_engine(state.settings))
    return travel, travel.at(None if text is None else instant(text))


def moment_line(moment: Moment) -> str:
    where = "the log's end" if moment.position is None else f"notification {moment.position}"
    head = f"as of {moment.instant.isoformat()}: {moment.applied} message(s) applied, up to {where}"
    if moment.before_first:
        head += " (before the first message: nothing had happened yet)"
    return head + ("" if moment.exact else f"\nNOT EXACT: {moment.note()}")


def print_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def show_at(
    text: str | None,
    as_json: bool,
    what: str,
    read: Callable[[TimeTravel, Moment], Any],
    unknown: str,
    render: Callable[[Any], None],
) -> None:
    """Every read here: at the instant asked (else the log's end), as JSON `{"moment", what}` or as the
    moment's line (with NOT EXACT when it is not) and the view; `unknown` and exit 1 when nothing is found."""
    travel, moment = travel_to(text)
    found = read(travel, moment)
    if as_json:
        print_json({"moment": None if text is None else moment.as_json(), what: found and asdict(found)})
    else:
        if text is not None:
            typer.echo(moment_line(moment))
        if found is None:
            typer.echo(unknown, err=True)
        else:
            render(found)
    if found is None:
        raise typer.Exit(NOT_FOUND)


def queue_as_of(sku: str, text: str, as_json: bool) -> None:
    unknown = f"unknown SKU {sku!r} at that instant: no stock event named it yet"
    show_at(text, as_json, "queue", lambda travel, moment: travel.queue(sku, moment), unknown, _render_queue)


def order_as_of(order_id: str, text: str, as_json: bool) -> None:
    unknown = f"unknown order {order_id!r} at that instant: it was not placed yet"
    show_at(
        text, as_json, "order", lambda travel, moment: travel.order(order_id, moment), unknown, _render_order
    )


def stock(
    sku: str = typer.Argument(..., help="SKU whose stock position to show."),
    as_of: str = as_of_option(),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """A SKU's stock position (on hand per warehouse, allocated, available, waiting, settings), read from the Stock."""
    unknown = f"unknown SKU {sku!r}{' at that instant' if as_of else ''}: no stock event names it"
    show_at(as_of, as_json, "stock", lambda travel, moment: travel.stock(sku, moment), unknown, _render_stock)


def _render_queue(q: QueueAt) -> None:
    console = wide_console()
    console.print(
        f"{q.sku} ({q.policy}, Stock version {q.version}): {q.units_waiting} unit(s) waiting on {q.lines} "
        f"line(s); on hand {q.on_hand}, allocated {q.allocated}, available {q.available}; "
        f"{q.units_needing_purchase} need a purchase"
    )
    if not q.entries:
        console.print("nobody waits")
        return
    table = Table("pos", "order", "line", "qty", "ahead", "tier", "since", "ETA", "buy?", "released")
    for e in q.entries:
        table.add_row(
            str(e.position),
            e.order_id,
            e.line_id,
            str(e.quantity),
            str(e.units_ahead),
            e.tier,
            e.waiting_since.isoformat(),
            e.eta.isoformat() if e.eta else "-",
            "needs purchase" if e.needs_purchase else "",
            "yes" if e.released_ahead else "",
        )
    show(console, table, "order", "line", "since", "ETA")


def _render_order(o: OrderAt) -> None:
    console = wide_console()
    console.print(
        f"order {o.order_id} (version {o.version}): customer {o.customer_id} ({o.tier}), placed "
        f"{o.placed_at.isoformat()}, ships {o.shipping}"
    )
    table = Table(
        "line", "sku", "status", "ordered", "alloc", "waiting", "shipped", "cancelled", "pos", "ETA"
    )
    for line in o.lines:
        table.add_row(
            line.line_id,
            line.sku,
            line.status,
            str(line.ordered),
            str(line.allocated),
            str(line.backordered),
            str(line.shipped),
            str(line.cancelled),
            str(line.position) if line.position else "-",
            line.eta.isoformat() if line.eta else "-",
        )
    show(console, table, "line", "sku", "status", "ETA")


def _rationing(s: StockPositionView) -> str:
    reserve = ", ".join(f"{tier} {units}" for tier, units in s.reserve.items()) or "-"
    quota = s.quota
    per_period = (
        f"{quota['units']}/{quota['period']} per {quota['per']}, beyond: {quota['beyond']}" if quota else "-"
    )
    hours = f"{s.redistribute_within_hours} h" if s.redistribute_within_hours else "off"
    return f"reserve {reserve}; quota {per_period}; redistribution {hours}"


def _render_stock(s: StockPositionView) -> None:
    warehouses = ", ".join(f"{w} {n}" for w, n in s.on_hand.items()) or "none"
    typer.echo(
        f"{s.sku} (Stock version {s.version}): allocation {s.policy}, ETA {s.eta_policy}, "
        f"replenishment {s.replenish_policy}\n"
        f"  on hand {s.on_hand_total} ({warehouses}); allocated {s.allocated}; available {s.available}\n"
        f"  waiting {s.units_waiting} unit(s) on {s.lines_waiting} line(s), oldest since "
        f"{s.oldest_wait_since or '-'}; {s.units_needing_purchase} need a purchase; inbound {s.units_inbound}\n"
        f"  reorder point {s.reorder_point}, safety stock {s.safety_stock}, order up to {s.order_up_to or '-'}\n"
        f"  {_rationing(s)}\n"
        f"  substitutes {', '.join(s.substitutes) or '-'}; substitute for {', '.join(s.substitute_for) or '-'}"
    )
