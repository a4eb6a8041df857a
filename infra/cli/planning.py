"""`antrian plan run|replay|apply` and `antrian forecast [SKU | backtest]`: demand planning.

Nothing here imports the forecasting library at module level: it is loaded by
services/planning when a command plans, so `antrian --help` and the other
commands do not pay for it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import typer
from rich.table import Table

from infra.cli.console import show, wide_console
from infra.cli.state import FAILED, USAGE, cli_caller, state

if TYPE_CHECKING:
    from domain.planning_run import PlanningRun, SkuPlan
    from services.engine import Engine
    from services.planning.runs import PlanSettings

plan_app = typer.Typer(
    no_args_is_help=True, help="Forecast demand and recommend reorder points (recorded runs)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
    app.command("forecast")(forecast)


def _engine() -> Engine:
    from infra.bootstrap import build_engine

    return build_engine(state.settings)


def plan_settings() -> PlanSettings:
    from services.planning.runs import PlanSettings

    s = state.settings
    levels: dict[str, float] = {"default": s.plan_service_level}
    levels.update({str(name): level for name, level in s.plan_service_levels.items()})
    return PlanSettings(s.plan_horizon_days, s.plan_review_days, levels)


@plan_app.command("run")
def plan_run(
    as_of: str = typer.Option(
        None,
        "--as-of",
        help="Plan from the history up to this day (default: the store's latest message time).",
    ),
) -> None:
    """Forecast every SKU from the history up to --as-of, recommend its settings, record the run; print its id."""
    from services.planning.apply import opted_in
    from services.planning.runs import NothingToPlan, start_run

    engine = _engine()
    try:
        run = start_run(engine, _day(as_of, "--as-of"), plan_settings())
    except NothingToPlan as nothing:
        typer.echo(f"error: {nothing}", err=True)
        raise typer.Exit(FAILED) from None
    typer.echo(str(run.id))
    advised = sum(p.recommends for p in run.plans.values())
    typer.echo(f"planned {len(run.plans)} SKUs as of {run.as_of} ({advised} with a recommendation)", err=True)
    auto = opted_in(run, state.settings.plan_auto_apply)
    if auto:
        _apply(engine, run, auto)


@plan_app.command("replay")
def plan_replay(run_id: str = typer.Argument(..., help="The run's id, as `plan run` printed it.")) -> None:
    """Compute a recorded run again from the same history; MATCH, or DIFF with each SKU's differences."""
    from services.planning.runs import replay_run

    engine = _engine()
    run = _run(engine, run_id)
    replayed = replay_run(engine, run)
    if replayed.fingerprint != run.inputs_fingerprint:
        typer.echo(f"inputs: recorded {run.inputs_fingerprint[:16]}, read now {replayed.fingerprint[:16]}")
    if replayed.versions != run.versions:
        typer.echo(f"versions: recorded {run.versions}, now {replayed.versions}")
    for d in replayed.differences:
        typer.echo(f"  {d.sku}: {d.field}: recorded {_short(d.recorded)}, recomputed {_short(d.recomputed)}")
    skus = len({d.sku for d in replayed.differences})
    verdict = "MATCH" if replayed.matches else f"DIFF ({skus} of {len(run.plans)} SKUs differ)"
    typer.echo(f"{verdict}: run {run.id} as of {run.as_of}, {len(run.plans)} SKUs")
    raise typer.Exit(0 if replayed.matches else FAILED)


@plan_app.command("apply")
def plan_apply(
    run_id: str = typer.Argument(..., help="The run's id."),
    skus: list[str] = typer.Option(
        None, "--sku", help="Only this SKU (repeat for more); default: every SKU."
    ),
) -> None:
    """Send each recommendation as a SkuConfigured message (the ingest path, recorded as cli:<login>)."""
    from services.planning.apply import chosen

    engine = _engine()
    run = _run(engine, run_id)
    try:
        picked = chosen(run, skus or None)
    except LookupError as missing:
        typer.echo(f"error: {missing}", err=True)
        raise typer.Exit(FAILED) from None
    if not _apply(engine, run, [p.sku for p in picked]):
        raise typer.Exit(FAILED)


def _apply(engine: Engine, run: PlanningRun, skus: list[str]) -> bool:
    """Apply and print one line per SKU; False if any message was refused."""
    from services.outcomes import Status
    from services.planning.apply import apply_run
    from services.planning.history import fold, read_events
    from services.planning.runs import latest_message_time

    position = engine.recorder.max_notification_id() or 0
    configured = fold(read_events(engine.recorder, engine.mapper, position), run.as_of, position).configured
    plans = [run.plans[sku] for sku in skus]
    results = apply_run(engine, run, plans, configured, latest_message_time(engine), cli_caller())
    ok = True
    for result in results:
        p, before = result.plan, configured.get(result.plan.sku, (0, 0))
        change = (
            f"reorder point {before[0]} -> {p.reorder_point}, safety stock {before[1]} -> {p.safety_stock}"
        )
        if result.outcome is None:
            typer.echo(f"{p.sku}: unchanged (reorder point {p.reorder_point}, safety stock {p.safety_stock})")
        elif result.outcome.status is Status.APPLIED:
            typer.echo(f"{p.sku}: applied: {change}")
        elif result.outcome.status is Status.DUPLICATE:
            typer.echo(f"{p.sku}: applied before (message plan:{run.id}:{p.sku})")
        else:
            ok = False
            typer.echo(f"{p.sku}: refused: {result.outcome.detail}", err=True)
    return ok


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
        _backtest(_day(from_, "--from"), _day(to, "--to"), horizon, as_json)
        return
    from services.planning.runs import NothingToPlan, latest_run, plan, read_history

    engine = _engine()
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
    for header in ("SKU", "class", "method", "ADI", "CV²"):
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
            _num(p.adi),
            _num(p.cv2),
            *sums,
            lead,
            _num(p.safety_stock),
            _num(p.reorder_point),
            _num(p.order_up_to),
        )
    show(wide_console(), table, "SKU")


def _backtest(first: date | None, last: date | None, horizon: int, as_json: bool) -> None:
    from services.planning.backtest import BASELINE, backtest
    from services.planning.runs import NothingToPlan, read_history

    engine = _engine()
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


def _run(engine: Engine, run_id: str) -> PlanningRun:
    from eventsourcing.application import AggregateNotFoundError

    from services.planning.runs import get_run

    try:
        return get_run(engine, UUID(run_id))
    except ValueError:
        typer.echo(f"error: {run_id!r} is not a run id (a UUID, as `antrian plan run` prints it)", err=True)
        raise typer.Exit(USAGE) from None
    except (AggregateNotFoundError, LookupError):
        typer.echo(f"error: there is no planning run {run_id}", err=True)
        raise typer.Exit(FAILED) from None


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def _num(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
