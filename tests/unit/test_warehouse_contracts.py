"""WarehouseConfigured version 1, SkuConfigured version 2's unit_volume, and what the domain keeps of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from domain.stock import stock_id
from domain.warehouse import Warehouse, warehouse_uuid
from infra.bootstrap import build_engine
from infra.settings import Settings
from services import contracts as c
from services.errors import MessageRejected
from services.parsing import parse_message
from tests import messages as m


def rejection(raw: dict[str, Any]) -> MessageRejected:
    with pytest.raises(MessageRejected) as error:
        parse_message(raw)
    return error.value


def sku_v2(**extra: Any) -> dict[str, Any]:
    return {**m.sku_configured("k", "A", reorder_point=4), "schema_version": 2, "reason": "measured", **extra}


def test_a_warehouse_holds_units_volume_or_both():
    units = parse_message(m.warehouse_configured("w", "main", capacity_units=1200))
    volume = parse_message(m.warehouse_configured("w", "main", capacity_volume="80.5"))
    assert isinstance(units, c.WarehouseConfigured) and units.capacity_units == 1200
    assert (units.capacity_volume, volume.capacity_volume) == (None, Decimal("80.5"))


def test_a_warehouse_without_any_capacity_is_refused_naming_the_field():
    error = rejection(m.warehouse_configured("w", "main"))
    assert error.field == "capacity_units" and "capacity_volume" in error.reason


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("capacity_units", 0),
        ("capacity_units", 1_000_000_001),
        ("capacity_units", "12"),
        ("capacity_volume", "0"),
        ("capacity_volume", "-1.5"),
        ("capacity_volume", "1e3"),
        ("capacity_volume", "1.1234567"),
        ("warehouse", " main"),
    ],
)
def test_out_of_bounds_or_mistyped_capacities_are_refused_naming_the_field(field, value):
    raw = {**m.warehouse_configured("w", "main", capacity_units=10), field: value}
    assert rejection(raw).field == field


def test_sku_configured_version_2_may_give_a_positive_unit_volume_and_version_1_may_not():
    assert parse_message(sku_v2()).unit_volume is None
    assert parse_message(sku_v2(unit_volume="0.0125")).unit_volume == Decimal("0.0125")
    assert rejection(sku_v2(unit_volume="0")).field == "unit_volume"
    assert rejection({**m.sku_configured("k", "A"), "unit_volume": "0.5"}).field == "unit_volume"


def test_the_warehouse_keeps_its_capacity_and_the_same_capacity_again_records_nothing():
    engine = build_engine(Settings(store="memory"))
    m.apply(
        engine,
        m.warehouse_configured("w-1", "main", capacity_units=100),
        m.warehouse_configured("w-2", "main", capacity_units=100, at=m.ts(1)),
        m.warehouse_configured("w-3", "main", capacity_volume="9.5", at=m.ts(2)),
    )
    warehouse = engine.repository.get(warehouse_uuid("main"))
    assert isinstance(warehouse, Warehouse)
    assert (warehouse.capacity_units, warehouse.capacity_volume) == (None, Decimal("9.5"))
    assert warehouse.version == 3  # registered, configured, configured again with another capacity


def test_a_skus_unit_volume_stays_when_a_later_configuration_leaves_it_out_and_old_events_load_as_none():
    engine = build_engine(Settings(store="memory"))
    m.apply(
        engine,
        sku_v2(message_id="k-1", unit_volume="0.25"),
        m.sku_configured("k-2", "A", reorder_point=6),  # version 1: no unit volume
    )
    assert engine.repository.get(stock_id("A")).unit_volume == Decimal("0.25")
    records = [
        n
        for n in engine.recorder.select_notifications(start=1, limit=100)
        if n.topic.endswith("Stock.Configured")
    ]
    for record in records:
        event = engine.mapper.to_domain_event(record)
        assert engine.mapper.to_stored_event(event).state == record.state
        older = orjson.loads(record.state)
        del older["unit_volume"]  # as stored before it was kept
        before = StoredEvent(
            record.originator_id, record.originator_version, record.topic, orjson.dumps(older)
        )
        assert engine.mapper.to_domain_event(before).unit_volume is None
