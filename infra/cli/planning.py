"""`antrian plan run|replay|apply`: recorded planning runs (`antrian forecast`: infra/cli/forecast.py).

Nothing here imports the forecasting library at module level: it is loaded by
services/planning when a command plans, so `antrian --help` and the other
commands do not pay for it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

import typer

from infra.cli.state import FAILED, USAGE, cli_caller, state

if TYPE_CHECKING:
    from domain.planning_run import PlanningRun
    from infra.settings import Settings
    from services.engine import Engine
    from services.planning.runs import PlanSettings

plan_app = typer.Typer(
    no_args_is_help=True, help="Forecast demand and recommend reorder points (recorded runs)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")


def open_engine() -> Engine:
    from infra.bootstrap import build_engine

    return build_engine(state.settings)


def plan_settings(settings: Settings | None = None) -> PlanSettings:
    """The planning runs' settings (ANTRIAN_PLAN_*), from `settings` or the command's."""
    from services.planning.runs import PlanSettings

    s = settings or state.settings
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

    engine = open_engine()
    try:
        run = start_run(engine, day_option(as_of, "--as-of"), plan_settings())
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

    engine = open_engine()
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

    engine = open_engine()
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
    from services.planning.apply import apply_run, configured_now
    from services.planning.runs import latest_message_time

    configured = configured_now(engine, skus)
    plans = [run.plans[sku] for sku in skus]
    results = apply_run(engine, run, plans, configured, latest_message_time(engine), cli_caller())
    ok = True
    for result in results:
        p, before = result.plan, configured.get(result.plan.sku, (0, 0, None))
        change = (
            f"reorder point {before[0]} -> {p.reorder_point}, safety stock {before[1]} -> {p.safety_stock}, "
            f"order-up-to {before[2] or 'none'} -> {p.order_up_to or 'none'}"
        )
        if result.outcome is None:
            typer.echo(
                f"{p.sku}: unchanged (reorder point {p.reorder_point}, safety stock {p.safety_stock}, "
                f"order-up-to {p.order_up_to or 'none'})"
            )
        elif result.outcome.status is Status.APPLIED:
            typer.echo(f"{p.sku}: applied: {change}")
        elif result.outcome.status is Status.DUPLICATE:
            typer.echo(f"{p.sku}: applied before (message plan:{run.id}:{p.sku})")
        else:
            ok = False
            typer.echo(f"{p.sku}: refused: {result.outcome.detail}", err=True)
    return ok


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


def day_option(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def number(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
