"""One world under one policy, through the real engine (the composition root, a scratch SQLite store)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bench.allocation import outcomes
from bench.allocation.bound import Demand, Receipt, fill_ceiling, lower_bound
from bench.allocation.metrics import TierFigures, by_tier, on_shelf, population
from bench.allocation.policies import Variant
from bench.allocation.world import T0, World
from bench.engine.runs import Store, feed


@dataclass
class Result:
    seed: int
    variant: str
    seconds: float
    statuses: Counter[str]
    tiers: list[TierFigures]
    bound: float
    fill_ceiling: float
    on_shelf: int  # units received that no line holds at the horizon (metrics.on_shelf)
    outcome: outcomes.RunOutcome = field(repr=False)

    @property
    def overall(self) -> TierFigures:
        return self.tiers[-1]


def configure(world: World, variant: Variant, reserve_days: float | None = None) -> list[dict[str, object]]:
    """Every SKU set up for the variant, half a day before the first order.

    `reserve_days`: the days of top-tier demand tier-reserve-v1 keeps back (default: the lead time).
    """
    at = (T0 - timedelta(hours=12)).isoformat().replace("+00:00", "Z")
    return [
        variant.configure(
            f"cfg-{world.seed}-{sku}",
            at,
            sku,
            world.rates[sku]["platinum"],
            world.shape.lead_days if reserve_days is None else reserve_days,
        )
        for sku in world.skus
    ]


def run(
    world: World, variant: Variant, folder: Path, costs: dict[str, float], reserve_days: float | None = None
) -> Result:
    store = Store(folder, f"alloc-{world.seed}-{variant.name}")
    try:
        started = time.perf_counter()
        statuses: Counter[str] = Counter()
        for part in (world.setup, configure(world, variant, reserve_days), world.stream):
            done = feed(store, part)
            statuses.update({status.value: n for status, n in done.statuses.items()})
            if part is not world.stream and done.rejections:
                raise RuntimeError(f"set-up refused: {done.rejections}")
        seconds = time.perf_counter() - started
        outcome = outcomes.read(store.engine, world.skus, world.end)
    finally:
        store.close()
    return figures(world.seed, variant.name, outcome, costs, seconds, statuses)


def figures(
    seed: int,
    name: str,
    outcome: outcomes.RunOutcome,
    costs: dict[str, float],
    seconds: float = 0.0,
    statuses: Counter[str] | None = None,
) -> Result:
    counted = population(outcome.lines)
    demand: dict[str, list[Demand]] = {sku: [] for sku in outcome.supply}
    ordered: Counter[str] = Counter()
    for line in counted:
        demand.setdefault(line.sku, []).append(Demand(line.requested_at, line.quantity, costs[line.tier]))
        ordered[line.sku] += line.quantity
    supply = {sku: [Receipt(at, units) for at, units in got] for sku, got in outcome.supply.items()}
    received = {sku: sum(r.units for r in got) for sku, got in supply.items()}
    return Result(
        seed=seed,
        variant=name,
        seconds=seconds,
        statuses=statuses or Counter(),
        tiers=by_tier(outcome.lines, costs, outcome.end),
        bound=lower_bound(demand, supply, outcome.end),
        fill_ceiling=fill_ceiling(ordered, received),
        on_shelf=on_shelf(outcome.lines, received),
        outcome=outcome,
    )
