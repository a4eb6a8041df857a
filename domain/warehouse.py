"""Warehouse: a place that holds stock, and how much it can hold.

Stock is counted per SKU and warehouse on the Stock aggregate; what a warehouse
can hold is a fact about the warehouse, told by inventory management
(`WarehouseConfigured`), so it is an aggregate of its own, keyed by its name. Its
capacity is in units, in volume (each SKU's unit volume, on its Stock), or both;
`antrian capacity` projects against it (domain/capacity.py). It decides nothing
about orders: it only remembers the capacity in force and since when.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import Aggregate


class Warehouse(Aggregate):
    class Event(Aggregate.Event):
        """Declared so the events below can name it."""

    @staticmethod
    def create_id(warehouse: str) -> UUID:
        return warehouse_uuid(warehouse)

    class Registered(Aggregate.Created, Event):
        warehouse: str

    @event(Registered)
    def __init__(self, warehouse: str) -> None:
        self.warehouse = warehouse
        self.capacity_units: int | None = None
        self.capacity_volume: Decimal | None = None
        self.configured_at: datetime | None = None

    @property
    def limited(self) -> bool:
        return self.capacity_units is not None or self.capacity_volume is not None

    def configure(self, capacity_units: int | None, capacity_volume: Decimal | None, at: datetime) -> None:
        """The capacity from now on; the same capacity told again records nothing."""
        if (capacity_units, capacity_volume) == (self.capacity_units, self.capacity_volume):
            return
        self._configured(capacity_units=capacity_units, capacity_volume=capacity_volume, at=at)

    class Configured(Event):
        capacity_units: int | None
        capacity_volume: Decimal | None
        at: datetime

    @event(Configured)
    def _configured(self, capacity_units: int | None, capacity_volume: Decimal | None, at: datetime) -> None:
        self.capacity_units = capacity_units
        self.capacity_volume = capacity_volume
        self.configured_at = at


def warehouse_uuid(warehouse: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:warehouse:{warehouse}")
