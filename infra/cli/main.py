"""`antrian`: ingest messages, run the demo shop, replay decisions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer

from infra.cli import purchasing
from infra.cli.capacity import capacity
from infra.cli.dead_letters import dead_letters_app
from infra.cli.demo import demo
from infra.cli.forecast import forecast
from infra.cli.http import register as register_http_commands
from infra.cli.parked import parked
from infra.cli.planning import register as register_planning
from infra.cli.positions import positions_app
from infra.cli.preview import register as register_preview
from infra.cli.projections import projections_app
from infra.cli.read import register_read_commands
from infra.cli.schema import schema_app
from infra.cli.state import cli_caller, reads_a_store, show_version, state
from infra.cli.topics import topics_app
from infra.cli.whatif import register as register_whatif

# What a command needs is imported when it runs: `antrian --help` pays for typer alone.
if TYPE_CHECKING:
    from services.engine import Engine
    from services.outcomes import Outcome

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
replay_app = typer.Typer(no_args_is_help=True, help="Re-run recorded decisions and compare.")
app.add_typer(replay_app, name="replay")
app.add_typer(schema_app, name="schema")
app.add_typer(projections_app, name="projections")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(topics_app, name="topics")
app.add_typer(positions_app, name="positions")
app.command("parked")(parked)
register_read_commands(app)
app.command("purchase-orders")(purchasing.purchase_orders)
app.command("replenishment")(purchasing.replenishment)
app.command("suppliers")(purchasing.suppliers)
register_http_commands(app)
register_preview(app)
register_planning(app)
app.command("forecast")(forecast)
app.command("capacity")(capacity)
register_whatif(app)


@app.callback()
def _configure(
    ctx: typer.Context,
    db: Path = typer.Option(None, "--db", help="SQLite event store file (else ANTRIAN_DB)."),
    store: str = typer.Option(
        None, "--store", help="sqlite (default), postgres or memory (else ANTRIAN_STORE)."
    ),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=show_version, help="Say the version."
    ),
) -> None:
    """Every setting is read from ANTRIAN_* environment variables (README: Configuration); options override."""
    state.configure(sqlite_path=db, store=store)
    state.needs_store = reads_a_store(ctx.invoked_subcommand)


def _engine() -> Engine:
    from infra.bootstrap import build_engine

    return build_engine(state.settings)


@app.command()
def ingest(
    file: Path = typer.Argument(..., help="JSON Lines, one message a line; - for standard input."),
    rejected: Path = typer.Option(None, help="Where refused messages go (default: next to the store)."),
    strict: bool = typer.Option(False, help="Exit 1 if any message was refused (now or before)."),
    batch: int = typer.Option(500, min=1, help="Messages per transaction (each still all-or-nothing)."),
    retry_refused: bool = typer.Option(
        False, "--retry-refused", help="Judge again messages refused before with the same content."
    ),
) -> None:
    """Apply upstream messages from a JSONL file; refused ones are reported and kept.

    A message refused before, sent again with the same content, is reported as
    refused before and changes nothing; a corrected message (same id, other
    content) is judged again, and so is every message with --retry-refused.
    """
    from services.outcomes import Status

    if str(file) != "-" and not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    engine = _engine()
    rejected_path = rejected or state.settings.rejected_path
    counts = {status: 0 for status in Status}
    parked_released = {status: 0 for status in Status}
    parked_lines: dict[str, tuple[int, bytes]] = {}  # where this file's parked messages are
    with _opened(file) as lines, _Appender(rejected_path) as dead_letters:
        for chunk in _chunks(_numbered(lines), batch):
            for (number, raw), outcome in zip(chunk, _apply_chunk(engine, chunk, retry_refused), strict=True):
                counts[outcome.status] += 1
                if outcome.status.refused:
                    typer.echo(f"{file}:{number}: {_refusal_line(outcome)}", err=True)
                if outcome.status is Status.REJECTED:  # one refused before is in the file already
                    dead_letters.write(file, number, raw, outcome)
                if outcome.status is Status.PARKED and outcome.message_id is not None:
                    parked_lines[outcome.message_id] = (number, raw)
            released = _released(engine, file, dead_letters, parked_lines)
            for status in (Status.APPLIED, Status.REJECTED):
                counts[status] += released[status]
                parked_released[status] += released[status]
    refused = counts[Status.REJECTED] + counts[Status.REFUSED_BEFORE]
    typer.echo(
        f"applied {counts[Status.APPLIED]}, already applied {counts[Status.DUPLICATE]}, "
        f"rejected {counts[Status.REJECTED]}"
        + (f" (kept in {rejected_path})" if counts[Status.REJECTED] else "")
        + (f", refused before {counts[Status.REFUSED_BEFORE]}" if counts[Status.REFUSED_BEFORE] else "")
        + _parked_summary(counts[Status.PARKED], parked_released, engine.parked_waiting())
    )
    if strict and refused:
        raise typer.Exit(1)


def _opened(file: Path) -> Any:
    """The file's bytes; `-`: standard input's (left open: it is not ours to close)."""
    import contextlib
    import sys

    return contextlib.nullcontext(sys.stdin.buffer) if str(file) == "-" else file.open("rb")


def _released(
    engine: Engine, file: Path, dead_letters: _Appender, lines: dict[str, tuple[int, bytes]]
) -> dict[Any, int]:
    """Parked messages judged again after this chunk: counted, and their refusals reported and kept.

    A message parked by an earlier run is not in this file's lines: it is kept with line 0
    (the store's dead letter holds it whole).
    """
    from services.outcomes import Status

    counts = {status: 0 for status in Status}
    for outcome in engine.take_released():
        counts[outcome.status] += 1
        if outcome.status is Status.REJECTED:
            number, raw = lines.get(outcome.message_id or "", (0, b""))
            typer.echo(f"{file}:{number}: {_refusal_line(outcome)}", err=True)
            dead_letters.write(file, number, raw, outcome)
    return counts


def _parked_summary(parked: int, released: dict[Any, int], waiting: int) -> str:
    """`, parked 3 (2 applied once what they waited for came, 1 rejected after waiting, 1 still waiting)`."""
    from services.outcomes import Status

    if not (parked or waiting or any(released.values())):
        return ""
    return (
        f", parked {parked} ({released[Status.APPLIED]} applied once what they waited for came, "
        f"{released[Status.REJECTED]} rejected after waiting, {waiting} still waiting)"
    )


def _refusal_line(outcome: Outcome) -> str:
    """One line, whatever the message held: ids and reasons are shown escaped (no terminal control)."""
    from services.outcomes import Status

    what = "refused before" if outcome.status is Status.REFUSED_BEFORE else "rejected"
    where = f"field {outcome.field}: " if outcome.field else ""
    detail = outcome.detail.removeprefix("refused before: ")
    return _shown(
        f"{what} message {outcome.message_id or '?'} ({outcome.message_type or '?'}): {where}{detail}"
    )


def _shown(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _numbered(lines: Any) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield number, raw


def _chunks(items: Iterator[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _apply_chunk(engine: Engine, chunk: list[tuple[int, bytes]], retry: bool = False) -> list[Outcome]:
    """Outcomes in line order; the edge reads the clock: a message from the future is refused."""
    from services.ingest import apply_lines

    ahead = timedelta(minutes=state.settings.max_ahead_minutes)
    lines = [raw for _, raw in chunk]
    return apply_lines(engine, lines, datetime.now(UTC), ahead, retry, by=cli_caller())


class _Appender:
    """Appends refused messages, with why, to a JSONL file opened on first use.

    They hold customer data: the file is created 0600 (a folder it creates, 0700),
    and a file of ours found more open is tightened (projections/private_files.py).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: Any = None

    def __enter__(self) -> _Appender:
        return self

    def write(self, source: Path, number: int, raw: bytes, outcome: Any) -> None:
        if self.handle is None:
            from projections.private_files import append_private, make_private_dirs

            make_private_dirs(self.path.parent)
            self.handle = append_private(self.path)
        record = {
            "source": f"{source}:{number}",
            "message_id": outcome.message_id,
            "type": outcome.message_type,
            "field": outcome.field,
            "reason": outcome.detail,
            "original": raw.decode("utf-8", "replace").rstrip("\n"),
        }
        self.handle.write(orjson.dumps(record) + b"\n")

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


app.command("demo")(demo)


def _where() -> str:
    s = state.settings
    return str(s.sqlite_path) if s.store == "sqlite" else "memory"


@app.command()
def engine(
    kafka: bool = typer.Option(False, "--kafka", help="Consume the upstream Kafka topics (production mode)."),
    bootstrap: str = typer.Option(None, help="Kafka bootstrap servers (else ANTRIAN_KAFKA_BOOTSTRAP)."),
    group: str = typer.Option(None, help="Consumer group of the instances (else ANTRIAN_KAFKA_GROUP)."),
    batch: int = typer.Option(500, min=1, help="Messages per transaction."),
    relay: bool = typer.Option(True, help="Also publish stored events to the outbound topics."),
    relay_thread: bool = typer.Option(
        False, help="Relay in a thread of this process instead of a child process (shares one GIL)."
    ),
    metrics_port: int = typer.Option(None, min=1, max=65535, help="Serve /metrics on 127.0.0.1:PORT."),
) -> None:
    """Run one engine instance; several in one group share the partitions."""
    from infra.cli.processes import run_engine

    if not kafka:
        raise typer.BadParameter("only --kafka is implemented: the embedded mode is `antrian ingest`")
    settings = state.settings.model_copy(update=_given(kafka_bootstrap=bootstrap, kafka_group=group))
    mode = "thread" if relay_thread else "process"
    run_engine(settings, batch, mode if relay else "none", metrics_port)


@app.command("relay")
def relay_command(
    bootstrap: str = typer.Option(None, help="Kafka bootstrap servers (else ANTRIAN_KAFKA_BOOTSTRAP)."),
) -> None:
    """Publish every stored event to its outbound topic (at least once, with notification ids)."""
    from infra.bootstrap import build_engine
    from infra.cli.relay import run_relay

    settings = state.settings.model_copy(update=_given(kafka_bootstrap=bootstrap))
    run_relay(settings, build_engine(settings))


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@replay_app.command("decision")
def replay_decision(order_id: str) -> None:
    """Re-run every decision about one order on the state it saw."""
    from eventsourcing.application import AggregateNotFoundError

    from services.replay import Replayer

    engine = _engine()
    try:
        verdicts = list(Replayer(engine).order_verdicts(order_id))
    except AggregateNotFoundError:
        typer.echo(f"order {order_id} is not in {_where()}", err=True)
        raise typer.Exit(1) from None
    for verdict in verdicts:
        typer.echo(_render(verdict))
    diffs = sum(not v.matches for v in verdicts)
    typer.echo(f"{len(verdicts)} decision(s), {diffs} DIFF")
    raise typer.Exit(1 if diffs else 0)


@replay_app.command("verify")
def replay_verify(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Re-run every decision in the store; exit 1 on any DIFF."""
    from services.replay import Replayer

    report = Replayer(_engine()).verify()
    for verdict in report.verdicts if verbose else report.diffs:
        typer.echo(_render(verdict))
    typer.echo(
        f"replay verify: {len(report.verdicts)} decision(s) re-run, "
        f"{len(report.verdicts) - len(report.diffs)} MATCH, {len(report.diffs)} DIFF"
    )
    raise typer.Exit(1 if report.diffs else 0)


def _render(verdict: Any) -> str:
    mark = "MATCH" if verdict.matches else "DIFF"
    return (
        f"[{mark}] {verdict.subject}: {verdict.kind} by {verdict.policy} "
        f"(message {verdict.message_id})\n"
        f"    reason:     {verdict.reason}\n"
        f"    inputs:     {_json(verdict.inputs)}\n"
        f"    recorded:   {_json(verdict.recorded)}\n"
        f"    recomputed: {_json(verdict.recomputed)}"
    )


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def main() -> None:
    app()
