"""`python -m bench.allocation`: seeded scarce worlds under every policy, per-tier figures, a lower bound.

    python -m bench.allocation                       # seed 1, every policy the engine knows
    python -m bench.allocation --seeds 1-5 --json    # pooled over five worlds, as JSON
    python -m bench.allocation --costs platinum=10,gold=4,standard=1

Definitions: bench/allocation/metrics.py (figures), bench/allocation/bound.py (the bound and
why it holds), bench/allocation/policies.py (each policy's settings), bench/allocation/world.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import redirect_stdout
from functools import partial

from bench.allocation import report
from bench.allocation.metrics import DEFAULT_COSTS
from bench.allocation.policies import BASELINE, VARIANTS, missing, order_v3_known
from bench.allocation.runner import Result, run
from bench.allocation.world import Shape, build
from bench.report import exit_zero, guarded, say, sqlite_bench


def main(argv: list[str] | None = None) -> int:
    args = _options(argv)
    shape = Shape(skus=args.skus, days=args.days, order_v3=order_v3_known())
    results: list[Result] = []
    skipped: dict[str, str] = {}
    with (
        redirect_stdout(sys.stderr if args.json else sys.stdout),
        sqlite_bench(
            "allocation", f", seeds {args.seeds[0]}-{args.seeds[-1]}", "antrian-alloc-", args.keep
        ) as folder,
    ):
        for variant in VARIANTS:
            why = missing(variant) or _not_chosen(variant.name, args.policies)
            if why is not None:
                skipped[variant.name] = why
                say(f"SKIPPED {variant.name}: {why}")
        for seed in args.seeds:
            world = build(seed, shape)
            say(report.world_line(world))
            for variant in VARIANTS:
                if variant.name not in skipped:
                    done = guarded(
                        f"{variant.name} (seed {seed})",
                        partial(run, world, variant, folder, args.costs, args.reserve_days),
                    )
                    if done is None:  # refused set-up or a crash: said above, the others go on
                        skipped.setdefault(variant.name, "failed: see its traceback")
                        continue
                    results.append(done)
                    if not args.json:
                        report.say_result(done)
        pooled = report.pool([r for r in results if r.variant not in skipped])  # all seeds or none
        if not args.json:
            report.summary(pooled, skipped, len(args.seeds))
    if args.json:
        print(json.dumps(report.as_json(pooled, skipped, args), indent=2))
    return 0


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.allocation", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=None, help="one world (default 1)")
    parser.add_argument("--seeds", type=_seeds, default=None, help="several worlds, pooled: 1-5 or 1,3,7")
    parser.add_argument(
        "--costs", type=_costs, default=dict(DEFAULT_COSTS), help="per unit-day waiting, by tier"
    )
    parser.add_argument(
        "--reserve-days",
        type=float,
        default=None,
        help="top-tier demand kept back, in days (default: lead time)",
    )
    parser.add_argument(
        "--policies",
        type=lambda text: text.split(","),
        default=None,
        help=f"only these (comma-separated; {BASELINE} always runs): {', '.join(v.name for v in VARIANTS)}",
    )
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--days", type=int, default=Shape.days, help=f"the horizon (default {Shape.days})")
    parser.add_argument(
        "--json", action="store_true", help="the pooled figures as JSON (progress still printed)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files (path printed)")
    args = parser.parse_args(argv)
    if args.seed is not None and args.seeds is not None:
        parser.error("give --seed or --seeds, not both")
    args.seeds = args.seeds or [args.seed if args.seed is not None else 1]
    return args


def _not_chosen(name: str, chosen: list[str] | None) -> str | None:
    """Why a policy is left out by --policies (the baseline never is: the target compares with it)."""
    if chosen is None or name in chosen or name == BASELINE:
        return None
    return "not in --policies"


def _seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(x) for x in text.split("-", 1))
        return list(range(first, last + 1))
    return [int(x) for x in text.split(",")]


def _costs(text: str) -> dict[str, float]:
    costs = dict(DEFAULT_COSTS)
    for part in text.split(","):
        tier, _, value = part.partition("=")
        if tier.strip() not in costs:
            raise argparse.ArgumentTypeError(f"unknown tier {tier!r}: {', '.join(costs)}")
        costs[tier.strip()] = float(value)
    return costs


if __name__ == "__main__":
    exit_zero(main)
