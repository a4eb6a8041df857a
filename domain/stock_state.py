"""What a Stock's snapshot holds.

Stores keep snapshots taken by earlier versions, so the stored shape does not
follow the aggregate's: the queue is stored as its entries with their total
(`queue`, `waiting`) and the reservations as a mapping with their sum
(`reservations`, `allocated`), and the parts are rebuilt from them on load.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import model_validator

from domain.base import SnapshotState, Value
from domain.queue import Queue
from domain.quotas import Quota, QuotaUse
from domain.reservations import Reservations
from domain.values import Contact, InboundLine, QueueEntry, Reservation, Source

DERIVED = ("waiting", "allocated")  # stored for older readers; the parts recompute them


class Watcher(Value):
    customer_id: str
    contact: Contact


class StockState(SnapshotState):
    sku: str
    policy: str
    on_hand: dict[str, int]
    reservations: dict[str, Reservation]
    allocated: int
    queue: list[QueueEntry]
    waiting: int
    inbound: dict[str, InboundLine]  # by inbound_key(supplier, PO)
    sources: dict[str, Source]
    substitutes: list[str]
    reorder_point: int
    safety_stock: int
    suggested: int
    watchers: list[Watcher]
    clock: datetime | None = None
    substitute_for: tuple[str, ...] = ()  # older snapshots have none
    eta_policy: str = "eta-v1"  # older snapshots are of SKUs that promised with eta-v1
    unit_volume: Decimal | None = None  # older snapshots have none
    order_up_to: int | None = None  # ... none
    suggested_from: dict[str, int] = {}  # ... none: their suggestions are counted in `suggested` only
    failover_from: dict[str, int] = {}  # ... none
    reserve: dict[str, int] = {}  # ... none (SkuConfigured version 4's settings)
    quota: Quota | None = None
    quota_use: QuotaUse = QuotaUse()
    redistribute_within_hours: int = 0
    replenish_configured: str | None = None  # ... none (SkuConfigured version 5's `replenish_policy`)

    @model_validator(mode="before")
    @classmethod
    def _flatten_parts(cls, data: Any) -> Any:
        """From a Stock's attributes: its queue and reservations as the stored shape."""
        if isinstance(data, dict) and isinstance(data.get("queue"), Queue):
            data = dict(data)
            queue, reservations = data["queue"], data["reservations"]
            data.update(queue=list(queue), waiting=queue.waiting)
            data.update(reservations=dict(reservations), allocated=reservations.allocated)
        return data

    def __iter__(self) -> Generator[tuple[str, Any], None, None]:
        """The aggregate's attributes, as the library restores them: its parts rebuilt."""
        for name, value in super().__iter__():
            if name == "queue":
                yield name, Queue(value)
            elif name == "reservations":
                yield name, Reservations(value)
            elif name not in DERIVED:
                yield name, value
