"""Warehouse capacity: each warehouse's stock projected day by day, in units and volume.

Pure arithmetic over plain values, so every rule has a worked example in its tests
(tests/unit/test_capacity.py); services/capacity.py gathers the inputs from the store.

Per SKU, each day from the day after the as-of date:

* it starts from its units on hand per warehouse; units allocated to orders leave on
  day 1 (they are ready to ship), taken from its home warehouse first;
* open purchase-order lines arrive on their expected date plus the supplier's observed
  lateness (as promises use; never before day 1), into the warehouse each line names
  (its SKU's home warehouse: see `home_warehouse`);
* the units waiting in its queue, and the day's forecast demand, are served from what
  there is (home warehouse first, then the others by name); what cannot be served waits
  for the next arrival. So a SKU's stock never goes negative, and arrivals that waiting
  lines take ship on arrival, never filling the warehouse.

A warehouse's load is the sum over SKUs, in units, and in volume for SKUs whose unit
volume is known (the others are named as unknown, never counted as zero). A week's
peak is its highest day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from domain.values import DEFAULT_WAREHOUSE


@dataclass(frozen=True)
class Arrival:
    """One open purchase-order line: what arrives where, and when (expected date + lateness)."""

    po_id: str
    supplier_id: str
    sku: str
    quantity: int
    arrives: date
    warehouse: str


@dataclass(frozen=True)
class SkuInput:
    sku: str
    on_hand: Mapping[str, int]  # per warehouse
    home: str  # where its purchase orders arrive and its demand is served first
    allocated: int = 0
    waiting: int = 0
    unit_volume: Decimal | None = None
    demand: Sequence[float] = ()  # forecast units per day, from day 1; none after its end


@dataclass(frozen=True)
class Capacity:
    warehouse: str
    units: int | None = None
    volume: Decimal | None = None


@dataclass(frozen=True)
class CapacityInputs:
    as_of: date
    days: int
    skus: Sequence[SkuInput]
    arrivals: Sequence[Arrival] = ()
    capacities: Sequence[Capacity] = ()

    def day(self, index: int) -> date:
        """Day `index` (1 = the day after as-of)."""
        return self.as_of + timedelta(days=index)

    def day_index(self, when: date) -> int:
        """The projection day something dated `when` happens on: never before day 1."""
        return max(1, (when - self.as_of).days)


@dataclass
class Load:
    """A warehouse's projected stock, per day (index 0 = day 1)."""

    units: list[float]
    volume: list[float]
    unknown_volume: set[str] = field(default_factory=set)  # SKUs held there without a unit volume


def home_warehouse(received: Mapping[str, int], on_hand: Mapping[str, int]) -> str:
    """Where a SKU's purchase orders arrive: PurchaseOrderPlaced names no warehouse.

    The warehouse that has received most of its units (ties: the first by name); none
    received yet, the one holding most now; nothing anywhere: `main`.
    """
    for counts in (received, on_hand):
        if any(v > 0 for v in counts.values()):
            return min(counts, key=lambda w: (-counts[w], w))
    return DEFAULT_WAREHOUSE


def sku_levels(sku: SkuInput, arrivals: Iterable[Arrival], inputs: CapacityInputs) -> dict[str, list[float]]:
    """The SKU's units per warehouse on each day 1..days."""
    levels: dict[str, float] = {w: float(q) for w, q in sku.on_hand.items()}
    levels.setdefault(sku.home, 0.0)
    by_day: dict[int, list[Arrival]] = {}
    for arrival in arrivals:
        levels.setdefault(arrival.warehouse, 0.0)
        by_day.setdefault(inputs.day_index(arrival.arrives), []).append(arrival)
    order = [sku.home, *sorted(w for w in levels if w != sku.home)]
    backlog = float(sku.waiting)
    shipping = float(sku.allocated)
    days: dict[str, list[float]] = {w: [] for w in levels}
    for index in range(1, inputs.days + 1):
        for arrival in by_day.get(index, ()):
            levels[arrival.warehouse] += arrival.quantity
        shipping = _take(levels, order, shipping) if index == 1 else 0.0
        demand = sku.demand[index - 1] if index <= len(sku.demand) else 0.0
        backlog = _take(levels, order, backlog + max(0.0, demand))
        for w in levels:
            days[w].append(levels[w])
    return days


def _take(levels: dict[str, float], order: Sequence[str], need: float) -> float:
    """Take `need` units from the warehouses in order; what is left unserved."""
    for w in order:
        taken = min(levels[w], need)
        levels[w] -= taken
        need -= taken
    return need


def project(inputs: CapacityInputs) -> dict[str, Load]:
    """Every warehouse's load: those with stock, arrivals or a capacity."""
    loads: dict[str, Load] = {}
    for capacity in inputs.capacities:
        _load(loads, capacity.warehouse, inputs.days)
    by_sku = arrivals_by_sku(inputs.arrivals)
    for sku in inputs.skus:
        add_sku(loads, sku, sku_levels(sku, by_sku.get(sku.sku, ()), inputs), inputs.days)
    return loads


def arrivals_by_sku(arrivals: Iterable[Arrival]) -> dict[str, list[Arrival]]:
    found: dict[str, list[Arrival]] = {}
    for arrival in arrivals:
        found.setdefault(arrival.sku, []).append(arrival)
    return found


def add_sku(loads: dict[str, Load], sku: SkuInput, levels: Mapping[str, list[float]], days: int) -> None:
    """Add one SKU's levels to the warehouses' loads."""
    volume = None if sku.unit_volume is None else float(sku.unit_volume)
    for w, series in levels.items():
        load = _load(loads, w, days)
        for i, units in enumerate(series):
            load.units[i] += units
            if volume is not None:
                load.volume[i] += units * volume
        if volume is None and any(u > 0 for u in series):
            load.unknown_volume.add(sku.sku)


def _load(loads: dict[str, Load], warehouse: str, days: int) -> Load:
    if warehouse not in loads:
        loads[warehouse] = Load([0.0] * days, [0.0] * days)
    return loads[warehouse]


def moved(
    inputs: CapacityInputs, po: tuple[str, str], days: int = 0, to: str | None = None
) -> CapacityInputs:
    """The same inputs with one purchase order's lines `days` later, or received at warehouse `to`."""
    arrivals = [
        replace(a, arrives=a.arrives + timedelta(days=days), warehouse=to or a.warehouse)
        if (a.supplier_id, a.po_id) == po
        else a
        for a in inputs.arrivals
    ]
    return replace(inputs, arrivals=arrivals)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
