"""The outbound envelope, version 1: one stored event as the outside world sees it.

Consumers de-duplicate on `notification_id` (the event's position in the
store's notification log), order per aggregate on `aggregate_version`, and
trace an event back to the inbound message that caused it through
`causation_message_id`. `data` is the payload model named by `event_type`;
the mapping from stored events is explicit (services/outbound/{order,stock,
supplier}.py), and a stored event with no mapping is an error, never a
silent skip: an event type nobody decided to publish must not go missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, Union, cast
from uuid import UUID

import orjson
from pydantic import AwareDatetime, Field, SerializeAsAny, model_validator

from domain.base import Aggregate
from domain.order import Order
from domain.planning_run import PLANNING_RUN_EVENTS
from domain.stock import Stock
from domain.supplier import Supplier
from domain.warehouse import Warehouse
from services.dead_letters import DeadLetter
from services.inbox import AppliedMessage, RefusedMessage
from services.notices import Notice
from services.outbound import notice, order, stock, supplier, warehouse
from services.outbound.contract import Contract, Mapping, Payload
from services.parking import PARKING_LOT_EVENTS

SCHEMA_VERSION: Final = 1
PUBLISHED_AGGREGATES: tuple[type, ...] = (Order, Stock, Supplier, Notice, Warehouse)
AggregateType = Literal["Order", "Stock", "Supplier", "Notice", "Warehouse"]

# Stored but never published: the inbox records are how exactly-once works, not
# business facts. An applied message's id becomes the causation of its events;
# a refusal changed nothing (it is published as a dead letter, where there is one).
UNPUBLISHED: frozenset[type] = frozenset(
    {
        AppliedMessage.Applied,
        RefusedMessage.Refused,
        RefusedMessage.RefusedAgain,
        RefusedMessage.CorrectionApplied,
        # A content attached later to an old entry (`antrian inbox backfill`): bookkeeping, no fact.
        AppliedMessage.ContentRecorded,
        RefusedMessage.ContentRecorded,
        # Early messages waiting (services/parking.py): applied at last, their own events are
        # published then; refused at last, a dead letter.
        *PARKING_LOT_EVENTS,
        # Planning runs (domain/planning_run.py): recommendations, not facts; applied, they are
        # SkuConfigured messages, whose events are published.
        *PLANNING_RUN_EVENTS,
    }
)
# Refused inbound records: published to the dead-letter topic as they came
# (infra/kafka/topics.py: dead_letter_record), never as an OutboundEventV1;
# a retry refused again is published there too, as the letter's next attempt.
DEAD_LETTERS: frozenset[type] = frozenset({DeadLetter.Recorded, DeadLetter.Retried})

MAPPINGS: tuple[Mapping, ...] = (
    order.MAPPINGS + stock.MAPPINGS + supplier.MAPPINGS + notice.MAPPINGS + warehouse.MAPPINGS
)
BY_DOMAIN_EVENT: dict[type, Mapping] = {m.domain_event: m for m in MAPPINGS}
PAYLOADS: dict[str, type[Payload]] = {m.payload.EVENT_TYPE: m.payload for m in MAPPINGS}
if len(BY_DOMAIN_EVENT) != len(MAPPINGS) or len(PAYLOADS) != len(MAPPINGS):
    raise RuntimeError("outbound mappings: each stored event and each event_type must appear once")


# Still mapped, so that an older store publishes and projects, but no longer recorded.
RETIRED_EVENT_TYPES: frozenset[str] = frozenset({"Order.EtaRevised"})
if not RETIRED_EVENT_TYPES <= set(PAYLOADS):
    raise RuntimeError("outbound mappings: a retired event type must still be mapped")


def event_types_of(aggregate_type: str) -> tuple[str, ...]:
    """Every published event type of one aggregate ("Order", "Stock", "Supplier"), in registry order."""
    return tuple(name for name, payload in PAYLOADS.items() if payload.aggregate_type() == aggregate_type)


# Made from the registry at run time; a type checker sees what they are made of.
if TYPE_CHECKING:
    EventType = str
    AnyPayload = Payload
else:
    EventType = Literal[tuple(PAYLOADS)]
    AnyPayload = Union[tuple(PAYLOADS.values())]  # noqa: UP007

HEADER_EVENT_TYPE = "event_type"
HEADER_SCHEMA_VERSION = "schema_version"
HEADER_NOTIFICATION_ID = "notification_id"
HEADER_CAUSATION_MESSAGE_ID = "causation_message_id"
# Who handed in the causing message (an HTTP token's name, `cli:<user>`, `kafka:<topic>`):
# metadata, so a header beside the envelope, whose version 1 does not change.
HEADER_CAUSATION_BY = "causation_by"


class UnmappedEvent(TypeError):
    """A stored event type with no outbound mapping and not declared internal."""


class OutboundEventV1(Contract):
    """A stored domain event published to Kafka (antrian.{order,stock,supplier,notice,warehouse}.events)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    event_type: EventType = Field(description="<Aggregate>.<Event>, e.g. Order.LineAllocated; names `data`.")
    aggregate_type: AggregateType
    aggregate_id: UUID = Field(description="The aggregate's id; also the Kafka record key.")
    aggregate_version: int = Field(ge=1, description="Increases by one per event of the aggregate.")
    notification_id: int = Field(
        ge=1, description="Position in the store's notification log: de-duplicate on it."
    )
    occurred_at: AwareDatetime = Field(
        description="When Antrian recorded the event. Business time of a decision is data.decision.as_of."
    )
    causation_message_id: str | None = Field(
        description="Inbound message whose handling produced the event; null if unknown."
    )
    # Written by its own class: pydantic's union serializer tried the 38 payload types one by
    # one, as long as the rest of the envelope and the payload together (same bytes).
    data: SerializeAsAny[AnyPayload]

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """As pydantic makes it, plus which payload each event_type carries (if/then per type)."""
        schema = super().model_json_schema(*args, **kwargs)
        template = kwargs.get("ref_template", "#/$defs/{model}")
        by_title = {definition.get("title"): name for name, definition in schema.get("$defs", {}).items()}
        schema["allOf"] = [
            {
                "if": {"properties": {"event_type": {"const": event_type}}, "required": ["event_type"]},
                "then": {"properties": {"data": {"$ref": template.format(model=by_title[payload.__name__])}}},
            }
            for event_type, payload in PAYLOADS.items()
        ]
        return schema

    @model_validator(mode="before")
    @classmethod
    def _validate_data_as_named(cls, values: Any) -> Any:
        # Several payloads share a shape (e.g. LineAllocated and BackorderFilled),
        # so the payload class is chosen by event_type, never guessed from `data`.
        if isinstance(values, dict) and isinstance(values.get("data"), dict):
            payload = PAYLOADS.get(values.get("event_type"))  # type: ignore[arg-type]
            if payload is not None:
                values = {**values, "data": payload.model_validate(values["data"])}
        return values

    @model_validator(mode="after")
    def _consistent(self) -> OutboundEventV1:
        if type(self.data) is not PAYLOADS[self.event_type]:
            raise ValueError(
                f"data is a {type(self.data).__name__}, {self.event_type} carries {PAYLOADS[self.event_type].__name__}"
            )
        if self.aggregate_type != PAYLOADS[self.event_type].aggregate_type():
            raise ValueError(
                f"aggregate_type {self.aggregate_type} does not match event_type {self.event_type}"
            )
        return self


def to_outbound(
    domain_event: Any, notification_id: int, causation_message_id: str | None
) -> OutboundEventV1 | None:
    """The envelope for a stored event; UnmappedEvent if nobody mapped it.

    None for the inbox record (never published) and for dead letters (which
    go to the dead-letter topic as the original record: check DEAD_LETTERS).
    """
    if type(domain_event) in UNPUBLISHED or type(domain_event) in DEAD_LETTERS:
        return None
    mapping = BY_DOMAIN_EVENT.get(type(domain_event))
    if mapping is None:
        raise UnmappedEvent(
            f"{type(domain_event).__qualname__} has no outbound mapping: add one in services/outbound/ "
            "or declare it in UNPUBLISHED / DEAD_LETTERS"
        )
    payload = mapping.convert(domain_event)
    # The payload was validated as it was built, and every other field is the stored
    # event's own (a UUID, versions and log positions from 1, an aware timestamp):
    # validating the envelope again cost the relay a quarter of its time per event.
    # The tests check that every envelope made here decodes back equal to itself.
    return OutboundEventV1.model_construct(
        event_type=payload.EVENT_TYPE,
        aggregate_type=cast(AggregateType, payload.aggregate_type()),
        aggregate_id=domain_event.originator_id,
        aggregate_version=domain_event.originator_version,
        notification_id=notification_id,
        occurred_at=domain_event.timestamp,
        causation_message_id=causation_message_id,
        data=payload,
    )


def encode(outbound: OutboundEventV1) -> bytes:
    """The Kafka record value: compact JSON, written by pydantic's serializer straight to bytes."""
    return outbound.__pydantic_serializer__.to_json(outbound)


def decode(value: bytes | str) -> OutboundEventV1:
    return OutboundEventV1.model_validate(orjson.loads(value))


def headers(outbound: OutboundEventV1, caused_by: str | None = None) -> list[tuple[str, bytes]]:
    """Kafka record headers, so consumers can route and de-duplicate without parsing the value.

    causation_message_id and causation_by are left out when they are unknown.
    """
    result = [
        (HEADER_EVENT_TYPE, outbound.event_type.encode()),
        (HEADER_SCHEMA_VERSION, str(outbound.schema_version).encode()),
        (HEADER_NOTIFICATION_ID, str(outbound.notification_id).encode()),
    ]
    if outbound.causation_message_id is not None:
        result.append((HEADER_CAUSATION_MESSAGE_ID, outbound.causation_message_id.encode()))
    if caused_by is not None:
        result.append((HEADER_CAUSATION_BY, caused_by.encode()))
    return result


def header_value(found: Any, name: str) -> str | None:
    """A Kafka record header's text (the first of that name), None when absent."""
    for key, value in found or ():
        if key == name and value is not None:
            return bytes(value).decode("utf-8", "replace")
    return None


def domain_event_classes(aggregate: type[Aggregate]) -> list[type]:
    """The concrete event classes an aggregate declares (its `@event("Name")`s).

    `Event` and `Created` are the library's bases, present on every aggregate
    and never stored by ours (each names its creation event, e.g. "Placed").
    The tests cross-check this list against the `@event` decorators in the source.
    """
    found = [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, aggregate.Event) and name not in ("Event", "Created")
    ]
    return sorted(found, key=lambda cls: cls.__qualname__)
