"""What makes the demo's world uneven: seasonal demand, supplier capacity, supplier disruptions.

Drawn from a random stream of their own (seeded from the demo's seed), after the
rest of the world: the SKUs, suppliers and customers of a seed stay the ones they
were before these existed, and only what these add changes a run.

* A **season**: a few SKUs sell 2 to 4 times their usual demand for one or two
  calendar months a year (the same months every year).
* **Capacity**: some primary suppliers ship at most so many units of a SKU a week;
  a purchase order above that arrives in weekly parts.
* A **disruption**: now and then a supplier delivers nothing for 2 to 6 weeks;
  what it should have delivered meanwhile comes when it is over.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

SEASONAL_SHARE = 5  # one SKU in five has a season
CAPACITY_SHARE = 4  # one SKU in four has a primary supplier with a weekly capacity
DISRUPTION_EVERY_DAYS = 365  # mean days between disruptions of one supplier: about one a year
DISRUPTION_WEEKS = (2, 6)
CALM_DAYS = 7  # no disruption starts in the shop's first week


@dataclass(frozen=True)
class Season:
    sku: str
    months: tuple[int, ...]  # calendar months of the peak, 1 = January
    factor: float  # demand multiplier in those months

    def factor_on(self, day: date) -> float:
        return self.factor if day.month in self.months else 1.0


@dataclass(frozen=True)
class Disruption:
    supplier_id: str
    start: date
    end: date  # the first day it delivers again

    def covers(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class Variability:
    seasons: tuple[Season, ...] = ()
    capacities: tuple[tuple[str, str, int], ...] = ()  # (supplier id, SKU, units a week)
    disruptions: tuple[Disruption, ...] = ()

    def demand_factor(self, sku: str, day: date) -> float:
        return next((s.factor_on(day) for s in self.seasons if s.sku == sku), 1.0)

    def capacity(self, supplier_id: str, sku: str) -> int | None:
        return next((units for sid, s, units in self.capacities if (sid, s) == (supplier_id, sku)), None)

    def disruption(self, supplier_id: str, day: date) -> Disruption | None:
        return next((d for d in self.disruptions if d.supplier_id == supplier_id and d.covers(day)), None)

    def resumes(self, supplier_id: str, day: date) -> date:
        """`day`, or the day the supplier delivers again if it is disrupted then."""
        found = self.disruption(supplier_id, day)
        return day if found is None else found.end


@dataclass(frozen=True)
class Limits:
    """The SKU facts the draws need (kept apart so world.py and this module do not import each other)."""

    sku: str
    daily_units: float
    pack: int
    primary_supplier: str


def draw(seed: int, start: date, days: int, skus: Sequence[Limits], suppliers: Sequence[str]) -> Variability:
    rng = random.Random(f"antrian-demo-variability-{seed}")
    return Variability(
        seasons=_seasons(rng, skus),
        capacities=_capacities(rng, skus),
        disruptions=_disruptions(seed, start, days, suppliers),
    )


def _seasons(rng: random.Random, skus: Sequence[Limits]) -> tuple[Season, ...]:
    chosen = sorted(rng.sample(range(len(skus)), k=max(1, len(skus) // SEASONAL_SHARE)))
    seasons = []
    for index in chosen:
        first = rng.randint(1, 12)
        months = (first,) if rng.random() < 0.5 else (first, first % 12 + 1)
        seasons.append(Season(skus[index].sku, months, round(rng.uniform(2.0, 4.0), 2)))
    return tuple(seasons)


def _capacities(rng: random.Random, skus: Sequence[Limits]) -> tuple[tuple[str, str, int], ...]:
    chosen = sorted(rng.sample(range(len(skus)), k=max(1, len(skus) // CAPACITY_SHARE)))
    out = []
    for index in chosen:
        plan = skus[index]
        weekly = math.ceil(plan.daily_units * 7 * rng.uniform(1.0, 1.5) / plan.pack) * plan.pack
        out.append((plan.primary_supplier, plan.sku, max(plan.pack, weekly)))
    return tuple(out)


def _disruptions(seed: int, start: date, days: int, suppliers: Sequence[str]) -> tuple[Disruption, ...]:
    """Each supplier's from a stream of its own: a shorter run sees the first ones of a longer run."""
    out = []
    for supplier_id in suppliers:
        rng = random.Random(f"antrian-demo-disruptions-{seed}-{supplier_id}")
        offset = CALM_DAYS + rng.expovariate(1 / DISRUPTION_EVERY_DAYS)
        while offset < days:
            begins = start + timedelta(days=int(offset))
            weeks = rng.randint(*DISRUPTION_WEEKS)
            out.append(Disruption(supplier_id, begins, begins + timedelta(weeks=weeks)))
            offset += 7 * weeks + rng.expovariate(1 / DISRUPTION_EVERY_DAYS)
    return tuple(sorted(out, key=lambda d: (d.start, d.supplier_id)))
