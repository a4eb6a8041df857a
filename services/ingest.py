"""Lines of upstream text applied as one batch: what `antrian ingest` does with each chunk of a file.

Lines refused for their text are answered at once; the messages parsed are
handled together (one transaction, each still all-or-nothing), and the
outcomes come back in line order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from services.contract_values import MAX_AHEAD
from services.contracts import Message
from services.engine import Engine
from services.errors import MessageRejected
from services.outcomes import Outcome, outcome_of
from services.parsing import parse_message


def apply_lines(
    engine: Engine,
    lines: Sequence[bytes],
    received_at: datetime | None = None,
    ahead: timedelta = MAX_AHEAD,
    retry: bool = False,
) -> list[Outcome]:
    """One outcome per line, in order; `received_at` as in `parse_message` (the caller's clock)."""
    parsed: list[Message | Outcome] = []
    for raw in lines:
        try:
            parsed.append(parse_message(raw, received_at, ahead))
        except MessageRejected as rejected:
            parsed.append(outcome_of(rejected))
    applied = iter(engine.handle_batch([p for p in parsed if not isinstance(p, Outcome)], retry=retry))
    return [p if isinstance(p, Outcome) else next(applied) for p in parsed]
