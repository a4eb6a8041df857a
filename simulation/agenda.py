"""Simulated time: what happens when, and messages stamped with it.

The agenda is a discrete-event queue: every actor schedules what it will do
at a simulated instant, and actions run in time order (ties in the order
they were scheduled), called with that instant first. An action is a generator of messages; because the
caller applies each message before asking for the next, an action can look
at the engine's state right after its own message and react to it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

Action = Callable[..., Iterator[dict]]


class Agenda:
    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Action, tuple[Any, ...]]] = []
        self._seq = 0

    def schedule(self, when: datetime, action: Action, *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, action, args))

    def run_until(self, end: datetime) -> Iterator[dict]:
        """Run every action due before `end`, including ones scheduled meanwhile."""
        while self._heap and self._heap[0][0] < end:
            when, _, action, args = heapq.heappop(self._heap)
            yield from action(when, *args)


class Outbox:
    """Numbers messages and stamps them with simulated time that never goes back."""

    def __init__(self) -> None:
        self.count = 0
        self.last: datetime | None = None

    def message(self, type_: str, when: datetime, **fields: Any) -> dict:
        when = self.stamp(when)
        self.count += 1
        return {
            "message_id": f"demo-{self.count:07d}",
            "type": type_,
            "occurred_at": iso(when),
            **fields,
        }

    def stamp(self, when: datetime) -> datetime:
        """`when`, or a second after the last stamp if that is not earlier: the time a message gets."""
        if self.last is not None and when <= self.last:
            when = self.last + timedelta(seconds=1)
        self.last = when
        return when


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
