"""`antrian preview FILE|-`: what one message would do now, before it is ingested; nothing is recorded."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer

from infra.cli.state import cli_caller, state

if TYPE_CHECKING:
    from services.preview import Impact, LineState


def register(app: typer.Typer) -> None:
    """Add `preview` to `app`."""
    app.command("preview")(preview_command)


def preview_command(
    file: Path = typer.Argument(..., help="One JSON message (a file, or - for standard input)."),
    as_json: bool = typer.Option(False, "--json", help="The impact as one JSON object."),
) -> None:
    """Which lines would move and whose ETA would change if the message were ingested now.

    Decided by the engine's own handlers on copies of what it reads: nothing is saved.
    Exit 1 if it would be refused (or was refused before).
    """
    from infra.bootstrap import build_engine
    from services.contracts import with_caller
    from services.errors import MessageRejected
    from services.parsing import parse_message
    from services.preview import Impact, preview

    raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    ahead = timedelta(minutes=state.settings.max_ahead_minutes)
    try:
        message = parse_message(raw.strip(), datetime.now(UTC), ahead)  # the edge reads the clock
    except MessageRejected as refused:
        impact = Impact(
            refused.message_id or "", refused.message_type or "", "refused", refused.field, refused.reason
        )
    else:
        engine = build_engine(state.settings)
        try:
            impact = preview(engine, with_caller(message, cli_caller()))
        finally:
            engine.close()
    if as_json:
        sys.stdout.write(orjson.dumps(dataclasses.asdict(impact)).decode() + "\n")
    else:
        _print(impact)
    if impact.outcome in ("refused", "refused before"):
        raise typer.Exit(1)


def _print(impact: Impact) -> None:
    why = f" ({impact.field}: {impact.reason})" if impact.reason else ""
    typer.echo(f"{impact.message_id} ({impact.message_type}): {impact.outcome}{why}")
    if impact.outcome == "would apply":
        typer.echo(f"{len(impact.lines)} line(s) affected")
    for line in impact.lines:
        typer.echo(
            f"  {line.order_id}/{line.line_id} {line.sku}: {_state(line.before)} -> {_state(line.after)}"
        )


def _state(line: LineState) -> str:
    place = f" #{line.position}" if line.position is not None else ""
    eta = f" ETA {line.eta.isoformat()}" if line.eta is not None else ""
    return f"{line.status or 'not placed'}{place}{eta}"
