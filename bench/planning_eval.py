"""Planning off against planning on: `antrian demo --compare-planning` on several seeds.

    python -m bench.planning_eval [--seeds 1 2 3 4 5] [--days 42] [--skus 20] [--orders-per-day 40]

Runs each seed twice in memory, without and with planning (a planning run every
simulated week, applied; ANTRIAN_PLAN_* settings as `antrian plan run` reads them),
prints each seed's table and how long it took, then the changes every seed shows.
A figure, not a test: the target (issue 16) is planning on filling at least 8 points
more lines at order, with mean units on hand no more than 15% higher.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from infra.bootstrap import build_engine
from infra.cli.demo import demo_plan_settings
from infra.settings import Settings
from simulation import DemoOptions, DemoSummary, run_demo
from simulation.compare import compare_table


def run(options: DemoOptions, settings: Settings) -> DemoSummary:
    engine = build_engine(settings.model_copy(update={"store": "memory"}))
    return run_demo(engine, options, plan_settings=demo_plan_settings(settings) if options.planning else None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--orders-per-day", type=int, default=40)
    args = parser.parse_args()
    settings = Settings()
    changes = []
    for seed in args.seeds:
        options = DemoOptions(seed=seed, days=args.days, skus=args.skus, orders_per_day=args.orders_per_day)
        started = time.perf_counter()
        off = run(options, settings)
        on = run(replace(options, planning=True), settings)
        print(compare_table(off, on))
        print(f"(seed {seed}: both runs in {time.perf_counter() - started:.1f} s)\n", flush=True)
        stock = (on.mean_on_hand - off.mean_on_hand) / off.mean_on_hand if off.mean_on_hand else 0.0
        changes.append((seed, (on.fill_rate - off.fill_rate) * 100, stock))
    print("seed  fill rate change  mean on hand change")
    for seed, fill, stock in changes:
        print(f"{seed:>4}  {fill:>+11.1f} pts  {stock:>+18.1%}")


if __name__ == "__main__":
    main()
