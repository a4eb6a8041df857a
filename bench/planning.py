"""`python -m bench.planning`: a planning run over 10,000 SKUs with two years of daily demand.

The history is made here (seeded), not read from a store: a store holding two years
of 10,000 SKUs' orders would take hours to build, and reading it is the log read
every run pays in proportion to its events, measured by the other benches. What
is timed is the whole run after that: each SKU's daily series, its class,
forecasts (one StatsForecast batch per method), p90 bands, recommendations, the
inputs' fingerprint, and recording the run (a PlanningRun, 21 events) in a
SQLite event store. Target: under 60 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import numpy as np

from bench.report import mark, parse_options, print_table, say, sqlite_bench
from domain.planning_run import PLANNING_POLICY, PlanningRun
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.planning.history import History, Source
from services.planning.methods import RUN_METHODS, library_versions
from services.planning.runs import PlanSettings, plan

TARGET_S = 60.0
KINDS = ("smooth", "seasonal", "intermittent", "lumpy")


def synthetic(skus: int, days: int, seed: int = 16) -> History:
    """A quarter each: smooth, weekly-and-yearly seasonal, intermittent, lumpy; suppliers with delays."""
    rng = np.random.default_rng(seed)
    as_of = date(2026, 12, 31)
    first = as_of - timedelta(days=days - 1)
    calendar = [first + timedelta(n) for n in range(days)]
    t = np.arange(days)
    history = History(as_of=as_of, log_position=0)
    for n in range(skus):
        sku, kind = f"SKU-{n:05}", KINDS[n % len(KINDS)]
        units = _demand(rng, kind, t)
        history.demand[sku] = {calendar[d]: int(units[d]) for d in np.flatnonzero(units)}
        history.skus.add(sku)
        delays = tuple(int(x) for x in rng.integers(-1, 6, size=int(rng.integers(0, 12))))
        history.sources[sku] = Source(f"SUP-{n % 40:02}", int(rng.integers(3, 21)), delays)
    return history


def _demand(rng: np.random.Generator, kind: str, t: np.ndarray) -> np.ndarray:
    level = rng.uniform(2, 40)
    if kind == "smooth":
        return rng.poisson(level, t.size)
    if kind == "seasonal":
        week = 1 + 0.5 * np.sin(2 * np.pi * t / 7)
        year = 1 + 0.6 * np.sin(2 * np.pi * (t + rng.integers(365)) / 365)
        return rng.poisson(level * week * year)
    occurs = rng.random(t.size) < rng.uniform(0.15, 0.45)
    if kind == "intermittent":
        return occurs * rng.integers(1, 4, t.size)
    return occurs * rng.geometric(1 / level, t.size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.planning", description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--quick", action="store_true", help="500 SKUs: a smoke test, not a measurement")
    args = parse_options(parser, argv, keep_help="keep the SQLite store (path printed)", parts="1")
    skus = 500 if args.quick else args.skus
    detail = f": {skus:,} SKUs x {args.days} days, statsforecast {library_versions()['statsforecast']}"
    with sqlite_bench("planning", detail, "antrian-planning-", args.keep) as folder:
        print_table(run(folder, skus, args.days))
    return 0


def run(folder: Path, skus: int, days: int) -> list[tuple[str, str, str, str]]:
    made = time.perf_counter()
    history = synthetic(skus, days)
    say(f"history made in {time.perf_counter() - made:.1f} s (not timed)")
    settings = PlanSettings()
    started = time.perf_counter()
    fingerprint = history.fingerprint()
    fingerprinted = time.perf_counter()
    plans = plan(history, settings)
    planned = time.perf_counter()
    engine = build_engine(Settings(store="sqlite", sqlite_path=folder / "plan.sqlite"))
    run = PlanningRun.record(
        uuid4(), plans, as_of=history.as_of, horizon_days=settings.horizon_days,
        review_days=settings.review_days, service_levels=settings.service_levels, log_position=0,
        inputs_fingerprint=fingerprint, methods=dict(RUN_METHODS),
        versions={"policy": PLANNING_POLICY, **library_versions()},
    )  # fmt: skip
    events = len(run.pending_events)
    engine.save(run)
    engine.close()
    ended = time.perf_counter()
    total = ended - started
    classes = Counter(p.demand_class for p in plans)
    methods = Counter(p.method for p in plans)
    say(f"classes: {dict(sorted(classes.items()))}; methods: {dict(sorted(methods.items()))}")
    return [
        (
            f"planning run, {skus:,} SKUs x {days} days",
            f"{total:,.1f} s",
            f"< {TARGET_S:.0f} s",
            mark(total < TARGET_S),
        ),
        ("  SKUs per second", f"{skus / total:,.0f} SKUs/s", "", ""),
        ("  inputs fingerprint", f"{fingerprinted - started:,.1f} s", "", ""),
        ("  series, classes, forecasts, recommendations", f"{planned - fingerprinted:,.1f} s", "", ""),
        (f"  recording the run ({events} events, SQLite)", f"{ended - planned:,.1f} s", "", ""),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
