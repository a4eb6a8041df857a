"""Every Kafka topic Antrian reads or writes, named once, with its key, contract and single writer.

Why one registry: a topic name typed in two places drifts; a key chosen
differently by two producers breaks per-key ordering (all messages of one
order, SKU or supplier must land on one partition, in order); and a topic
with two writers has no owner. Producers, consumers, provisioning and tests
all ask this module. `TopicRegistry(prefix="test-xyz.")` prefixes every
name, so tests sharing one broker do not collide.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel

from services import contracts as c
from services.dead_letters import REFUSAL_CLASS, DeadLetter
from services.outbound import OutboundEventV1

DEFAULT_PARTITIONS = 4
_LEGAL = re.compile(r"^[A-Za-z0-9._-]*$")  # Kafka's topic-name alphabet

# Kafka Connect's names where it has one (its DeadLetterQueueReporter), so tools that read
# Connect's dead-letter queues read ours; Antrian's own under "antrian.". Consumers
# de-duplicate on the letter's id and attempt: the relay publishes at least once.
CONNECT = "__connect.errors."
H_TOPIC = CONNECT + "topic"
H_PARTITION = CONNECT + "partition"
H_OFFSET = CONNECT + "offset"
H_EXCEPTION_CLASS = CONNECT + "exception.class.name"
H_EXCEPTION_MESSAGE = CONNECT + "exception.message"
H_LETTER_ID = "antrian.dead_letter.id"  # uuid5 of where the record came from: one per refused record
H_TIMESTAMP = "antrian.dead_letter.timestamp"  # when it was refused (RFC 3339)
H_ATTEMPT = "antrian.dead_letter.attempt"  # 1 when it arrived; a retry refused again: 2, 3, ...
H_SOURCE = "antrian.dead_letter.source"  # only when the record did not come from Kafka ("messages.jsonl:12")
H_FIELD = "antrian.dead_letter.field"
H_MESSAGE_ID = "antrian.message_id"
H_MESSAGE_TYPE = "antrian.message_type"
DEADLETTER_HEADERS = (
    H_TOPIC,
    H_PARTITION,
    H_OFFSET,
    H_EXCEPTION_CLASS,
    H_EXCEPTION_MESSAGE,
    H_LETTER_ID,
    H_TIMESTAMP,
    H_ATTEMPT,
    H_SOURCE,
    H_FIELD,
    H_MESSAGE_ID,
    H_MESSAGE_TYPE,
)
_KAFKA_SOURCE = re.compile(r"^(?P<topic>.+):(?P<partition>\d+):(?P<offset>\d+)$")


@dataclass(frozen=True)
class Topic:
    """One topic: `key(obj)` gives the record key for anything published to it."""

    name: str
    key: Callable[[Any], bytes | None]  # None only for dead letters of records that had no key
    contract: tuple[type[BaseModel], ...]  # value models; () for dead letters (raw original bytes)
    writer: str  # the one component allowed to produce to it
    partitions: int = DEFAULT_PARTITIONS
    config: Mapping[str, str] = field(
        default_factory=dict, hash=False
    )  # topic configs `antrian topics create` sets

    @property
    def message_types(self) -> tuple[str, ...]:
        """The inbound `type` values this topic carries, each once whatever its versions (empty for other topics)."""
        return tuple(dict.fromkeys(c.type_of(cls) for cls in self.contract if issubclass(cls, c.Envelope)))


def _field(name: str) -> Callable[[Any], bytes]:
    """Key on a field of a contract object or of its plain-dict form."""

    def key(obj: Any) -> bytes:
        value = obj[name] if isinstance(obj, dict) else getattr(obj, name)
        return str(value).encode()

    key.__name__ = f"key_{name}"
    return key


def _original_key(record: Any) -> bytes | None:
    """Dead letters keep the refused record's key (bytes, or anything with .key)."""
    return record if isinstance(record, bytes | None) else record.key


# Name (without prefix), key, contract, writer. Inbound topics are written by
# the upstream system that owns the facts; Antrian only reads them.
_SPECS: dict[str, tuple[str, Callable[[Any], bytes | None], tuple[type[BaseModel], ...], str]] = {
    "orders": (
        "antrian.orders",
        _field("order_id"),
        (
            c.OrderPlaced,
            c.OrderPlacedV2,
            c.OrderPlacedV3,
            c.OrderCancelled,
            c.OrderShipped,
            c.SubstituteAccepted,
            c.SubstituteAcceptedV2,
            c.SubstituteDeclined,
            c.SubstituteDeclinedV2,
        ),
        "shop (order management)",
    ),
    # Decisions only operators take, never the shop: a topic of their own, so `orders` keeps one
    # writer. Keyed by order like `orders`. An operator acts on an order the store already holds (the
    # dashboard shows only those), so nothing here can overtake its order: an unknown one is refused.
    "operations": (
        "antrian.operations",
        _field("order_id"),
        (c.LineReleasedAhead, c.LineReleaseWithdrawn),
        "ops (operators' tools: releases ahead and their withdrawals)",
    ),
    "inventory": (
        "antrian.inventory",
        _field("sku"),
        (
            c.StockReceived,
            c.StockAdjusted,
            c.SubstitutesDeclared,
            c.BackInStockRequested,
            c.SkuConfigured,
            c.SkuConfiguredV2,
            c.SkuConfiguredV3,
            c.SkuConfiguredV4,
            c.SkuConfiguredV5,
        ),
        "warehouse (inventory management)",
    ),
    "purchasing": (
        "antrian.purchasing",
        _field("supplier_id"),
        (
            c.SupplierRegistered,
            c.SupplierRegisteredV2,
            c.PurchaseOrderPlaced,
            c.PurchaseOrderConfirmed,
            c.PurchaseOrderDelayed,
            c.PurchaseOrderCancelled,
        ),
        "purchasing (supplier management)",
    ),
    # What each warehouse can hold. Not on `inventory`: that topic is keyed by SKU, and a
    # warehouse's capacity is about no SKU. Inventory management writes both.
    "warehouses": (
        "antrian.warehouses",
        _field("warehouse"),
        (c.WarehouseConfigured,),
        "warehouse (inventory management)",
    ),
    "deadletter": ("antrian.deadletter", _original_key, (), "antrian inbound consumer"),
    "order_events": (
        "antrian.order.events",
        _field("aggregate_id"),
        (OutboundEventV1,),
        "antrian outbound relay",
    ),
    "stock_events": (
        "antrian.stock.events",
        _field("aggregate_id"),
        (OutboundEventV1,),
        "antrian outbound relay",
    ),
    "supplier_events": (
        "antrian.supplier.events",
        _field("aggregate_id"),
        (OutboundEventV1,),
        "antrian outbound relay",
    ),
    "notice_events": (
        "antrian.notice.events",
        _field("aggregate_id"),
        (OutboundEventV1,),
        "antrian outbound relay",
    ),
    "warehouse_events": (
        "antrian.warehouse.events",
        _field("aggregate_id"),
        (OutboundEventV1,),
        "antrian outbound relay",
    ),
}
# Topic configs, created by `antrian topics create` (infra/kafka/provisioning.py). None is
# compacted: compaction keeps only a key's last record, and no topic of ours is a table of
# "latest values". Inbound records are facts (an order's cancel does not replace its placing),
# outbound events are the history projections are rebuilt from, and dead letters of one key
# are several letters.
DAY_MS = 24 * 60 * 60 * 1000
INBOUND_RETENTION_DAYS = 7  # applied messages are in the store; a week covers an engine down for days
DEADLETTER_RETENTION_DAYS = 365  # kept in the store too; the topic is for the teams that fix them
_DELETE = {"cleanup.policy": "delete"}
_CONFIG: dict[str, dict[str, str]] = {
    "orders": {**_DELETE, "retention.ms": str(INBOUND_RETENTION_DAYS * DAY_MS)},
    "inventory": {**_DELETE, "retention.ms": str(INBOUND_RETENTION_DAYS * DAY_MS)},
    "purchasing": {**_DELETE, "retention.ms": str(INBOUND_RETENTION_DAYS * DAY_MS)},
    "operations": {**_DELETE, "retention.ms": str(INBOUND_RETENTION_DAYS * DAY_MS)},
    "warehouses": {**_DELETE, "retention.ms": str(INBOUND_RETENTION_DAYS * DAY_MS)},
    "deadletter": {**_DELETE, "retention.ms": str(DEADLETTER_RETENTION_DAYS * DAY_MS)},
    # Kept for ever: `antrian projections rebuild --kafka` reads them from the first event.
    "order_events": {**_DELETE, "retention.ms": "-1"},
    "stock_events": {**_DELETE, "retention.ms": "-1"},
    "supplier_events": {**_DELETE, "retention.ms": "-1"},
    "notice_events": {**_DELETE, "retention.ms": "-1"},
    "warehouse_events": {**_DELETE, "retention.ms": "-1"},
}
_OUTBOUND = {
    "Order": "order_events",
    "Stock": "stock_events",
    "Supplier": "supplier_events",
    "Notice": "notice_events",
    "Warehouse": "warehouse_events",
}
_INBOUND = ("orders", "inventory", "purchasing", "operations", "warehouses")


class TopicRegistry:
    """All topics, optionally prefixed: `TopicRegistry("test-1.").orders.name == "test-1.antrian.orders"`."""

    orders: Topic
    inventory: Topic
    purchasing: Topic
    operations: Topic
    warehouses: Topic
    deadletter: Topic
    order_events: Topic
    stock_events: Topic
    supplier_events: Topic
    notice_events: Topic
    warehouse_events: Topic

    def __init__(self, prefix: str = "", partitions: int = DEFAULT_PARTITIONS) -> None:
        if not _LEGAL.match(prefix):
            raise ValueError(f"topic prefix {prefix!r} may only use letters, digits, '.', '_' and '-'")
        self.prefix = prefix
        for attribute, (name, key, contract, writer) in _SPECS.items():
            config = _CONFIG[attribute]
            setattr(self, attribute, Topic(prefix + name, key, contract, writer, partitions, config))
        self._by_type = {t: topic for topic in self.inbound() for t in topic.message_types}

    def __iter__(self) -> Iterator[Topic]:
        return (getattr(self, attribute) for attribute in _SPECS)

    def inbound(self) -> tuple[Topic, ...]:
        return tuple(getattr(self, attribute) for attribute in _INBOUND)

    def outbound(self) -> tuple[Topic, ...]:
        return tuple(getattr(self, attribute) for attribute in _OUTBOUND.values())

    def by_name(self, name: str) -> Topic:
        for topic in self:
            if topic.name == name:
                return topic
        raise KeyError(f"no topic named {name!r} (prefix {self.prefix!r})")

    def inbound_topic_for(self, message_type: str | type[c.Message] | c.Message) -> Topic:
        """The topic a message type travels on (by `type` name, contract class or message)."""
        if not isinstance(message_type, str):
            cls = message_type if isinstance(message_type, type) else type(message_type)
            message_type = c.type_of(cls)
        try:
            return self._by_type[message_type]
        except KeyError:
            raise KeyError(f"no inbound topic carries message type {message_type!r}") from None

    def outbound_topic_for(self, aggregate_type: str) -> Topic:
        """Where events of an aggregate type ("Order", "Stock", "Supplier") are published."""
        try:
            return getattr(self, _OUTBOUND[aggregate_type])
        except KeyError:
            raise KeyError(f"no outbound topic for aggregate type {aggregate_type!r}") from None


Topics = TopicRegistry
TOPICS = TopicRegistry()


def inbound_topic_for(message_type: str | type[c.Message] | c.Message) -> Topic:
    return TOPICS.inbound_topic_for(message_type)


def outbound_topic_for(aggregate_type: str) -> Topic:
    return TOPICS.outbound_topic_for(aggregate_type)


def deadletter_headers(values: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Headers of a dead letter (its key and value are the refused bytes), in a fixed order; absent values are left out."""
    return [(name, str(values[name]).encode()) for name in DEADLETTER_HEADERS if values.get(name) is not None]


class DeadLetterRecord(NamedTuple):
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def dead_letter_record(recorded: DeadLetter.Recorded) -> DeadLetterRecord:
    """The antrian.deadletter record for a stored dead letter: the refused record as it came, and why."""
    return DeadLetterRecord(
        key=base64.b64decode(recorded.key_b64) if recorded.key_b64 is not None else None,
        value=base64.b64decode(recorded.original_b64),
        headers=deadletter_headers(
            {
                **_origin(recorded.source),
                H_EXCEPTION_CLASS: recorded.exception_class or REFUSAL_CLASS,
                H_EXCEPTION_MESSAGE: recorded.reason,
                H_LETTER_ID: recorded.originator_id,
                H_TIMESTAMP: recorded.timestamp.isoformat(),
                H_ATTEMPT: 1,
                H_FIELD: recorded.field,
                H_MESSAGE_ID: recorded.message_id,
                H_MESSAGE_TYPE: recorded.message_type,
            }
        ),
    )


def retried_record(letter: DeadLetter, retried: DeadLetter.Retried) -> DeadLetterRecord:
    """A retry refused again: the bytes judged (the corrected ones, if given), as the letter's next attempt."""
    judged = base64.b64decode(retried.corrected_b64) if retried.corrected_b64 is not None else letter.original
    return DeadLetterRecord(
        key=letter.key,
        value=judged,
        headers=deadletter_headers(
            {
                **_origin(letter.source),
                H_EXCEPTION_CLASS: retried.exception_class or REFUSAL_CLASS,
                H_EXCEPTION_MESSAGE: retried.reason,
                H_LETTER_ID: letter.id,
                H_TIMESTAMP: retried.at.isoformat(),
                H_ATTEMPT: retried.attempt,
                H_FIELD: retried.field,
                H_MESSAGE_ID: letter.message_id,
                H_MESSAGE_TYPE: letter.message_type,
            }
        ),
    )


def _origin(source: str) -> dict[str, Any]:
    where = _KAFKA_SOURCE.match(source)
    if where is None:
        return {H_SOURCE: source}
    return {H_TOPIC: where["topic"], H_PARTITION: int(where["partition"]), H_OFFSET: int(where["offset"])}
