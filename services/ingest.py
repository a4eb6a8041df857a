"""Lines of upstream text applied as one batch: what `antrian ingest` does with each chunk of a file.

Lines refused for their text are answered at once; the messages parsed are
handled together (one transaction, each still all-or-nothing), and the
outcomes come back in line order. `POST /messages` goes through here too, and
keeps its refusals as dead letters (`letter`) in the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from services.contract_values import MAX_AHEAD
from services.contracts import Message, with_caller
from services.engine import Engine
from services.errors import MessageRejected
from services.outcomes import Outcome, Status, outcome_of
from services.parsing import parse_message

LetterOf = Callable[[int, bytes, Outcome], Any]
"""(line index, its bytes, its refusal) -> the dead letter to keep for it."""

_NOT_REACHED = Outcome(Status.APPLIED, None)  # stands in for messages the batch has not reached yet


def apply_lines(
    engine: Engine,
    lines: Sequence[bytes],
    received_at: datetime | None = None,
    ahead: timedelta = MAX_AHEAD,
    retry: bool = False,
    letter: LetterOf | None = None,
    by: str | None = None,
) -> list[Outcome]:
    """One outcome per line, in order; `received_at` as in `parse_message` (the caller's clock).

    `by` names who handed the lines in (metadata the inbox keeps with each message applied).
    """
    parsed: list[Message | Outcome] = []
    for raw in lines:
        try:
            parsed.append(with_caller(parse_message(raw, received_at, ahead), by))
        except MessageRejected as rejected:
            parsed.append(outcome_of(rejected))
    messages = [p for p in parsed if not isinstance(p, Outcome)]

    def in_line_order(applied: list[Outcome]) -> list[Outcome]:
        found = iter(applied + [_NOT_REACHED] * (len(messages) - len(applied)))
        return [p if isinstance(p, Outcome) else next(found) for p in parsed]

    def letters(applied: list[Outcome]) -> list[Any]:
        assert letter is not None
        return [
            letter(index, lines[index], outcome)
            for index, outcome in enumerate(in_line_order(applied))
            if outcome.status is Status.REJECTED
        ]

    return in_line_order(engine.handle_batch(messages, dead_letters=letters if letter else None, retry=retry))
