"""Fair order across partitions: messages handed to the engine in business-time order.

Orders are keyed by order id, so one SKU's demand is spread over partitions,
and a consumer reads partitions at different speeds: left alone, an order
placed on Tuesday in a partition read late is decided after Wednesday's from
a partition read early, and Wednesday's customer takes the last unit. So the
consumer holds what it polled and releases it by business time (`placed_at`
of an order, `occurred_at` of anything else), merging its partitions:

* a partition's records stay in offset order (the position stored for it is
  then always its first record not yet applied, and a crash re-reads exactly
  the held ones); the partition whose head is oldest goes next;
* a head is released once it is at least `window` older than every assigned
  partition's frontier (the latest time it delivered), or older than that
  from the newest time seen when the other partitions have nothing more
  (they were caught up at the last poll);
* everything is released when a poll brings nothing (the partitions are idle)
  or more than `max_held` records are held (oldest first).

A message released after one with a later business time (it arrived past the
window, or after an idle flush) is *late*: `late_by` says by how much, and the
engine records it in the decision's inputs, so the audit shows it. The engine
decides what it is given; the order of release is all this module changes.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.contracts import Message, OrderPlaced
from services.outcomes import Outcome

# Records unreadable as a message have no business time: released as soon as they are a head.
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Held:
    """One polled record, parsed, waiting for its turn."""

    tp: Any  # kafka TopicPartition
    record: Any  # kafka ConsumerRecord
    parsed: Message | Outcome
    late_by: timedelta | None = None

    @property
    def at(self) -> datetime | None:
        return business_time(self.parsed)


def business_time(parsed: Message | Outcome) -> datetime | None:
    """When the thing happened for fairness: an order's `placed_at`, else the message's time."""
    if isinstance(parsed, Outcome):
        return None
    if isinstance(parsed, OrderPlaced):
        return parsed.placed_at
    return parsed.occurred_at


@dataclass
class _Partition:
    held: deque[Held] = field(default_factory=deque)
    frontier: datetime | None = None  # the latest business time it delivered
    caught_up: bool = False  # nothing more to read at the last poll


class FairnessBuffer:
    def __init__(self, window: timedelta, max_held: int = 20_000) -> None:
        self.window = window
        self.max_held = max_held
        self._partitions: dict[Any, _Partition] = {}
        self._released_until: datetime | None = None  # the latest business time released

    def __len__(self) -> int:
        return sum(len(p.held) for p in self._partitions.values())

    def add(self, tp: Any, records: Iterable[tuple[Any, Message | Outcome]]) -> None:
        partition = self._partitions.setdefault(tp, _Partition())
        for record, parsed in records:
            held = Held(tp, record, parsed)
            partition.held.append(held)
            at = held.at
            if at is not None and (partition.frontier is None or at > partition.frontier):
                partition.frontier = at

    def caught_up(self, tp: Any, caught_up: bool) -> None:
        """Whether the partition had nothing more to read at the last poll (it then holds nothing back)."""
        self._partitions.setdefault(tp, _Partition()).caught_up = caught_up

    def assigned(self, partitions: Iterable[Any]) -> None:
        """Partitions this consumer reads: each one holds the others back until it delivers."""
        for tp in partitions:
            self._partitions.setdefault(tp, _Partition())

    def drop(self, partitions: Iterable[Any]) -> None:
        """Forget revoked partitions: their held records were never applied, their new owner reads them."""
        for tp in partitions:
            self._partitions.pop(tp, None)

    def release(self, idle: bool = False) -> list[Held]:
        """The records whose turn has come, in the order the engine must decide them."""
        limit = None if idle else self._limit()
        partitions = list(self._partitions.values())
        heads = [(_key(p.held[0]), i) for i, p in enumerate(partitions) if p.held]
        heapq.heapify(heads)
        over = len(self) - self.max_held
        out: list[Held] = []
        while heads:
            (at, _, _), index = heads[0]
            if not idle and (limit is None or at > limit) and over <= 0:
                break
            heapq.heappop(heads)
            partition = partitions[index]
            out.append(self._released(partition.held.popleft()))
            over -= 1
            if partition.held:
                heapq.heappush(heads, (_key(partition.held[0]), index))
        return out

    def _limit(self) -> datetime | None:
        """Heads at or before this time may go: `window` before the slowest partition's frontier."""
        frontiers = [p.frontier for p in self._partitions.values() if p.frontier is not None]
        if not frontiers:
            return None
        waiting = [p.frontier for p in self._partitions.values() if not p.caught_up]
        if any(f is None for f in waiting):
            return None  # a partition with a backlog has not delivered yet: its records may be older
        slowest = min((f for f in waiting if f is not None), default=max(frontiers))
        return slowest - self.window

    def _released(self, held: Held) -> Held:
        at = held.at
        if at is None:
            return held
        if self._released_until is not None and at < self._released_until:
            return Held(held.tp, held.record, held.parsed, late_by=self._released_until - at)
        self._released_until = at
        return held


def _key(held: Held) -> tuple[datetime, str, int]:
    at = held.at
    # The unreadable sort first; ties by topic and offset, so a release is the same every time.
    return (at if at is not None else _EARLIEST), held.tp.topic, held.record.offset
