"""What a Stock's snapshot holds, and how its decisions explain themselves."""

from __future__ import annotations

from datetime import datetime

from domain.allocation import RequestPlan
from domain.base import SnapshotState, Value
from domain.eta import EtaPlan
from domain.values import Contact, InboundLine, QueueEntry, Reservation, Source


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


def request_reason(plan: RequestPlan, available: int) -> str:
    if not plan.backorder:
        return f"{available} unit(s) free and nobody waiting: allocated {plan.allocate}"
    head = f"allocated {plan.allocate} of {available} free; " if plan.allocate else ""
    return (
        f"{head}backordered {plan.backorder} at position {plan.position} "
        f"behind {plan.units_ahead} waiting unit(s)"
    )


def eta_reason(plan: EtaPlan) -> str:
    parts = []
    if plan.changes:
        parts.append(f"{len(plan.changes)} promise(s) changed")
    if plan.expired:
        parts.append(f"{len(plan.expired)} line(s) past their maximum wait left the queue")
    return "; ".join(parts) + " after walking the queue against open purchase orders"
