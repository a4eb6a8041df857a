"""The replenishment worklist, marked where a suggestion would overflow its warehouse.

The worklist comes from the read models; whether its quantity fits needs the capacity
projection, which reads the store (services/capacity.py `worklist_splits`). The entry
points ask both and join them here, so the worklist's query stays a read-model query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from projections.purchasing.models import CapacitySplit, ReplenishmentItem, SplitPart

Splits = Mapping[str, tuple[str, Sequence[tuple[date, int]]]]  # SKU -> (warehouse, parts)


def wanted(items: Sequence[ReplenishmentItem]) -> list[tuple[str, str, int]]:
    return [(item.sku, item.supplier_id, item.quantity) for item in items]


def marked(
    items: Sequence[ReplenishmentItem], splits: Splits, text: dict[str, str]
) -> list[ReplenishmentItem]:
    """Each item with its `capacity` split where one was found (`text`: SKU -> how it reads)."""
    return [
        item.model_copy(update={"capacity": _split(item.sku, splits, text)}) if item.sku in splits else item
        for item in items
    ]


def _split(sku: str, splits: Splits, text: dict[str, str]) -> CapacitySplit:
    warehouse, parts = splits[sku]
    return CapacitySplit(
        warehouse=warehouse,
        parts=[SplitPart(arrives=arrives, quantity=quantity) for arrives, quantity in parts],
        text=text[sku],
    )
