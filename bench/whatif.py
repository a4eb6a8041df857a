"""What-ifs: how much each known hotspot costs, by switching it off in-process.

    .venv/bin/python -m bench.whatif                 # every variant, best of 3
    .venv/bin/python -m bench.whatif base noff sync  # chosen variants

Each variant runs the part-1 mixed workload (3,000 two-line orders, SQLite,
end to end from dicts) in a fresh subprocess, with one cost removed by
monkeypatching the library or the engine *in that process only*. Nothing
here is a fix, and some variants drop guarantees (see each one): they size
the prize of a fix, so that the right one gets made in the engine.

Variants (combine with "+", e.g. noff+noprecheck):
  base        the engine as it is
  noff        AGGREGATE_CACHE_FASTFORWARD=n: no SELECT per cached Stock per line
              (safe for a single writer only, unless conflicts are retried)
  noprecheck  skip the inbox and "order already placed" look-ups (4 SELECTs per
              message); the unique constraint still refuses duplicates
  sync        PRAGMA synchronous=NORMAL (WAL): no fsync per commit; a power cut
              may lose the last commits (the inbox makes redelivery safe)
  nocheck     skip eventsourcing's runtime Protocol isinstance checks in
              save()/project_aggregate (slow on Python 3.11)
  snap        no Stock snapshots
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = (
    "base",
    "noff",
    "noprecheck",
    "sync",
    "nocheck",
    "snap",
    "noff+noprecheck+nocheck+snap",
    "noff+noprecheck+nocheck+snap+sync",
)


def _apply(variant: str, env: dict[str, str]) -> None:
    parts = set(variant.split("+"))
    from services.engine import Engine

    if "sync" in parts:
        import eventsourcing.sqlite as es

        original = es.SQLiteConnectionPool._create_connection

        def create_connection(self):
            connection = original(self)
            connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
            return connection

        es.SQLiteConnectionPool._create_connection = create_connection  # type: ignore[method-assign]
    if "snap" in parts:
        Engine.snapshotting_intervals = {k: 10**9 for k in Engine.snapshotting_intervals}
    if "noff" in parts:
        env["AGGREGATE_CACHE_FASTFORWARD"] = "n"
    if "noprecheck" in parts:
        from services.inbox_check import BatchInbox
        from services.session import Session

        BatchInbox.known = lambda self, message, retry=False: None  # type: ignore[method-assign]
        Session.has_order = lambda self, order_id: False  # type: ignore[method-assign]
    if "nocheck" in parts:
        import eventsourcing.application as ea

        def project_aggregate(aggregate, domain_events):
            for domain_event in domain_events:
                aggregate = domain_event.mutate(aggregate)
            return aggregate

        def collect_events(self, *objs, **kwargs):
            for obj in objs:
                if obj is None:
                    continue
                if hasattr(obj, "collect_events"):
                    self.events.extend(obj.collect_events())
                    self.aggregates[obj.id] = obj
                else:
                    self.events.append(obj)
            self.saved_kwargs.update(kwargs)

        ea.project_aggregate = project_aggregate
        get_defaults = ea.Repository.get.__kwdefaults__
        assert get_defaults is not None  # projector_func is one of get()'s keyword-only arguments
        get_defaults["projector_func"] = project_aggregate
        ea.ProcessingEvent.collect_events = collect_events  # type: ignore[method-assign]


def run_one(variant: str, orders: int) -> float:
    from bench.workload import Clock, MixedCatalogue
    from infra.bootstrap import engine_env
    from infra.settings import Settings

    with tempfile.TemporaryDirectory(prefix="antrian-whatif-") as tmp:
        env = engine_env(Settings(store="sqlite", sqlite_path=Path(tmp) / "w.sqlite"))
        _apply(variant, env)
        from services.engine import Engine
        from services.outcomes import Status

        engine = Engine(env)
        catalogue = MixedCatalogue(skus=300)
        clock = Clock(prefix="mix")
        setup = catalogue.build(clock)
        stream = list(catalogue.orders(clock, orders))
        for message in setup:
            engine.handle_raw(message)
        gc.collect()
        start = time.perf_counter()
        bad = sum(engine.handle_raw(m).status is not Status.APPLIED for m in stream)
        seconds = time.perf_counter() - start
        engine.close()
    lines = sum(len(m["lines"]) for m in stream)
    if bad:
        print(f"!! {variant}: {bad} messages not applied", flush=True)
    return lines / seconds


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(f"{run_one(argv[1], int(argv[2])):.0f}", flush=True)
        return 0
    variants = argv or list(VARIANTS)
    repeat, orders = 3, 3_000
    results: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(repeat):
        for variant in variants:  # interleaved, so a noisy neighbour hits every variant alike
            out = subprocess.run(
                [sys.executable, "-m", "bench.whatif", "--child", variant, str(orders)],
                capture_output=True,
                text=True,
                check=False,
            )
            try:
                results[variant].append(float(out.stdout.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                print(f"!! {variant} failed: {out.stderr.strip()[-500:]}", flush=True)
    base = max(results.get("base") or [0]) or None
    print(f"mixed workload, {orders:,} two-line orders, SQLite, best of {repeat} (lines/s):")
    for variant, runs in results.items():
        if not runs:
            continue
        best = max(runs)
        gain = f"{best / base - 1:+.0%} vs base" if base else ""
        print(f"  {variant:38s} {best:7,.0f}  {gain:>12s}   runs: {', '.join(f'{r:,.0f}' for r in runs)}")
    return 0


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
