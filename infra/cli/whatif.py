"""`antrian whatif` (another policy over real history, or a switch previewed now) and `antrian inbox backfill`."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer

from infra.cli.state import FAILED, state

if TYPE_CHECKING:
    from infra.whatif import WhatIf
    from projections.whatif_outcome import HistoryOutcome

inbox_app = typer.Typer(no_args_is_help=True, help="The inbox: what became of each message id.")
TOP = 10  # orders shown that differ most


def register(app: typer.Typer) -> None:
    """Add `whatif` and `inbox` to `app`."""
    app.command("whatif")(whatif)
    app.add_typer(inbox_app, name="inbox")


def whatif(
    policy: str = typer.Option(
        None, "--policy", help="The allocation policy the history is told again with."
    ),
    sku: list[str] = typer.Option(None, "--sku", help="Only these SKUs change (repeat); default: every SKU."),
    set_: list[str] = typer.Option(
        None, "--set", help="field=value of SkuConfigured to set too (a JSON value), e.g. quota='{...}'."
    ),
    start: datetime = typer.Option(None, "--from", help="The new configuration holds from this time (UTC)."),
    end: datetime = typer.Option(None, "--to", help="Messages after this time are not re-applied (UTC)."),
    as_json: bool = typer.Option(False, "--json", help="Both outcomes as one JSON object."),
    orders: bool = typer.Option(False, "--orders", help="List every order whose outcome differs."),
    apply_now: tuple[str, str] | None = typer.Option(
        None,
        "--apply-now",
        metavar="SKU POLICY",
        help="SKU POLICY: which waiting lines would move if SKU switched now.",
    ),
) -> None:
    """What another allocation policy would have done with the same history; the real store is only read.

    The applied messages are re-applied in the order they took effect into a scratch store
    (deleted afterwards), with the chosen SKUs' SkuConfigured messages naming the policy.
    Messages the other policy makes impossible (a shipment of units it never allocated)
    are refused there and listed: findings, not errors.
    """
    settings = _set(set_ or [])
    if apply_now and apply_now[0] is not None:
        _apply_now(apply_now[0], apply_now[1], settings, as_json)
        return
    if not policy:
        raise typer.BadParameter("name the policy (--policy NAME), or use --apply-now SKU POLICY")
    from services.whatif_rewrite import Change, UnknownSetting

    change = Change(policy, frozenset(sku) if sku else None, settings, _utc(start), _utc(end))
    try:
        change.version  # noqa: B018  # a field this build cannot carry: said before anything is read
    except UnknownSetting as unknown:
        raise typer.BadParameter(str(unknown), param_hint="--set") from None
    _check_policy(policy)
    result = _run(change)
    if as_json:
        sys.stdout.write(orjson.dumps(_as_dict(result, orders), default=str).decode() + "\n")
    else:
        typer.echo(render(result, orders))
    unconfigured = [o for o in result.reapplied.refused if o.message_type == "SkuConfigured"]
    if unconfigured:  # the change itself did not take: the figures do not show it
        typer.echo(
            f"whatif: {len(unconfigured)} configuration message(s) of the change were refused "
            f"(first: {unconfigured[0].message_id}: {unconfigured[0].detail}); those SKUs kept their policy",
            err=True,
        )
        raise typer.Exit(FAILED)


def _run(change: Any) -> WhatIf:
    from infra.bootstrap import build_engine
    from infra.whatif import run_whatif
    from services.whatif_sources import MissingContents

    engine = build_engine(state.settings)
    try:
        return run_whatif(engine, state.settings, change)
    except MissingContents as missing:
        typer.echo(f"whatif: {missing}", err=True)
        raise typer.Exit(FAILED) from None
    finally:
        engine.close()


def _apply_now(sku: str, policy: str, settings: dict[str, Any], as_json: bool) -> None:
    from infra.bootstrap import build_engine
    from infra.cli.preview import _print as print_impact
    from services.whatif_now import UnknownSku, switch_now

    _check_policy(policy)
    engine = build_engine(state.settings)
    try:
        impact = switch_now(engine, sku, policy, datetime.now(UTC), settings)  # the edge reads the clock
    except UnknownSku as unknown:
        typer.echo(f"whatif: {unknown}", err=True)
        raise typer.Exit(FAILED) from None
    finally:
        engine.close()
    if as_json:
        sys.stdout.write(orjson.dumps(dataclasses.asdict(impact)).decode() + "\n")
    else:
        print_impact(impact)
    if impact.outcome != "would apply":
        raise typer.Exit(FAILED)


def _check_policy(policy: str) -> None:
    from domain.allocation import get_policy
    from domain.errors import UnknownPolicy

    try:
        get_policy(policy)
    except UnknownPolicy as unknown:
        raise typer.BadParameter(str(unknown), param_hint="--policy") from None


def _set(pairs: list[str]) -> dict[str, Any]:
    """`field=value` pairs; a value is read as JSON, else taken as a string."""
    found: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{pair!r}: write field=value", param_hint="--set")
        try:
            found[name] = orjson.loads(value)
        except orjson.JSONDecodeError:
            found[name] = value
    return found


def _utc(moment: datetime | None) -> datetime | None:
    """A time given without an offset is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


# ---------------------------------------------------------------------------------------- rendering
def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _d(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} d"


def figures(outcome: HistoryOutcome) -> list[tuple[str, str]]:
    """(measure, figure) of one outcome, in the order both sides are printed."""
    r = outcome.report
    rows = [
        ("lines ordered", f"{r.lines:,}"),
        ("fill rate", _pct(r.fill_rate)),
        ("backorder rate", _pct(r.backorder_rate)),
        ("wait mean", _d(r.wait_mean_days)),
        ("wait p90", _d(r.wait_p90_days)),
    ]
    for tier, t in outcome.by_tier.items():
        rows += [(f"  {tier} wait mean", _d(t.wait_mean_days)), (f"  {tier} wait p90", _d(t.wait_p90_days))]
    rows += [
        ("promises kept (first)", f"{_pct(r.promises.first.rate)} of {r.promises.first.judged:,}"),
        ("automatic cancels", f"{r.cancelled_automatically:,}"),
        ("still waiting", f"{r.still_waiting_lines:,}"),
        ("units redistributed", f"{outcome.redistributed_units:,}"),
    ]
    return rows


def render(result: WhatIf, orders: bool) -> str:
    change, done = result.change, result.reapplied
    skus = ", ".join(sorted(change.skus)) if change.skus else "every SKU"
    window = f" from {change.start:%Y-%m-%d %H:%M}" if change.start else ""
    window += f" to {change.end:%Y-%m-%d %H:%M}" if change.end else ""
    out = [
        f"What-if: {change.policy} on {skus}{window}"
        + (f" with {', '.join(f'{k}={v}' for k, v in change.settings.items())}" if change.settings else ""),
        f"{done.messages:,} messages re-applied into a scratch store: {done.applied:,} applied, "
        f"{len(done.refused):,} refused, {done.parked:,} left waiting",
        "",
        f"{'':<28}{'real':>18}{'what-if':>18}",
    ]
    for (name, real), (_, simulated) in zip(figures(result.real), figures(result.simulated), strict=False):
        out.append(f"{name:<28}{real:>18}{simulated:>18}")
    shown = result.differences if orders else result.differences[:TOP]
    out += ["", f"{len(result.differences):,} order(s) fared differently" + (":" if shown else "")]
    for diff in shown:
        for n, line in enumerate(diff.lines):
            head = f"  {diff.order_id:<14}{diff.tier:<10}{diff.score:>6.1f}" if n == 0 else " " * 32
            out.append(
                f"{head}  {line.line_id} {line.sku}: {line.real.render()} -> {line.simulated.render()}"
            )
    if done.refused:
        out += ["", f"Refused in the what-if ({len(done.refused):,}):"]
        for o in done.refused[: None if orders else TOP]:
            where = f"{o.field}: " if o.field else ""
            out.append(f"  {o.message_id} ({o.message_type}): {where}{o.detail}")
        if not orders and len(done.refused) > TOP:
            out.append(f"  ... and {len(done.refused) - TOP:,} more (--orders lists all)")
    return "\n".join(out)


def _as_dict(result: WhatIf, orders: bool) -> dict[str, Any]:
    def side(outcome: HistoryOutcome) -> dict[str, Any]:
        r = outcome.report
        return {
            "lines": r.lines,
            "fill_rate": r.fill_rate,
            "backorder_rate": r.backorder_rate,
            "wait_mean_days": r.wait_mean_days,
            "wait_p90_days": r.wait_p90_days,
            "tiers": {tier: dataclasses.asdict(t) for tier, t in outcome.by_tier.items()},
            "promises_kept_first": r.promises.first.rate,
            "promises_judged_first": r.promises.first.judged,
            "cancelled_automatically": r.cancelled_automatically,
            "still_waiting_lines": r.still_waiting_lines,
            "units_redistributed": outcome.redistributed_units,
        }

    change, done = result.change, result.reapplied
    return {
        "policy": change.policy,
        "skus": sorted(change.skus) if change.skus else None,
        "set": dict(change.settings),
        "from": change.start,
        "to": change.end,
        "messages": done.messages,
        "applied": done.applied,
        "refused": [dataclasses.asdict(o) for o in done.refused],
        "parked": done.parked,
        "real": side(result.real),
        "whatif": side(result.simulated),
        "orders_differing": len(result.differences),
        "orders": [
            dataclasses.asdict(d) for d in (result.differences if orders else result.differences[:TOP])
        ],
        "seconds": result.seconds,
    }


# ---------------------------------------------------------------------------------------- backfill
@inbox_app.command("backfill")
def backfill_command(
    files: list[Path] = typer.Argument(
        ..., help="JSON Lines of upstream messages (the files once ingested)."
    ),
) -> None:
    """Attach the source documents to inbox entries stored before contents were kept.

    A line's message is recorded on the entry whose fingerprint it hashes to; running it
    again changes nothing. Says how many entries were filled, how many still lack a
    content, and which lines matched nothing.
    """
    from infra.bootstrap import build_engine
    from services.inbox_backfill import backfill

    for file in files:
        if not file.is_file():
            raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    engine = build_engine(state.settings)
    try:
        for file in files:
            with file.open("rb") as lines:
                typer.echo(backfill(engine, lines).render(str(file)))
    finally:
        engine.close()
