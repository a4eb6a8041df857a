"""`antrian purchase-orders`, `antrian replenishment`, `antrian suppliers`: what a buyer reads.

The queries live in projections/purchasing (the same functions the HTTP API
calls); this module catches their read models up (embedded mode) and renders
them. `--json` prints the pydantic models as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.table import Table

from infra.cli.console import show, wide_console
from infra.cli.state import state

if TYPE_CHECKING:
    from projections.purchasing.models import PurchaseOrderView, ReplenishmentItem, SupplierScorecard
    from projections.store import ReadStore

NOT_FOUND = 1
AS_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
T = TypeVar("T")


def _read(query: str, ask: Callable[[ReadStore], T]) -> T:
    from infra.bootstrap import open_for_query
    from projections.purchasing import READS

    store = open_for_query(state.settings, list(READS[query]))
    try:
        return ask(store)
    finally:
        store.close()


def _print_json(found: Any) -> None:
    from pydantic import TypeAdapter

    typer.echo(TypeAdapter(type(found)).dump_json(found, indent=2).decode())


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


def purchase_orders(
    show_all: bool = typer.Option(False, "--all", help="Also received and cancelled POs."),
    supplier: str = typer.Option(None, "--supplier", help="Only this supplier's POs."),
    sku: str = typer.Option(None, "--sku", help="Only POs with a line for this SKU."),
    as_json: bool = AS_JSON,
) -> None:
    """Open purchase orders: lines, dates and their revisions, lateness, and the waiting lines each covers."""
    from projections.purchasing.po_read import purchase_orders as query

    found = _read("purchase_orders", lambda store: query(store, "all" if show_all else "open", supplier, sku))
    if as_json:
        _print_json(found)
    else:
        _render_orders(found)


def _render_orders(orders: Sequence[PurchaseOrderView]) -> None:
    console = wide_console()
    if not orders:
        console.print("no purchase order")
        return
    console.print(f"as of {_day(orders[0].as_of)} (the latest message time seen)")
    table = Table("PO", "supplier", "status", "expected", "now due", "late", "lines", "covers")
    for po in orders:
        lines = ", ".join(f"{line.sku} {line.received}/{line.ordered}" for line in po.lines)
        late = "-" if po.days_late is None else f"{po.days_late:+d} d" + (" LATE" if po.late_now else "")
        table.add_row(
            po.purchase_order_id,
            po.supplier_id,
            po.status.value,
            po.expected_date.isoformat(),
            po.current_expected_date.isoformat(),
            late,
            lines,
            f"{po.covers.lines} ln / {po.covers.units} u",
        )
    show(console, table, "PO", "supplier", "expected", "now due")


def replenishment(as_json: bool = AS_JSON) -> None:
    """The buyer's worklist: replenishment suggested and not yet answered by a purchase order."""
    from infra.cli.planning import open_engine
    from projections.purchasing.capacity_marks import marked, wanted
    from projections.purchasing.worklist import replenishment as query
    from services.capacity import worklist_marks

    found = _read("replenishment", query)
    found = marked(found, *worklist_marks(open_engine(), wanted(found)))
    if as_json:
        _print_json(found)
    else:
        _render_worklist(found)


def _render_worklist(items: Sequence[ReplenishmentItem]) -> None:
    console = wide_console()
    if not items:
        console.print("nothing to buy: every suggestion is answered by a purchase order")
        return
    table = Table("sku", "supplier", "buy", "since", "waiting", "why")
    for item in items:
        table.add_row(
            item.sku,
            item.supplier_id,
            f"{item.quantity} (failover: {item.saves_count} ln)"
            if item.kind == "failover"
            else str(item.quantity),
            item.since.date().isoformat(),
            f"{item.covers.lines} ln / {item.covers.units} u",
            item.reason,
        )
    show(console, table, "sku", "supplier", "since")
    for item in items:
        if item.capacity is not None:
            console.print(f"{item.sku}: {item.capacity.text}")


def suppliers(
    supplier_id: str = typer.Argument(None, help="One supplier's scorecard with its months."),
    as_json: bool = AS_JSON,
) -> None:
    """Supplier scorecards: on time, delay (mean, p90, POs per lateness bucket), quantity fill, open POs; by month for one."""
    from projections.purchasing.scorecard import scorecard, scorecards

    if supplier_id is None:
        cards = _read("suppliers", scorecards)
        if as_json:
            _print_json(cards)
        else:
            _render_cards(cards)
        return
    card = _read("suppliers", lambda store: scorecard(store, supplier_id))
    if card is None:
        typer.echo(f"unknown supplier {supplier_id!r}: no supplier event names it", err=True)
        raise typer.Exit(NOT_FOUND)
    if as_json:
        _print_json(card)
    else:
        _render_cards([card], months=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}"


# The delay distribution's buckets, in its order (projections.purchasing.scorecard.DELAY_BUCKETS).
_DISTRIBUTION_HEADER = "POs by days late <0/0/1-2/3-5/6-10/11-20/>20"


def _render_cards(cards: Sequence[SupplierScorecard], months: bool = False) -> None:
    console = wide_console()
    if not cards:
        console.print("no supplier")
        return
    table = Table(
        "supplier", "received", "on time", "delay d", "p90 d", "fill", "open", "late", _DISTRIBUTION_HEADER
    )
    for card in cards:
        table.add_row(
            card.supplier_id,
            str(card.received_pos),
            _pct(card.on_time_rate),
            _days(card.mean_delay_days),
            _days(card.p90_delay_days),
            _pct(card.fill_rate),
            str(card.open_pos),
            str(card.late_open_pos),
            "/".join(str(b.pos) for b in card.delay_distribution.buckets),
        )
    show(console, table, "supplier")
    if months:
        for card in cards:
            trend = Table(
                "month", "received", "on time", "delay d", "p90 d", "fill", title=f"{card.name} by month"
            )
            for m in card.months:
                trend.add_row(
                    m.month,
                    str(m.received_pos),
                    _pct(m.on_time_rate),
                    _days(m.mean_delay_days),
                    _days(m.p90_delay_days),
                    _pct(m.fill_rate),
                )
            show(console, trend, "month")
