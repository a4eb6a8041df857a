"""When a SKU should be bought, and how much: the replenishment rule of `eta-v1`.

A SKU is projected as its free units plus what is on order less what customers
wait for. Below its reorder point (or below zero) it needs enough to reach the
reorder point plus the safety stock; what was suggested and not yet ordered
counts towards that, and a supplier's minimum order quantity rounds it up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.eta import best_source
from domain.values import Source


@dataclass(frozen=True)
class SupplyPosition:
    """What a SKU has, expects and owes, as the rule sees it."""

    available: int
    inbound: int
    waiting: int
    reorder_point: int
    safety_stock: int
    suggested: int  # suggested before and not yet ordered

    @property
    def projected(self) -> int:
        return self.available + self.inbound - self.waiting

    @property
    def need(self) -> int:
        projected = self.projected
        if projected < self.reorder_point or projected < 0:
            return self.reorder_point + self.safety_stock - projected
        return 0

    def to_buy(self, sources: Sequence[Source]) -> tuple[Source, int] | None:
        """The best source and the units to suggest from it, if more are needed than suggested."""
        source = best_source(sources)
        if source is None or self.need <= self.suggested:
            return None
        return source, max(self.need - self.suggested, source.minimum_order_quantity)

    @property
    def reason(self) -> str:
        return (
            f"projected {self.projected} (on hand free {self.available} + inbound "
            f"{self.inbound} - waiting {self.waiting}) is below reorder point "
            f"{self.reorder_point} + safety stock {self.safety_stock}"
        )

    @property
    def inputs(self) -> dict[str, Any]:
        return {"projected": self.projected, "need": self.need, "already_suggested": self.suggested}
