"""Collecting a save's pending events without the library's runtime Protocol checks.

eventsourcing's ProcessingEvent asks `isinstance(obj, DomainEventProtocol)` and then
`isinstance(obj, CollectEventsProtocol)` of every object collected, and a runtime
Protocol check walks the protocol's members each time: a visible share of the
engine's time on a batch of orders. Every aggregate here derives from the library's BaseAggregate, so
one ordinary isinstance decides; anything else still goes the library's way.

It also counts each aggregate's new events as they are collected, for the
snapshot check, instead of hashing every event's originator id afterwards; and
takes a snapshot of an aggregate whenever the events collected for it (one message's,
in a batch) pass a multiple of its interval, so that a batch of many events on one hot
SKU leaves a snapshot every interval, not one per save: replaying a decision re-runs at
most about an interval of events (services/replay.py). The intervals are the application's
(`snapshotting_intervals`), handed to each Processing by whoever makes it: held per object,
two engines in one process (a what-if scratch store beside the real one, tests, benchmarks)
each snapshot at their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import Tracking

Intervals = Mapping[type, int]  # snapshot interval by aggregate class


class Processing(ProcessingEvent[UUID]):
    def __init__(self, tracking: Tracking | None = None, intervals: Intervals | None = None) -> None:
        super().__init__(tracking)
        self.intervals: Intervals = intervals or {}  # none: snapshots left to the save (services/writing.py)
        self.added: dict[UUID, int] = {}  # new events per aggregate
        self.taken: dict[UUID, list[Any]] = {}  # snapshots taken while collecting, oldest first

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                events = obj.collect_events()
                self.events.extend(events)
                self.aggregates[obj.id] = obj
                self.added[obj.id] = self.added.get(obj.id, 0) + len(events)
                interval = self.intervals.get(type(obj))
                if interval and events and obj.version // interval > (obj.version - len(events)) // interval:
                    self.taken.setdefault(obj.id, []).append(type(obj).Snapshot.take(obj))  # type: ignore[attr-defined]
            elif obj is not None:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)
