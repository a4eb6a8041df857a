"""`antrian parked`: the messages waiting in the store for what they need (services/parking.py)."""

from __future__ import annotations

import orjson
import typer

from infra.cli.state import state


def parked(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Messages that came before what they need, waiting for it: what, since when, until when.

    A message waits at most ANTRIAN_PARK_MAX_MINUTES of message time (the latest time
    the engine has seen, never the clock); still early then, it becomes a dead letter.
    """
    from infra.bootstrap import build_engine

    engine = build_engine(state.settings)
    try:
        waiting = engine.parked_messages()
        limit = engine.park_max_wait
    finally:
        engine.close()
    if as_json:
        for p in waiting:
            typer.echo(
                orjson.dumps(
                    {
                        "message_id": p.message_id,
                        "type": p.message.get("type"),
                        "awaits": p.awaits,
                        "since": p.since,
                        "dead_letter_after": p.since + limit,
                        "woken": p.awake,
                        "reason": p.reason,
                        "field": p.field,
                    }
                )
            )
        return
    minutes = int(limit.total_seconds() // 60)
    typer.echo(f"{len(waiting)} message(s) parked (each waits at most {minutes} minutes of message time)")
    for p in waiting:
        woken = " [woken: judged again after the next batch]" if p.awake else ""
        typer.echo(
            f"  {p.message_id} ({p.message.get('type', '?')}) waits for {p.awaits} since "
            f"{p.since.isoformat()}, dead letter after {(p.since + limit).isoformat()}{woken}"
        )
        typer.echo(f"      {p.reason}")
