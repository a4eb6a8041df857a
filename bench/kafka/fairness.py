"""Lines served out of `placed_at` order, counted from what a store recorded.

A line is *beaten* when it is backordered on arrival while a line of the same
SKU placed after it had already been given units (on arrival, or filled from
the queue): processed in `placed_at` order, it would have had them first.
Higher tiers overtaking in the queue are the policy, not this: a line already
waiting when a later one is filled is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

PAGE = 5_000


@dataclass
class OutOfOrder:
    beaten: int = 0  # lines backordered while a later-placed line of the SKU already had units
    served_ahead: int = 0  # lines given units before an earlier-placed line that then had to wait
    worst_hours: float = 0.0  # the largest placed_at gap between a beaten line and one served ahead of it
    backordered: int = 0

    def __str__(self) -> str:
        return (
            f"{self.beaten} of {self.backordered} backordered line(s) beaten by later orders "
            f"({self.served_ahead} served ahead, up to {self.worst_hours:.1f} h later)"
        )


def out_of_order(engine: Any) -> OutOfOrder:
    """Read the engine's whole log once, in order."""
    placed: dict[Any, datetime] = {}  # order aggregate id -> placed_at
    served: dict[str, list[tuple[datetime, tuple[Any, str]]]] = {}  # sku -> (placed_at, line) served
    sku_of: dict[tuple[Any, str], str] = {}
    counted: set[tuple[Any, str]] = set()
    result = OutOfOrder()
    start = 1
    while True:
        page = engine.recorder.select_notifications(start, PAGE, topics=_TOPICS)
        for notification in page:
            event = engine.mapper.to_domain_event(notification)
            _take(event, type(event).__name__, placed, served, sku_of, counted, result)
        if len(page) < PAGE:
            return result
        start = page[-1].id + 1


def _take(
    event: Any,
    name: str,
    placed: dict[Any, datetime],
    served: dict[str, list[tuple[datetime, tuple[Any, str]]]],
    sku_of: dict[tuple[Any, str], str],
    counted: set[tuple[Any, str]],
    result: OutOfOrder,
) -> None:
    order = event.originator_id
    if name == "Placed":
        placed[order] = event.placed_at
        for line in event.lines:
            sku_of[(order, line.line_id)] = line.sku
    elif name in ("LineAllocated", "BackorderFilled"):
        served.setdefault(event.sku, []).append((placed[order], (order, event.line_id)))
    elif name == "LineBackordered":
        result.backordered += 1
        at = placed[order]
        ahead = [(p, line) for p, line in served.get(sku_of[(order, event.line_id)], []) if p > at]
        if ahead:
            result.beaten += 1
            result.worst_hours = max(
                result.worst_hours, (max(p for p, _ in ahead) - at).total_seconds() / 3600
            )
            fresh = {line for _, line in ahead} - counted
            result.served_ahead += len(fresh)
            counted.update(fresh)


_TOPICS = [
    f"domain.order:Order.{name}" for name in ("Placed", "LineAllocated", "BackorderFilled", "LineBackordered")
]
