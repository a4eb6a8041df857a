"""An order's lines as values: what was asked for, and where each line stands.

Order events replace a line with an updated copy (`Order._update`); these are
the values and the two small sums they are updated with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.base import Value
from domain.values import LineStatus


class LineSpec(Value):
    line_id: str
    sku: str
    quantity: int


class Offer(Value):
    sku: str
    quantity: int


class Line(Value):
    """One order line; ordered = allocated + backordered + cancelled + shipped."""

    line_id: str
    sku: str
    quantity: int
    allocated: dict[str, int] = {}  # by SKU: the line's own, or an accepted substitute
    backordered: int = 0
    cancelled: int = 0
    shipped: int = 0
    position: int | None = None  # where the line joined the queue
    # The promise the line was backordered with. Later revisions are the Stock's
    # (Stock.EtasRevised); only stores from before that revised them here.
    eta: date | None = None
    first_eta: date | None = None
    eta_revisions: int = 0
    needs_purchase: bool = False
    offer: Offer | None = None
    declined: list[str] = []  # substitutes the customer said no to

    @property
    def skus(self) -> list[str]:
        """Every SKU whose stock holds units or a queue place for this line."""
        return sorted({self.sku, *self.allocated})

    @property
    def allocated_total(self) -> int:
        return sum(self.allocated.values())

    @property
    def is_open(self) -> bool:
        return self.allocated_total + self.backordered > 0

    @property
    def status(self) -> LineStatus:
        if self.offer is not None and self.backordered:
            return LineStatus.SUBSTITUTE_OFFERED
        if self.backordered:
            return LineStatus.PARTIALLY_ALLOCATED if self.allocated_total else LineStatus.BACKORDERED
        if self.allocated_total:
            return LineStatus.PARTIALLY_SHIPPED if self.shipped else LineStatus.ALLOCATED
        return LineStatus.SHIPPED if self.shipped else LineStatus.CANCELLED


def with_count(counts: dict[str, int], key: str, delta: int) -> dict[str, int]:
    updated = dict(counts)
    updated[key] = updated.get(key, 0) + delta
    if not updated[key]:
        del updated[key]
    return updated


def queue_left(backordered: int) -> dict[str, Any]:
    """A line with nothing waiting has no queue place or promise any more."""
    if backordered:
        return {}
    return {"position": None, "eta": None, "needs_purchase": False, "offer": None}
