"""Outbound contracts, version 1: what Antrian publishes about its stored events.

Stored domain events are never dumped to the outside world as they are:
each published event type has its own frozen payload model and an explicit
mapping from the stored event (order.py, stock.py, supplier.py), wrapped in
`OutboundEventV1` (envelope.py). `CausationTracker` (causation.py) finds
the inbound message behind each event from the notification log.
"""

from services.outbound.causation import INBOX_TOPIC, STANDALONE_TOPICS, CausationTracker, attribute_causation
from services.outbound.contract import Contract, Decision, Mapping, Payload
from services.outbound.envelope import (
    BY_DOMAIN_EVENT,
    DEAD_LETTERS,
    HEADER_CAUSATION_BY,
    HEADER_CAUSATION_MESSAGE_ID,
    HEADER_EVENT_TYPE,
    HEADER_NOTIFICATION_ID,
    HEADER_SCHEMA_VERSION,
    MAPPINGS,
    PAYLOADS,
    PUBLISHED_AGGREGATES,
    RETIRED_EVENT_TYPES,
    SCHEMA_VERSION,
    UNPUBLISHED,
    OutboundEventV1,
    UnmappedEvent,
    decode,
    domain_event_classes,
    encode,
    event_types_of,
    header_value,
    headers,
    to_outbound,
)

__all__ = [
    "BY_DOMAIN_EVENT",
    "DEAD_LETTERS",
    "HEADER_CAUSATION_BY",
    "HEADER_CAUSATION_MESSAGE_ID",
    "HEADER_EVENT_TYPE",
    "HEADER_NOTIFICATION_ID",
    "HEADER_SCHEMA_VERSION",
    "INBOX_TOPIC",
    "MAPPINGS",
    "PAYLOADS",
    "PUBLISHED_AGGREGATES",
    "RETIRED_EVENT_TYPES",
    "STANDALONE_TOPICS",
    "SCHEMA_VERSION",
    "UNPUBLISHED",
    "CausationTracker",
    "Contract",
    "Decision",
    "Mapping",
    "OutboundEventV1",
    "Payload",
    "UnmappedEvent",
    "attribute_causation",
    "decode",
    "domain_event_classes",
    "encode",
    "event_types_of",
    "header_value",
    "headers",
    "to_outbound",
]
