"""Promises kept by ETA policy version: `antrian demo` on several seeds, eta-v1 against eta-v2.

    python -m bench.promises [--seeds 7,1,2,3,4,5] [--policies eta-v1,eta-v2] [--min-promises 30]

Prints, per seed and policy, the share of first promises kept overall and for each supplier
with at least `--min-promises` first promises judged, then the same pooled over the seeds.
A figure, not a test: the target (issue 16) is 90% +- 3 points overall and +- 5 per supplier.
"""

from __future__ import annotations

import argparse

from infra.bootstrap import build_engine
from infra.settings import Settings
from projections.analytics.promises import PromiseTally, Share, pooled
from simulation import DemoOptions, run_demo


def run(seed: int, policy: str) -> PromiseTally:
    engine = build_engine(Settings(store="memory", default_eta_policy=policy))
    return run_demo(engine, DemoOptions(seed=seed)).promises


def _cell(share: Share) -> str:
    return "n/a" if share.rate is None else f"{share.rate:6.1%} ({share.judged})"


def row(label: str, tally: PromiseTally, minimum: int) -> str:
    suppliers = [
        f"{s} {_cell(tally.first_by_supplier[s])}"
        for s in sorted(tally.first_by_supplier)
        if tally.first_by_supplier[s].judged >= minimum
    ]
    stated = "n/a" if tally.first_confidence is None else f"{tally.first_confidence:.1%}"
    return (
        f"{label:<16} first {_cell(tally.first)} (stated {stated})  latest {_cell(tally.latest)}  | "
        + ", ".join(suppliers)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="7,1,2,3,4,5")
    parser.add_argument("--policies", default="eta-v1,eta-v2")
    parser.add_argument("--min-promises", type=int, default=30)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    for policy in args.policies.split(","):
        tallies = []
        for seed in seeds:
            tally = run(seed, policy)
            tallies.append(tally)
            print(row(f"{policy} seed {seed}", tally, args.min_promises), flush=True)
        print(row(f"{policy} pooled", pooled(tallies), args.min_promises), flush=True)


if __name__ == "__main__":
    main()
