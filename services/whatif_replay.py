"""Re-applying recorded messages to another engine (a scratch store), as the engine took them in.

The messages go through the same parsing and batches as `antrian ingest`, without
the edge's clock check (they were received long ago). A message the other engine
refuses (an order shipped that the other policy never allocated) is not an error
here: it is a finding, counted and kept with the engine's reason. So is one it
parks (it needs something that never came in this telling).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from services.contracts import Message
from services.errors import MessageRejected
from services.outcomes import Outcome, Status, outcome_of
from services.parsing import parse_message

BATCH = 500  # messages per transaction, as `antrian ingest` (larger batches re-run more after a refusal)


@dataclass
class Reapplied:
    messages: int = 0
    applied: int = 0
    refused: list[Outcome] = field(default_factory=list)  # refused by the other engine, in order
    parked: int = 0  # still waiting at the end for something that never came


def reapply(engine: Any, contents: Iterable[dict[str, Any]], batch: int = BATCH) -> Reapplied:
    """Apply `contents` in order to `engine`; what became of them."""
    done = Reapplied()
    for chunk in _chunks(iter(contents), batch):
        messages: list[Message] = []
        for content in chunk:
            try:
                messages.append(parse_message(content))
            except MessageRejected as rejected:
                done.refused.append(outcome_of(rejected))
        done.messages += len(chunk)
        for outcome in engine.handle_batch(messages) + engine.take_released():
            _count(done, outcome)
    done.parked = engine.parked_waiting()
    return done


def _count(done: Reapplied, outcome: Outcome) -> None:
    if outcome.status is Status.APPLIED:
        done.applied += 1
    elif outcome.status.refused:
        done.refused.append(outcome)


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(items, size)):
        yield chunk
