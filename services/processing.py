"""Collecting a save's pending events without the library's runtime Protocol checks.

eventsourcing's ProcessingEvent asks `isinstance(obj, DomainEventProtocol)` and then
`isinstance(obj, CollectEventsProtocol)` of every object collected, and a runtime
Protocol check walks the protocol's members each time: a visible share of the
engine's time on a batch of orders. Every aggregate here derives from the library's BaseAggregate, so
one ordinary isinstance decides; anything else still goes the library's way.

It also counts each aggregate's new events as they are collected, for the
snapshot check, instead of hashing every event's originator id afterwards.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import BaseAggregate


class Processing(ProcessingEvent[UUID]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.added: dict[UUID, int] = {}  # new events per aggregate

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                events = obj.collect_events()
                self.events.extend(events)
                self.aggregates[obj.id] = obj
                self.added[obj.id] = self.added.get(obj.id, 0) + len(events)
            elif obj is not None:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)
