"""`antrian report`: service analytics for a date range, as tables and optionally PNG charts."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from infra.cli.as_of import as_of_option
from infra.cli.console import show, wide_console
from infra.cli.state import state
from projections.analytics.promises import Share

if TYPE_CHECKING:
    from projections.analytics.report import Report
    from services.capacity_report import ReportOutlook


def register(app: typer.Typer) -> None:
    """Add `report` to `app`."""
    app.command("report")(report)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def report(
    start: str = typer.Option(
        None, "--from", help="First business day (YYYY-MM-DD); default: the beginning."
    ),
    end: str = typer.Option(None, "--to", help="Last business day, inclusive; default: the end."),
    charts: Path = typer.Option(
        None, "--charts", file_okay=False, help="Write PNG charts into this directory."
    ),
    top: int = typer.Option(
        5, "--top", min=1, help="How many SKUs the waiting list, daily table and charts show."
    ),
    daily: bool = typer.Option(False, "--daily", help="Also print demand per SKU per day."),
    as_json: bool = typer.Option(False, "--json", help="The figures as one JSON object on stdout."),
    as_of: str = as_of_option(),
) -> None:
    """Fill rate, backorders, wait times, ETA accuracy, promises kept, supplier punctuality and demand."""
    from infra.bootstrap import open_for_query
    from projections.analytics.query import read_report
    from projections.analytics.report import DEFINITIONS

    first, last = _day(start, "--from"), _day(end, "--to")
    if first and last and first > last:
        raise typer.BadParameter(f"--from {first} is after --to {last}")
    moment = None
    if as_of is not None:  # the analytics fold of the log up to the instant, in a scratch store
        from infra.cli.as_of import moment_line, travel_to
        from projections.log_prefix import read_models_at

        travel, moment = travel_to(as_of)
        store = read_models_at(travel.engine, moment.position, ["analytics"])
    else:
        store = open_for_query(state.settings, ["analytics"])
    try:
        with store.reading() as tx:
            found = read_report(tx, first, last, top)
    finally:
        store.close()
    if as_json:
        from services.capacity_report import EMPTY

        # The capacity outlook looks ahead from today: it is not kept per instant.
        figures = _json(found, EMPTY if moment else _outlook())
        if moment is not None:
            figures = figures[:-1] + ',"moment":' + json.dumps(moment.as_json()) + "}"
        typer.echo(figures)
        return
    if moment is not None:
        typer.echo(moment_line(moment))
    console = wide_console()
    typer.echo(
        f"Report for lines ordered {found.start or 'from the beginning'} .. {found.end or 'to the end'}"
    )
    for table, whole in (
        (_service(found), "metric"),
        (_skus(found), "sku"),
        (_weekly(found), "sku"),
        (_waiting(found), "sku"),
        (_suppliers(found), "supplier"),
        (_promises(found), "supplier"),
        (_calibration(found), "confidence"),
    ):
        show(console, table, whole)
    if daily:
        show(console, _daily(found, top), "day")
    if moment is None:
        _print_outlook(_outlook())
    else:
        typer.echo("Capacity outlook: not shown as of an instant (it looks ahead from today).")
    typer.echo("Definitions:")
    for term, meaning in DEFINITIONS:
        typer.echo(
            textwrap.fill(f"{term}: {meaning}", console.width, initial_indent="  ", subsequent_indent="    ")
        )
    if charts is not None:
        from projections.analytics.charts import write_charts

        for path in write_charts(found, charts, top):
            typer.echo(f"wrote {path}")


def _outlook() -> ReportOutlook:
    """Warehouse capacity over the coming weeks, from the store itself (`antrian capacity` has the detail)."""
    from infra.cli.planning import open_engine
    from services.capacity_report import EMPTY, report_outlook

    if not _may_hold_capacity():
        return EMPTY
    engine = open_engine()
    try:
        return report_outlook(engine)
    finally:
        engine.close()


def _may_hold_capacity() -> bool:
    """False when a SQLite store holds no `WarehouseConfigured` at all: then the report needs no engine (its
    start-up is most of what the outlook would cost), as queries need none when their read models are current."""
    settings = state.settings
    if settings.store != "sqlite":
        return True
    from eventsourcing.utils import get_topic

    from domain.warehouse import Warehouse
    from infra.sqlite.log_end import holds_topic

    return holds_topic(settings.sqlite_path, get_topic(Warehouse.Configured))


def _print_outlook(found: ReportOutlook) -> None:
    from services.capacity_report import outlook_lines

    ahead = f"{found.weeks} weeks from {found.as_of or '-'}; " if found.configured else ""
    typer.echo(f"Capacity outlook ({ahead}`antrian capacity` for detail):")
    for line in outlook_lines(found):
        typer.echo(f"  {line}")


def _json(found: Report, outlook: ReportOutlook) -> str:
    """The report's figures as pydantic dumps its dataclass (dates ISO), the sorted waits left out (they are
    summed up by wait_mean_days and wait_p90_days), and the capacity outlook."""
    from pydantic import TypeAdapter

    from projections.analytics.report import Report

    figures = TypeAdapter(Report).dump_python(found, mode="json", exclude={"waits"})
    figures["capacity_outlook"] = outlook.model_dump(mode="json")
    return json.dumps(figures, separators=(",", ":"), ensure_ascii=False)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} d"


def _service(r: Report) -> Table:
    table = Table(title="Service")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = (
        ("lines ordered", f"{r.lines} ({r.units} units)"),
        ("fill rate", _pct(r.fill_rate)),
        ("backorder rate", _pct(r.backorder_rate)),
        ("backordered lines", f"{r.backordered_lines} ({r.backordered_units} units)"),
        ("filled after backorder", str(r.filled_after_backorder)),
        ("still waiting", str(r.still_waiting_lines)),
        ("wait mean", _days(r.wait_mean_days)),
        ("wait p90", _days(r.wait_p90_days)),
        ("on time by first ETA", f"{_pct(r.eta_on_time)} of {r.promised_lines}"),
        ("mean ETA slip", _days(r.mean_slip_days)),
        ("cancelled by customer", str(r.cancelled_by_customer)),
        ("cancelled automatically", str(r.cancelled_automatically)),
        ("supplier on time", _pct(r.supplier_on_time)),
        ("supplier mean delay", _days(r.supplier_mean_delay_days)),
    )
    for metric, value in rows:
        table.add_row(metric, value)
    return table


def _skus(r: Report) -> Table:
    table = Table(title="Demand and backorders per SKU, most ordered first")
    for column in ("sku", "lines", "units", "backordered lines", "share", "backordered units"):
        table.add_column(column, justify="left" if column == "sku" else "right")
    for f in r.skus:
        table.add_row(
            f.sku,
            str(f.lines),
            str(f.units),
            str(f.backordered_lines),
            _pct(f.backorder_share),
            str(f.backordered_units),
        )
    return table


def _weekly(r: Report) -> Table:
    skus = [f.sku for f in r.skus]
    weeks = sorted({week for sku in skus for week in r.demand_by_week[sku]})
    table = Table(title="Units ordered per ISO week")
    table.add_column("sku")
    for week in weeks:
        table.add_column(week, justify="right")
    for sku in skus:
        table.add_row(sku, *(str(r.demand_by_week[sku].get(week, 0)) for week in weeks))
    return table


def _daily(r: Report, top: int) -> Table:
    table = Table(title="Units ordered per day")
    table.add_column("day")
    skus = [f.sku for f in r.skus[:top]]
    for sku in skus:
        table.add_column(sku, justify="right")
    for day in sorted({d for sku in skus for d in r.demand_by_day[sku]}):
        table.add_row(day.isoformat(), *(str(r.demand_by_day[sku].get(day, 0)) for sku in skus))
    return table


def _waiting(r: Report) -> Table:
    title = f"SKUs with the most units waiting now (top {len(r.top_waiting)})"
    table = Table(title=title, min_width=len(title))
    table.add_column("sku")
    table.add_column("units", justify="right")
    for sku, units in r.top_waiting:
        table.add_row(sku, str(units))
    return table


def _kept(share: Share) -> str:
    return f"{_pct(share.rate)} of {share.judged}"


def _promises(r: Report) -> Table:
    table = Table(title="Promises kept, by the supplier each rests on")
    for column in ("supplier", "first promise kept", "latest promise kept"):
        table.add_column(column, justify="left" if column == "supplier" else "right")
    p = r.promises
    table.add_row("all", _kept(p.first), _kept(p.latest))
    for supplier in p.suppliers:
        table.add_row(
            supplier,
            _kept(p.first_by_supplier.get(supplier, Share())),
            _kept(p.latest_by_supplier.get(supplier, Share())),
        )
    return table


def _calibration(r: Report) -> Table:
    table = Table(title="Calibration: confidence promised against share kept")
    for column in ("confidence", "mean promised", "first promises kept", "latest promises kept"):
        table.add_column(column, justify="left" if column == "confidence" else "right")
    for label, promised, first, latest in r.promises.calibration():
        table.add_row(label, _pct(promised), _kept(first), _kept(latest))
    return table


def _suppliers(r: Report) -> Table:
    table = Table(title="Suppliers, first receipts in range")
    for column in ("supplier", "name", "POs received", "on time", "rate", "mean delay"):
        table.add_column(column, justify="right" if column not in ("supplier", "name") else "left")
    for s in r.suppliers:
        table.add_row(
            s.supplier_id,
            s.name,
            str(s.receipts),
            str(s.on_time),
            _pct(s.on_time_rate),
            f"{s.mean_delay_days:+.2f} d",
        )
    return table
