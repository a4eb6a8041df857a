"""Pydantic-backed base classes for Antrian's event-sourced aggregates.

Stored events are pydantic models so that value objects (queue entries,
decisions, dates) round-trip through JSON without hand-written transcodings,
and so that a malformed stored event fails loudly when it is read.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
)
from pydantic import BaseModel, ConfigDict, model_validator


class Value(BaseModel):
    """An immutable value object."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# Fields added to events after some were stored, with what an event stored before them reads as
# (the mapper fills them in: infra/persistence.py). eventsourcing builds an event class from its
# method's parameters without their defaults, so an older event would fail to load; `at` (the
# business time) is unknown in events stored before it was kept, and so is an operator's `reason` on
# Stock.Configured and Order.SubstituteAccepted/Declined (an event whose reason is a required `str`
# always stored one: None would fail it loudly, as the missing field would). A SKU's `unit_volume` on
# Stock.Configured too (None: not told), and its `order_up_to` and `eta_policy` (None: left as they
# were). The per-supplier split of suggestions after Stock.InboundScheduled / SuggestionReduced
# (None: worked out from the state, as before).
# An inbox entry's message `content` (None: stored before contents were kept), and a refusal
# entry's `occurred_at` (None: stored before it was kept). SkuConfigured version
# 4's `reserve`, `quota` and `redistribute_within_hours` on Stock.Configured (None: left as they were);
# OrderPlaced version 3's `customer_group` and `channel` on Order.Placed (None: not told). SkuConfigured
# version 5's `replenish_policy` on Stock.Configured (None: left as it was).
ADDED_LATER: dict[str, Any] = {
    "at": None,
    "pushed_back": None,
    "moved_back": 0,
    "reason": None,
    "eta_policy": None,
    "unit_volume": None,
    "order_up_to": None,
    "suggested_from": None,
    "failover_from": None,
    "content": None,
    "reserve": None,
    "quota": None,
    "redistribute_within_hours": None,
    "replenish_policy": None,
    "customer_group": None,
    "channel": None,
    "occurred_at": None,
}


class DomainEvent(BaseModel):
    """Envelope fields every stored event has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime


class SnapshotState(BaseModel):
    """Aggregate state as stored in a snapshot.

    eventsourcing keeps `_created_on` / `_modified_on` in the aggregate's
    `__dict__`; pydantic fields cannot start with an underscore, so they are
    renamed on the way in and back on the way out.
    """

    model_config = ConfigDict(extra="forbid")

    created_on: datetime
    modified_on: datetime

    @model_validator(mode="before")
    @classmethod
    def _rename_private(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("_id", "_version", "_pending_events"):
                data.pop(key, None)
            for key in ("_created_on", "_modified_on"):
                if key in data:
                    data[key[1:]] = data.pop(key)
        return data

    def __iter__(self) -> Generator[tuple[str, Any], None, None]:
        for name, value in super().__iter__():
            yield (f"_{name}" if name in ("created_on", "modified_on") else name), value


class AggregateSnapshot(DomainEvent, CanSnapshotAggregate[UUID]):
    topic: str
    state: Any


class Aggregate(BaseAggregate[UUID]):
    """Declarative aggregate whose events are pydantic models."""

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        pass

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str
