"""What a Stock command decided about order lines, for the orders to record.

Not stored: the Stock's own events are the record. The application reads
these to mirror each decision onto the order lines it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.allocation import Fill
from domain.eta import EtaChange, Expiry
from domain.values import DecisionRef


@dataclass(frozen=True)
class Backorder:
    order_id: str
    line_id: str
    quantity: int
    position: int


@dataclass(frozen=True)
class Promise:
    eta: date | None
    needs_purchase: bool
    decision: DecisionRef


@dataclass
class StockEffects:
    sku: str
    allocated: list[tuple[Fill, DecisionRef]] = field(default_factory=list)
    backordered: list[tuple[Backorder, DecisionRef]] = field(default_factory=list)
    filled: list[tuple[Fill, DecisionRef]] = field(default_factory=list)
    revoked: list[tuple[Fill, DecisionRef]] = field(default_factory=list)
    etas: list[tuple[EtaChange, DecisionRef]] = field(default_factory=list)
    expired: list[tuple[Expiry, DecisionRef]] = field(default_factory=list)

    def promise_for(self, order_id: str, line_id: str) -> Promise | None:
        """The ETA just computed for a line, even if it then expired."""
        for change, ref in self.etas:
            if (change.order_id, change.line_id) == (order_id, line_id):
                return Promise(change.new, change.needs_purchase, ref)
        for expiry, ref in self.expired:
            if (expiry.order_id, expiry.line_id) == (order_id, line_id):
                return Promise(expiry.eta, False, ref)
        return None

    def extend(self, other: StockEffects) -> None:
        for name in ("allocated", "backordered", "filled", "revoked", "etas", "expired"):
            getattr(self, name).extend(getattr(other, name))
