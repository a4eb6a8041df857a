"""A batch handed to the writer, whose outcomes are final once it is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from services.contracts import Message
from services.deciding import Letters
from services.outcomes import Outcome


@dataclass
class PendingBatch:
    """`result()` waits for the batch to be written and gives the final outcomes."""

    messages: Sequence[Message]
    tracking: Tracking | None
    letters: Letters
    outcomes: list[Outcome]
    cached: dict[UUID, Any] = field(default_factory=dict)  # evicted if the store refuses the batch
    written: Future[Sequence[int]] | None = None
    failed: BaseException | None = None  # the store could not be written: nothing of it was kept
    settle: Callable[[PendingBatch], object] | None = None  # waits for it, while it is being written

    def result(self) -> list[Outcome]:
        if self.settle is not None:
            self.settle(self)
        if self.failed is not None:
            raise self.failed
        return self.outcomes
