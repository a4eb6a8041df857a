"""Reading the engine's whole state back, to compare before and after a message."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel

from domain.stock import Stock, StockState
from services.inbox import AppliedMessage

REFUSAL_TOPIC = "services.inbox:RefusedMessage."
PARKING_TOPIC = "services.parking:ParkingLot."  # messages waiting: not business state


def recorded(engine: Any) -> dict[UUID, tuple[int, str]]:
    """Every aggregate in the store: its recorded version and event topic, from the notification log."""
    found: dict[UUID, tuple[int, str]] = {}
    start = 1
    while True:
        batch = engine.recorder.select_notifications(start, 1000)
        for n in batch:
            found[n.originator_id] = (n.originator_version, n.topic)
        if len(batch) < 1000:
            return found
        start = batch[-1].id + 1


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, str)):
        return value.value
    return value


def state(aggregate: Any) -> dict[str, Any]:
    """An aggregate's business state as plain JSON-like data (no timestamps), plus its version."""
    if isinstance(aggregate, Stock):
        data = StockState.model_validate(dict(vars(aggregate))).model_dump(
            mode="json", exclude={"created_on", "modified_on"}
        )
    else:
        data = {k: _plain(v) for k, v in vars(aggregate).items() if not k.startswith("_")}
    if isinstance(aggregate, AppliedMessage):
        data.pop("by", None)  # who handed it in: metadata that differs by edge (file, HTTP, Kafka)
    data["version"] = aggregate.version
    return data


def snapshot_of(engine: Any) -> dict[UUID, dict[str, Any]]:
    """State of every aggregate the engine holds, keyed by id; not the inbox's records of refusals
    nor the parking lot.

    A refused message changes nothing but that record (services/inbox.py), which the
    tests of refusals check on their own.
    """
    return {
        aggregate_id: state(engine.repository.get(aggregate_id))
        for aggregate_id, (_, topic) in recorded(engine).items()
        if not topic.startswith((REFUSAL_TOPIC, PARKING_TOPIC))
    }


def events_of(engine: Any, aggregate_id: UUID) -> list[Any]:
    return list(engine.events.get(aggregate_id))
