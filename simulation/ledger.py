"""Stock held and money spent, read back from the demo's stored events.

Units on hand per warehouse and day follow `Stock.Received`, `Stock.Shipped` and
`Stock.Adjusted`; a warehouse's capacity follows `Warehouse.Configured`; purchase
spend is each `Supplier.PurchaseOrderPlaced` line's quantity times the unit cost of
the supplier's terms in force when it was placed (`Supplier.Registered`,
`Supplier.TermsUpdated`). An event is placed on the day of its own time, or of the
latest time seen before it in the log (a cycle count records none): the demo's
log is in message-time order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

READ = {
    "Stock.Received",
    "Stock.Shipped",
    "Stock.Adjusted",
    "Warehouse.Registered",
    "Warehouse.Configured",
    "Supplier.Registered",
    "Supplier.TermsUpdated",
    "Supplier.PurchaseOrderPlaced",
}


@dataclass
class Ledger:
    changes: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    capacity: dict[str, list[tuple[date, int | None]]] = field(default_factory=lambda: defaultdict(list))
    # By the day placed (date.min: before any event with a time)
    spent: dict[date, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    _costs: dict[Any, dict[str, Decimal]] = field(
        default_factory=dict
    )  # supplier aggregate id -> SKU -> cost
    _warehouses: dict[Any, str] = field(default_factory=dict)  # warehouse aggregate id -> name
    _clock: datetime | None = None

    def see(self, when: datetime | None) -> None:
        """A time from an event the caller read (a decision's): later events are placed no earlier."""
        if when is not None and (self._clock is None or when > self._clock):
            self._clock = when

    def add(self, name: str, event: Any) -> None:
        self.see(getattr(event, "at", None))
        if name == "Stock.Received":
            self._change(event.warehouse, event.quantity)
        elif name == "Stock.Shipped":
            self._change(event.warehouse, -event.quantity)
        elif name == "Stock.Adjusted":
            self._change(event.warehouse, event.counted - event.previous)
        elif name == "Warehouse.Registered":
            self._warehouses[event.originator_id] = event.warehouse
        elif name == "Warehouse.Configured" and self._clock is not None:
            self.capacity[self._warehouses[event.originator_id]].append(
                (self._clock.date(), event.capacity_units)
            )
        elif name in ("Supplier.Registered", "Supplier.TermsUpdated"):
            self._costs[event.originator_id] = {t.sku: t.unit_cost for t in event.terms}
        elif name == "Supplier.PurchaseOrderPlaced":
            costs = self._costs.get(event.originator_id, {})
            cost = sum((costs.get(sku, Decimal(0)) * units for sku, units in event.lines.items()), Decimal(0))
            self.spent[self._clock.date() if self._clock is not None else date.min] += cost

    def _change(self, warehouse: str, units: int) -> None:
        if self._clock is not None:
            self.changes[warehouse][self._clock.date()] += units

    def on_hand_by_day(self, warehouse: str, start: date, days: int) -> list[int]:
        """Units on hand at the end of each day of the run."""
        changes = self.changes.get(warehouse, {})
        held = sum(units for day, units in changes.items() if day < start)
        out = []
        for index in range(days):
            held += changes.get(start + timedelta(days=index), 0)
            out.append(held)
        return out

    def mean_on_hand(self, start: date, days: int) -> float:
        """Mean over the run's days of the units on hand at the end of the day, all warehouses."""
        by_day = [self.on_hand_by_day(w, start, days) for w in self.changes]
        return sum(map(sum, by_day)) / days if days else 0.0

    @property
    def spend(self) -> Decimal:
        return self.spend_from(date.min)

    def spend_from(self, first: date) -> Decimal:
        """Spent on purchase orders placed on or after `first`."""
        return sum((cost for day, cost in self.spent.items() if day >= first), Decimal(0))

    def capacity_units(self) -> int | None:
        """The warehouses' capacity in units, as last configured (None: none configured)."""
        limits = [configured[-1][1] for configured in self.capacity.values() if configured[-1][1] is not None]
        return sum(limits) if limits else None

    def units_over_capacity(self, start: date, days: int) -> int:
        """Sum over the run's days of the units on hand above each warehouse's capacity (in units)."""
        over = 0
        for warehouse, configured in self.capacity.items():
            held = self.on_hand_by_day(warehouse, start, days)
            for index, units in enumerate(held):
                limit = _in_force(configured, start + timedelta(days=index))
                if limit is not None:
                    over += max(0, units - limit)
        return over


def _in_force(configured: list[tuple[date, int | None]], day: date) -> int | None:
    limit = None
    for since, units in configured:
        if since <= day:
            limit = units
    return limit
