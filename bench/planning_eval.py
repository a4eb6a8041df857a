"""Planning off against planning on: `antrian demo --compare-planning` on several seeds.

    python -m bench.planning_eval [--seeds 1 2 3 4 5] [--days 42] [--warm-up-days 0 28]
                                  [--skus 20] [--orders-per-day 40]

Runs each seed twice in memory, without and with planning (a planning run every
simulated week, applied; ANTRIAN_PLAN_* settings as `antrian plan run` reads them),
prints each seed's table and how long it took, then the changes every seed shows.
A figure, not a test: the targets (issue 16) are planning on filling at least 8 points
more lines at order, with mean units on hand no more than 15% higher, and first
promises kept 90% +/- 3 points overall, +/- 5 for each supplier with 30 or more.

After each pass, the first promises of every seed together (kept, and the mean confidence
stated), and per seed how many suppliers calibrated promises would put within 90 +/- 5 on
average: a supplier's lines promised for one date mostly wait for one delivery and are
kept or broken together, so with each date's lines kept whole nine times in ten, a share
of 30 to a few hundred promises on a dozen dates lands within 5 points only now and then.

Each warm-up is a separate pass. With 0 the shop opens on the first day: no planning
run has a history to plan from before the end of the first week, and what it buys
then arrives in the third, so about a third of the lines are placed before planning
can change anything. With 28 the shop has sold for four weeks (in the same mode) and
the figures are of the 42 days after: planning on a shop with a history.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from typing import ClassVar

from infra.bootstrap import build_engine
from infra.cli.demo import demo_plan_settings
from infra.settings import Settings
from projections.analytics.promises import PromiseTally, pooled, within_chance
from simulation import DemoOptions, DemoSummary, run_demo
from simulation.compare import compare_table

SUPPLIER_PROMISES = 30  # a supplier's first promises the target judges it from


def run(options: DemoOptions, settings: Settings) -> DemoSummary:
    engine = build_engine(settings.model_copy(update={"store": "memory"}))
    return run_demo(engine, options, plan_settings=demo_plan_settings(settings) if options.planning else None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--warm-up-days", type=int, nargs="+", default=[0, 28])
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--orders-per-day", type=int, default=40)
    args = parser.parse_args()
    settings = Settings()
    for warm_up in args.warm_up_days:
        changes = []
        tallies: dict[bool, list[PromiseTally]] = {False: [], True: []}
        for seed in args.seeds:
            options = DemoOptions(
                seed=seed,
                days=args.days,
                skus=args.skus,
                orders_per_day=args.orders_per_day,
                warm_up_days=warm_up,
            )
            started = time.perf_counter()
            off = run(options, settings)
            on = run(replace(options, planning=True), settings)
            print(compare_table(off, on))
            print(f"(seed {seed}: both runs in {time.perf_counter() - started:.1f} s)\n", flush=True)
            changes.append(Change.of(seed, off, on))
            tallies[False].append(off.promises)
            tallies[True].append(on.promises)
        print(f"{args.days} days after a warm-up of {warm_up} days")
        print(Change.HEAD)
        for change in changes:
            print(change.row())
        for planning, runs in tallies.items():
            print(pooled_row("on" if planning else "off", pooled(runs)))
        print()


def pooled_row(mode: str, tally: PromiseTally) -> str:
    """The seeds' first promises together: kept against the confidence they were made with.

    One run's share rests on few purchase orders (a slipped PO breaks every line it was to
    serve), so it moves by several points from seed to seed; pooled, the share and the mean
    confidence stated should agree if the promises are calibrated.
    """
    kept = "n/a" if tally.first.rate is None else f"{tally.first.rate:.1%}"
    stated = tally.first_confidence
    confidence = "n/a" if stated is None else f"{stated:.1%}"
    return (
        f"pooled, planning {mode}: first promises kept {kept} ({tally.first.kept:,} of "
        f"{tally.first.judged:,}); mean confidence stated {confidence}"
    )


@dataclass(frozen=True)
class Change:
    """One seed's figures against the targets: fill and stock against planning off, promises kept."""

    seed: int
    fill_points: float
    stock: float
    first_kept: float | None
    suppliers: str  # suppliers with 30 or more first promises within 5 points of 90%, of those
    # ... as many as calibrated promises would put there on average (each date's lines kept together)
    if_calibrated: float

    HEAD: ClassVar[str] = (
        "seed  fill rate change  mean on hand change  first promises kept  suppliers within 90% +/- 5"
        "  (if calibrated)"
    )

    @classmethod
    def of(cls, seed: int, off: DemoSummary, on: DemoSummary) -> Change:
        stock = (on.mean_on_hand - off.mean_on_hand) / off.mean_on_hand if off.mean_on_hand else 0.0
        judged = [s for s in on.promises.first_by_supplier.values() if s.judged >= SUPPLIER_PROMISES]
        within = sum(1 for s in judged if s.rate is not None and abs(s.rate - 0.9) <= 0.05)
        fill = (on.fill_rate - off.fill_rate) * 100
        dates = on.promises.first_dates
        expected = sum(
            within_chance(dates.get(supplier, {}).values())
            for supplier, share in on.promises.first_by_supplier.items()
            if share.judged >= SUPPLIER_PROMISES
        )
        return cls(seed, fill, stock, on.promises.first.rate, f"{within} of {len(judged)}", expected)

    def row(self) -> str:
        kept = "n/a" if self.first_kept is None else f"{self.first_kept:.1%}"
        return (
            f"{self.seed:>4}  {self.fill_points:>+11.1f} pts  {self.stock:>+18.1%}  {kept:>19}  "
            f"{self.suppliers:>26}  {self.if_calibrated:>15.1f}"
        )


if __name__ == "__main__":
    main()
