"""`python -m bench.engine`: options, the parts in order, the table."""

from __future__ import annotations

import argparse
import platform
from functools import partial
from pathlib import Path

import bench.engine as package
from bench.ceiling import Ceiling
from bench.engine.parts import (
    DepthResult,
    MixedResult,
    PoliciesResult,
    ReplenishResult,
    part_ceiling,
    part_depth,
    part_mixed,
    part_policies,
    part_replenish,
)
from bench.engine.table import table
from bench.report import exit_zero, guarded, parse_options, sqlite_bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engine", description=package.__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument(
        "--orders", type=int, default=None, help="OrderPlaced messages in part 1 (default 3000)"
    )
    parser.add_argument("--skus", type=int, default=300, help="SKUs in part 1")
    parser.add_argument("--repeat", type=int, default=3, help="part 1 headline runs (median reported)")
    parser.add_argument(
        "--deep", type=int, default=None, help="the deep case's waiting lines (default 100000)"
    )
    parser.add_argument("--shallow", type=int, default=1_000, help="the shallow case's waiting lines")
    parser.add_argument("--depth-skus", type=int, default=100)
    parser.add_argument("--window", type=int, default=2_000, help="lines timed in part 3's first window")
    parser.add_argument("--long-window", type=int, default=None, help="lines timed in all (default 8000)")
    parser.add_argument("--priority-lines", type=int, default=400)
    parser.add_argument("--preload-lines-per-order", type=int, default=100)
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    args = parse_options(parser, argv, keep_help="keep the SQLite files (path printed)", parts="12345")
    orders = args.orders or (300 if args.quick else 3_000)
    deep = args.deep or (10_000 if args.quick else 100_000)
    long_window = args.long_window or (4_000 if args.quick else 8_000)

    with sqlite_bench("engine", f", {platform.platform()}", "antrian-bench-", args.keep) as folder:
        mixed: MixedResult | None = None
        ceilings: list[Ceiling] = []
        depth: dict[int, DepthResult] = {}
        replenish: ReplenishResult | None = None
        policies: PoliciesResult | None = None
        if "1" in args.parts:
            mixed = guarded("1", lambda: part_mixed(folder, orders, args.skus, args.repeat))
        if "2" in args.parts:
            ceilings = guarded("2", lambda: part_ceiling(args.ceiling_seconds)) or []
        if "3" in args.parts:
            depth = _depths(folder, args, (args.shallow, deep), long_window)
        if "4" in args.parts:
            replenish = guarded("4", lambda: part_replenish(folder, orders, args.skus, args.repeat))
        if "5" in args.parts:
            policies = guarded("5", lambda: part_policies(folder, orders, args.skus, args.repeat))
        guarded("table", lambda: table(mixed, ceilings, depth, replenish, policies))
    return 0


def _depths(
    folder: Path, args: argparse.Namespace, waitings: tuple[int, int], long_window: int
) -> dict[int, DepthResult]:
    """Part 3 at each queue depth; a depth whose run failed is left out."""
    depth: dict[int, DepthResult] = {}
    for waiting in waitings:
        r = guarded(
            f"3 ({waiting:,} waiting)",
            partial(
                part_depth,
                folder,
                waiting,
                args.depth_skus,
                args.window,
                long_window,
                args.priority_lines,
                args.preload_lines_per_order,
            ),
        )
        if r is not None:
            depth[waiting] = r
    return depth


if __name__ == "__main__":
    exit_zero(main)
