"""What to do about a warehouse projected over its capacity (domain/capacity.py projects).

For each warehouse with a capacity, the weeks whose peak day exceeds it (in units, in
volume, or both), by how much, and the purchase orders arriving there that week or
earlier (the ones that cause it). Then the suggestions, each checked by projecting again:

* `rent`: space for the excess, week by week ("rent space for 200 units in 2027-W10");
* `move`: the smallest delay, in whole weeks, of one causing PO that keeps every warehouse
  within capacity every week (the moved PO must still arrive within the horizon, where it
  can be checked);
* `receive_elsewhere`: one causing PO received at another warehouse with a capacity, when
  that keeps every warehouse within capacity every week.

`split` spreads a quantity that would overflow over weeks (the replenishment worklist).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from domain.capacity import (
    Arrival,
    Capacity,
    CapacityInputs,
    Load,
    SkuInput,
    add_sku,
    arrivals_by_sku,
    iso_week,
    moved,
    project,
    sku_levels,
)

UNITS, VOLUME = "units", "volume"


@dataclass(frozen=True)
class Week:
    week: str  # ISO week, e.g. 2027-W10
    first_day: date
    last_day: date
    peak_units: float
    peak_volume: float


@dataclass(frozen=True)
class Overflow:
    week: str
    measure: str  # units or volume
    peak: float
    capacity: float
    over: float  # peak - capacity, rounded up (whole units; volume to 3 decimals)
    causes: tuple[Arrival, ...]  # PO lines arriving in the warehouse that week or earlier


@dataclass(frozen=True)
class Suggestion:
    kind: str  # rent, move, receive_elsewhere
    text: str
    week: str | None = None
    measure: str | None = None
    amount: float | None = None
    po_id: str | None = None
    supplier_id: str | None = None
    weeks_later: int | None = None
    warehouse: str | None = None


@dataclass(frozen=True)
class Outlook:
    warehouse: str
    capacity_units: int | None
    capacity_volume: Decimal | None
    weeks: tuple[Week, ...]
    overflows: tuple[Overflow, ...]
    suggestions: tuple[Suggestion, ...]
    unknown_volume: tuple[str, ...]  # SKUs held here whose unit volume is not known


def weeks_of(load: Load, inputs: CapacityInputs) -> list[Week]:
    spans: dict[str, list[int]] = {}
    for i in range(inputs.days):
        spans.setdefault(iso_week(inputs.day(i + 1)), []).append(i)
    return [
        Week(
            week,
            inputs.day(days[0] + 1),
            inputs.day(days[-1] + 1),
            max(load.units[i] for i in days),
            max(load.volume[i] for i in days),
        )
        for week, days in spans.items()
    ]


def overflows_of(warehouse: str, load: Load, capacity: Capacity, inputs: CapacityInputs) -> list[Overflow]:
    found = []
    for week in weeks_of(load, inputs):
        for measure, peak, limit in _limits(week, capacity):
            if peak > limit + _TOLERANCE:
                causes = tuple(
                    sorted(
                        (a for a in inputs.arrivals if a.warehouse == warehouse and _by(a, week, inputs)),
                        key=lambda a: (a.arrives, a.po_id, a.sku),
                    )
                )
                found.append(
                    Overflow(week.week, measure, peak, limit, _excess(measure, peak - limit), causes)
                )
    return found


_TOLERANCE = 1e-9  # forecasts are floats: a sum a hair over is not over


def _by(arrival: Arrival, week: Week, inputs: CapacityInputs) -> bool:
    """Arriving within the horizon, in that week or earlier."""
    index = inputs.day_index(arrival.arrives)
    return index <= inputs.days and inputs.day(index) <= week.last_day


def _limits(week: Week, capacity: Capacity) -> list[tuple[str, float, float]]:
    limits = []
    if capacity.units is not None:
        limits.append((UNITS, week.peak_units, float(capacity.units)))
    if capacity.volume is not None:
        limits.append((VOLUME, week.peak_volume, float(capacity.volume)))
    return limits


def _excess(measure: str, over: float) -> float:
    if measure == UNITS:
        return float(math.ceil(over - _TOLERANCE))
    return math.ceil(over * 1000 - _TOLERANCE) / 1000


def fits(inputs: CapacityInputs, loads: dict[str, Load] | None = None) -> bool:
    """Every warehouse with a capacity within it on every day."""
    loads = project(inputs) if loads is None else loads
    return not any(overflows_of(c.warehouse, loads[c.warehouse], c, inputs) for c in inputs.capacities)


def outlook(inputs: CapacityInputs) -> list[Outlook]:
    """Per warehouse (by name): its weeks, the weeks over capacity and the suggestions."""
    loads = project(inputs)
    capacities = {c.warehouse: c for c in inputs.capacities}
    result = []
    for warehouse in sorted(loads):
        capacity = capacities.get(warehouse, Capacity(warehouse))
        over = overflows_of(warehouse, loads[warehouse], capacity, inputs)
        suggestions = _suggestions(inputs, warehouse, over) if over else []
        result.append(
            Outlook(
                warehouse,
                capacity.units,
                capacity.volume,
                tuple(weeks_of(loads[warehouse], inputs)),
                tuple(over),
                tuple(suggestions),
                tuple(sorted(loads[warehouse].unknown_volume)),
            )
        )
    return result


def _suggestions(inputs: CapacityInputs, warehouse: str, over: list[Overflow]) -> list[Suggestion]:
    found = [
        Suggestion(
            "rent",
            f"rent space for {_amount(o.measure, o.over)} in {o.week}",
            week=o.week,
            measure=o.measure,
            amount=o.over,
            warehouse=warehouse,
        )
        for o in over
    ]
    first = min(over, key=lambda o: o.week)
    pos = list(dict.fromkeys((a.supplier_id, a.po_id) for a in first.causes))
    trial = Trial(inputs)
    for po in pos:
        weeks = smallest_delay(inputs, po, trial)
        if weeks is not None:
            found.append(
                Suggestion(
                    "move",
                    f"move {po[1]} {_weeks(weeks)} later",
                    po_id=po[1],
                    supplier_id=po[0],
                    weeks_later=weeks,
                    warehouse=warehouse,
                )
            )
    for po in pos:
        for other in sorted(c.warehouse for c in inputs.capacities if c.warehouse != warehouse):
            if trial.fits_moved(po, to=other):
                found.append(
                    Suggestion(
                        "receive_elsewhere",
                        f"receive {po[1]} at {other}",
                        po_id=po[1],
                        supplier_id=po[0],
                        warehouse=other,
                    )
                )
    return found


class Trial:
    """Whether the warehouses fit with one PO moved, projecting again only the SKUs it carries.

    A PO's lines change only their own SKUs' levels, so the other SKUs' loads are projected
    once per set of SKUs (as `split` does) and each candidate adds the moved SKUs to a copy.
    """

    def __init__(self, inputs: CapacityInputs) -> None:
        self.inputs = inputs
        self._others: dict[frozenset[str], dict[str, Load]] = {}

    def fits_moved(self, po: tuple[str, str], days: int = 0, to: str | None = None) -> bool:
        changed = moved(self.inputs, po, days=days, to=to)
        carried = frozenset(a.sku for a in self.inputs.arrivals if (a.supplier_id, a.po_id) == po)
        loads = _copied(self._loads_without(carried))
        by_sku = arrivals_by_sku(changed.arrivals)
        for sku in self.inputs.skus:
            if sku.sku in carried:
                add_sku(loads, sku, sku_levels(sku, by_sku.get(sku.sku, ()), changed), self.inputs.days)
        return fits(changed, loads)

    def _loads_without(self, skus: frozenset[str]) -> dict[str, Load]:
        if skus not in self._others:
            rest = [s for s in self.inputs.skus if s.sku not in skus]
            self._others[skus] = project(replace(self.inputs, skus=rest))
        return self._others[skus]


def _limits_by_day(inputs: CapacityInputs, base: dict[str, Load]) -> dict[str, Load]:
    """Per warehouse with a capacity and day, the most it may hold with a suggestion added: its
    capacity, or what it is projected to hold without the suggestion where that is more (inf: no limit)."""
    limits = {}
    for c in inputs.capacities:
        load = base.get(c.warehouse) or Load([0.0] * inputs.days, [0.0] * inputs.days)
        units = [math.inf if c.units is None else max(float(c.units), u) for u in load.units]
        volume = [math.inf if c.volume is None else max(float(c.volume), v) for v in load.volume]
        limits[c.warehouse] = Load(units, volume)
    return limits


def _under(load: Load | None, limit: Load) -> bool:
    if load is None:
        return True
    return all(u <= most + _TOLERANCE for u, most in zip(load.units, limit.units, strict=True)) and all(
        v <= most + _TOLERANCE for v, most in zip(load.volume, limit.volume, strict=True)
    )


def _copied(loads: dict[str, Load]) -> dict[str, Load]:
    return {w: Load(list(x.units), list(x.volume), set(x.unknown_volume)) for w, x in loads.items()}


def smallest_delay(inputs: CapacityInputs, po: tuple[str, str], trial: Trial | None = None) -> int | None:
    """The fewest whole weeks one PO can come later so every warehouse fits every week, if any.

    Only delays that keep all of its lines arriving within the horizon count.
    """
    lines = [a for a in inputs.arrivals if (a.supplier_id, a.po_id) == po]
    if not lines:
        return None
    trial = trial or Trial(inputs)
    last = max(inputs.day_index(a.arrives) for a in lines)
    weeks = 1
    while last + 7 * weeks <= inputs.days:
        if trial.fits_moved(po, days=_delay_days(inputs, lines, weeks)):
            return weeks
        weeks += 1
    return None


def _delay_days(inputs: CapacityInputs, lines: Sequence[Arrival], weeks: int) -> int:
    """A late PO (arriving "day 1" though dated earlier) moves from day 1, not from its old date."""
    earliest = min(a.arrives for a in lines)
    return 7 * weeks + max(0, (inputs.day(1) - earliest).days)


def _amount(measure: str, amount: float) -> str:
    if measure == UNITS:
        return f"{int(amount):,} units"
    return f"{amount:,.3f} volume"


def _weeks(weeks: int) -> str:
    return "1 week" if weeks == 1 else f"{weeks} weeks"


def split(
    inputs: CapacityInputs, sku: str, quantity: int, arrives: date, warehouse: str
) -> list[tuple[date, int]]:
    """A quantity of one SKU arriving at `warehouse`, spread over weeks so it fits: the most that
    fits on the first date, the most of the rest a week later, and so on; what fits nowhere within
    the horizon is the last part. One part: it fits as it is (or nothing fits before the horizon).

    To fit is to add no unit (or volume) over capacity on any day: a warehouse already projected
    over it on some days (POs already on order) takes nothing more on those days, not everything."""
    parts: list[tuple[date, int]] = []
    left, when, extra = quantity, arrives, list[Arrival]()
    target = next((s for s in inputs.skus if s.sku == sku), None) or SkuInput(sku, {}, warehouse)
    skus = [s for s in inputs.skus if s.sku != sku]
    others = project(CapacityInputs(inputs.as_of, inputs.days, skus, inputs.arrivals, inputs.capacities))
    own = [a for a in inputs.arrivals if a.sku == sku]
    limits = _limits_by_day(inputs, project(inputs))
    while left > 0:
        if inputs.day_index(when) > inputs.days:
            parts.append((when, left))
            break
        most = _most_that_fits(inputs, others, target, [*own, *extra], left, when, warehouse, limits)
        if most:
            parts.append((when, most))
            extra.append(Arrival("(suggested)", "(suggested)", sku, most, when, warehouse))
            left -= most
        when += timedelta(days=7)
    return parts


def _most_that_fits(
    inputs: CapacityInputs,
    others: dict[str, Load],
    target: SkuInput,
    own: list[Arrival],
    most: int,
    when: date,
    warehouse: str,
    limits: dict[str, Load],
) -> int:
    """Binary search: the load only grows with the quantity arriving."""

    def fits_with(quantity: int) -> bool:
        loads = _copied(others)
        extra = Arrival("(suggested)", "(suggested)", target.sku, quantity, when, warehouse)
        add_sku(loads, target, sku_levels(target, [*own, extra], inputs), inputs.days)
        return all(_under(loads.get(w), limit) for w, limit in limits.items())

    if fits_with(most):
        return most
    low, high = 0, most  # low fits (or is 0), high does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits_with(middle):
            low = middle
        else:
            high = middle
    return low
