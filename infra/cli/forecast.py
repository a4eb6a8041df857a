"""`antrian forecast [SKU | backtest]`: the latest run's forecasts, and the methods scored on the past."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from infra.cli.console import show, wide_console
from infra.cli.planning import day_option, number, open_engine, plan_settings
from infra.cli.state import FAILED, USAGE

if TYPE_CHECKING:
    from domain.planning_run import SkuPlan


def forecast(
    what: str = typer.Argument(
        None, metavar="[SKU | backtest]", help="One SKU, or `backtest`; default: every SKU."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    from_: str = typer.Option(
        None, "--from", help="backtest: the first day scored (default: four weeks before --to)."
    ),
    to: str = typer.Option(
        None, "--to", help="backtest: the last day scored (default: the latest message time's day)."
    ),
    horizon: int = typer.Option(7, min=1, max=56, help="backtest: days forecast from each origin."),
) -> None:
    """The latest run's forecast (class, method, weekly sums, p90 band), or `backtest`: methods scored.

    Without a recorded run one is computed and shown, not recorded (`antrian plan run` records).
    """
    if what == "backtest":
        _backtest(day_option(from_, "--from"), day_option(to, "--to"), horizon, as_json)
        return
    from services.planning.runs import NothingToPlan, latest_run, plan, read_history

    engine = open_engine()
    run = latest_run(engine)
    try:
        plans = list(run.plans.values()) if run else plan(read_history(engine, None), plan_settings())
    except NothingToPlan as nothing:
        typer.echo(f"error: {nothing}", err=True)
        raise typer.Exit(FAILED) from None
    if what is not None:
        plans = [p for p in plans if p.sku == what]
        if not plans:
            typer.echo(f"error: no forecast for SKU {what!r}", err=True)
            raise typer.Exit(FAILED)
    source = f"run {run.id} as of {run.as_of}" if run else "computed now, not recorded (no planning run yet)"
    if as_json:
        import orjson

        body: dict[str, Any] = {
            "run_id": str(run.id) if run else None,
            "as_of": str(run.as_of) if run else None,
        }
        body["skus"] = [p.model_dump(mode="json") for p in plans]
        typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
        return
    _forecast_table(plans, source)


def _forecast_table(plans: list[SkuPlan], source: str) -> None:
    weeks = max((len(p.forecast) for p in plans), default=0) // 7
    table = Table(title=f"Forecast, units per week: mean (p90); {source}")
    for header in ("SKU", "class", "method", "ADI", "CV²", "cut"):
        table.add_column(header)
    for week in range(1, weeks + 1):
        table.add_column(f"wk{week}", justify="right")
    for header in ("lead+late", "safety", "reorder pt", "order-up-to"):
        table.add_column(header, justify="right")
    for p in plans:
        sums = [
            f"{sum(p.forecast[w * 7 : w * 7 + 7]):.0f} ({sum(p.p90[w * 7 : w * 7 + 7]):.0f})"
            for w in range(weeks)
        ]
        lead = f"{p.lead_time_days}+{p.lateness_mean:.1f}" if p.lead_time_days is not None else "-"
        table.add_row(
            p.sku,
            p.demand_class,
            p.method,
            number(p.adi),
            number(p.cv2),
            f"{p.outlier_units:.0f}" if p.outlier_units else "-",
            *sums,
            lead,
            number(p.safety_stock),
            number(p.reorder_point),
            number(p.order_up_to),
        )
    show(wide_console(), table, "SKU")


def _backtest(first: date | None, last: date | None, horizon: int, as_json: bool) -> None:
    from services.planning.backtest import BASELINE, backtest
    from services.planning.runs import NothingToPlan, read_history

    engine = open_engine()
    try:
        history = read_history(engine, last)
    except NothingToPlan as nothing:
        typer.echo(f"error: {nothing}", err=True)
        raise typer.Exit(FAILED) from None
    first = first or history.as_of - timedelta(days=27)
    days = (history.as_of - first).days + 1
    if days < horizon:
        typer.echo(f"error: --from to --to must cover at least the horizon ({horizon} days)", err=True)
        raise typer.Exit(USAGE)
    windows = (days - horizon) // 7 + 1
    series = {sku: history.series(sku) for sku in sorted(history.demand)}
    result = backtest(series, horizon=horizon, windows=windows, step=7)
    if as_json:
        import dataclasses

        import orjson

        typer.echo(orjson.dumps(dataclasses.asdict(result), option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(
        title=f"Backtest {first} to {history.as_of}: {windows} origins, {horizon}-day horizon "
        f"({result.skipped} SKUs too short or without demand left out); ratio: MASE / {BASELINE}'s"
    )
    for header in ("class", "method", "SKUs", "MASE", "RMSSE", "ratio", ""):
        table.add_column(header, justify="left" if header in ("class", "method", "") else "right")
    for scores in [*result.classes.values(), None]:
        name, found = (scores.demand_class, scores.scores) if scores else ("all", result.overall)
        base = found[BASELINE].mase if BASELINE in found else 0
        for method, score in found.items():
            marks = []
            if scores and method == scores.chosen:
                marks.append("the run's method")
            if scores and method == scores.best:
                marks.append("best")
            ratio = f"{score.mase / base:.2f}" if base else "-"
            table.add_row(
                name,
                method,
                str(score.series),
                f"{score.mase:.3f}",
                f"{score.rmsse:.3f}",
                ratio,
                ", ".join(marks),
            )
    show(wide_console(), table, "class", "method")
