"""Reading a batch's cold aggregates together, before its messages ask one by one.

An engine that starts, or takes partitions over in a rebalance, has an empty
cache: the first batch read every SKU it touched with two queries of its own,
hundreds of round trips. The messages name what they will read, and a writer
that `reads_many` reads all of those together (infra/batch_writer.py).

The names are hints: an aggregate they miss (a substitute a reaction looks at)
is read on its own as before, and one they name in vain costs nothing but its
share of a query. What is loaded is what the repository would have built.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any
from uuid import UUID

from eventsourcing.application import Cache

from domain.order import order_uuid
from domain.stock import stock_id
from domain.supplier import supplier_uuid
from services.contracts import Message
from services.writing import BatchWriter

# One aggregate missing is read as the repository reads it: two queries either way.
AT_LEAST = 2


def reads_of(message: Message) -> list[UUID]:
    """The Stock, Supplier and (existing) Order aggregates a message's handler reads first.

    Runs for every message of every batch, warm or not: the contract's field table
    is asked, not the message, whose missing attributes cost pydantic a raised error each.
    """
    fields = type(message).model_fields
    any_message: Any = message  # each field asked only once the table has it
    skus = [any_message.sku] if "sku" in fields else []
    if "substitutes" in fields:
        skus += any_message.substitutes
    lines = any_message.lines if "lines" in fields else []
    if lines and "sku" in type(lines[0]).model_fields:
        skus += [line.sku for line in lines]
    ids = [stock_id(sku) for sku in skus]
    if "supplier_id" in fields and any_message.supplier_id:
        ids.append(supplier_uuid(any_message.supplier_id))
    if "order_id" in fields and any_message.type != "OrderPlaced":
        ids.append(
            order_uuid(any_message.order_id)
        )  # a new order is not read: the store refuses a second one
    return ids


def warm(cache: Cache[UUID, Any] | None, writer: BatchWriter, messages: Sequence[Message]) -> int:
    """Put the aggregates `messages` will read into the cache; how many were loaded."""
    if cache is None or not writer.reads_many:
        return 0
    wanted = dict.fromkeys(chain.from_iterable(map(reads_of, messages)))
    missing = [aggregate_id for aggregate_id in wanted if aggregate_id not in cache.cache]
    if len(missing) < AT_LEAST:
        return 0
    aggregates = writer.read_many(missing)
    for aggregate_id, aggregate in aggregates.items():
        cache.put(aggregate_id, aggregate)
    return len(aggregates)
