"""Replaying a Stock's decisions of one kind from the events just recorded, as `antrian replay` does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.replay import recompute


def replayed(events: Iterable[Any], kind: str) -> list[tuple[Any, Any]]:
    """(recorded, recomputed) for each `kind` event, on the state folded from the events before it."""
    before, found = None, []
    for event in events:
        if type(event).__name__ == kind:
            found.append(recompute(before, event))
        before = event.mutate(before)
    return found
