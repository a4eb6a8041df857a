"""`antrian dead-letters`: the refused messages kept in the store, and their retries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from infra.cli.state import state

if TYPE_CHECKING:
    from uuid import UUID

    from services.engine import Engine

dead_letters_app = typer.Typer(help="Refused messages kept in the store: list and retry them.")


def _engine() -> Engine:
    from infra.bootstrap import build_engine

    return build_engine(state.settings)


@dead_letters_app.callback(invoke_without_command=True)
def show(ctx: typer.Context, limit: int = typer.Option(20, help="How many of the latest to show.")) -> None:
    """How many messages were refused and kept, the latest with their id, why, and their retries."""
    if ctx.invoked_subcommand is not None:
        return
    from services.dead_letter_retry import load_letter

    engine = _engine()
    recorded = engine.dead_letters()
    letters = [load_letter(engine, r.originator_id) for r in recorded[-limit:]] if limit else []
    resolved = sum(letter.resolved for letter in letters)
    hidden = len(recorded) - len(letters)
    typer.echo(
        f"{len(recorded)} dead letter(s)"
        + (f", {resolved} resolved" if resolved else "")
        + (f" (the latest {len(letters)} shown)" if hidden else "")
    )
    for letter in letters:
        mark = " [resolved]" if letter.resolved else ""
        typer.echo(
            _shown(
                f"  {letter.id} {letter.source}: {letter.message_id or '?'} "
                f"({letter.message_type or '?'}) {letter.reason}{mark}"
            )
        )
        for retry in letter.retries:
            fixed = " (corrected)" if retry.corrected else ""
            typer.echo(
                _shown(
                    f"      retry {retry.attempt} at {retry.at.isoformat()} by {retry.by}{fixed}: "
                    f"{retry.outcome.value}" + (f": {retry.reason}" if not retry.outcome.resolves else "")
                )
            )


@dead_letters_app.command("retry")
def retry(
    letter: str = typer.Argument(None, help="A dead letter's id (or its source, topic:partition:offset)."),
    all_letters: bool = typer.Option(False, "--all", help="Every dead letter not resolved yet."),
    fixed: Path = typer.Option(
        None, "--fixed", exists=True, dir_okay=False, help="JSONL of corrected messages, by message_id."
    ),
    by: str = typer.Option(None, "--by", help="Who retries (default: the login name)."),
) -> None:
    """Judge dead letters again on today's state; a retry that goes through resolves its letter.

    Letters refused only because something had not arrived yet go through once it
    has. Each retry is recorded on the letter with who, when and what became of it.
    """
    import getpass
    from datetime import UTC, datetime, timedelta

    from eventsourcing.application import AggregateNotFoundError

    from services.dead_letter_retry import Retrying, letter_ids, retry_letters

    if (letter is None) == (not all_letters):
        raise typer.BadParameter("give one dead letter's id, or --all")
    who = by or getpass.getuser()
    how = Retrying(
        by=who,
        at=datetime.now(UTC),  # the edge reads the clock
        corrected=_corrected(fixed) if fixed else {},
        ahead=timedelta(minutes=state.settings.max_ahead_minutes),
        caller=f"cli:{who}",
    )
    engine = _engine()
    ids = letter_ids(engine) if all_letters else [_letter_id(letter)]
    try:
        reports = retry_letters(engine, ids, how, skip_resolved=all_letters)
    except AggregateNotFoundError:
        typer.echo(f"no dead letter {letter}", err=True)
        raise typer.Exit(1) from None
    counts: dict[str, int] = {}
    for report in reports:
        what = report.outcome.value if report.outcome else "resolved already"
        counts[what] = counts.get(what, 0) + 1
        detail = f": {report.reason}" if what == "refused" else ""
        fixed_mark = " (corrected)" if report.corrected else ""
        typer.echo(_shown(f"  {report.letter_id} {report.source}: {what}{fixed_mark}{detail}"))
    summary = ", ".join(f"{what} {n}" for what, n in counts.items()) or "nothing to retry"
    typer.echo(f"retried by {how.by}: {summary}")


def _letter_id(given: str) -> UUID:
    from uuid import UUID

    from services.dead_letters import dead_letter_id

    try:
        return UUID(given)
    except ValueError:
        return dead_letter_id(given)


def _corrected(path: Path) -> dict[str, bytes]:
    """Corrected messages by their message_id, each kept as its line's bytes."""
    import orjson

    found: dict[str, bytes] = {}
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            message_id = orjson.loads(raw)["message_id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            typer.echo(f"{path}:{number}: not a JSON message with a message_id", err=True)
            raise typer.Exit(2) from None
        found[str(message_id)] = raw
    return found


def _shown(text: Any) -> str:
    """One line, whatever a message held: control characters shown escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in str(text))
