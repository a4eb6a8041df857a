"""Outbound payloads of Warehouse events, version 1: what a warehouse can hold.

Published on their own topic (antrian.warehouse.events, keyed by aggregate id
like every events topic), so a consumer of Stock events sees only Stock events.
Only `Warehouse.Registered` names the warehouse; `Warehouse.Configured` is
joined on the envelope's aggregate_id. Volumes are decimal strings.
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from domain.warehouse import Warehouse
from services.outbound.contract import Mapping, Payload

VOLUME = r"^\d+(\.\d+)?$"


class WarehouseRegisteredV1(Payload):
    EVENT_TYPE = "Warehouse.Registered"
    warehouse: str


class WarehouseConfiguredV1(Payload):
    EVENT_TYPE = "Warehouse.Configured"
    capacity_units: int | None = Field(description="Most units it holds; null: not limited in units.")
    capacity_volume: str | None = Field(
        pattern=VOLUME,
        description="Most volume it holds (decimal string, the unit of SKUs' unit_volume); null: not "
        "limited in volume.",
    )
    occurred_at: AwareDatetime = Field(description="The message's occurred_at: since when it holds.")


MAPPINGS: tuple[Mapping, ...] = (
    Mapping(
        Warehouse.Registered, WarehouseRegisteredV1, lambda e: WarehouseRegisteredV1(warehouse=e.warehouse)
    ),
    Mapping(
        Warehouse.Configured,
        WarehouseConfiguredV1,
        lambda e: WarehouseConfiguredV1(
            capacity_units=e.capacity_units,
            capacity_volume=None if e.capacity_volume is None else format(e.capacity_volume, "f"),
            occurred_at=e.at,
        ),
    ),
)
