"""The read bench's store: `antrian demo` scaled up, built once and kept under .cache/bench/http/.

The default demo (seed 7, 42 days, 20 SKUs) with more orders a day, run by the
real commands (`antrian demo`, then `antrian projections run --once` so the
served read models start caught up). A folder per set of parameters; a
`built.json` written last marks it complete, so an interrupted build is built
again and a finished one is reused (`--rebuild` forces a new one). A reused
store whose read models are of an older version than the code's is brought up
to date with `antrian projections rebuild` of those alone, as an operator would.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.http.server import antrian
from bench.report import say

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "bench" / "http"
FULL_ORDERS_PER_DAY = 2_500  # 42 days of it: about 102,000 orders
QUICK_ORDERS_PER_DAY = 150  # about 6,000


@dataclass(frozen=True)
class DemoStore:
    db: Path
    orders: int
    events: int
    build_s: float
    reused: bool

    @property
    def read_db(self) -> Path:
        return self.db.with_suffix(".read.sqlite")


def demo_store(
    orders_per_day: int, seed: int = 7, days: int = 42, skus: int = 20, rebuild: bool = False
) -> DemoStore:
    """The demo store for these parameters: reused when complete, else built (several minutes at full size)."""
    folder = CACHE / f"demo-seed{seed}-days{days}-skus{skus}-opd{orders_per_day}"
    stamp = folder / "built.json"
    if stamp.is_file() and not rebuild:
        facts = orjson.loads(stamp.read_bytes())
        _rebuild_stale(folder / "antrian.sqlite")
        return DemoStore(folder / "antrian.sqlite", facts["orders"], facts["events"], facts["build_s"], True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = folder / "antrian.sqlite"
    say(f"building the demo store in {folder} (once: reruns reuse it) ...")
    started = time.perf_counter()
    options = ["--seed", str(seed), "--days", str(days), "--skus", str(skus)]
    antrian(db, "demo", *options, "--orders-per-day", str(orders_per_day))
    antrian(db, "projections", "run", "--once")
    built = DemoStore(
        db,
        _count(db.with_suffix(".read.sqlite"), "queue_orders"),
        _count(db, "stored_events"),
        time.perf_counter() - started,
        False,
    )
    facts = {"orders": built.orders, "events": built.events, "build_s": round(built.build_s, 1)}
    stamp.write_bytes(orjson.dumps(facts))
    return built


def _rebuild_stale(db: Path) -> None:
    """`antrian projections rebuild` of the read models whose stored version is not the code's."""
    from infra.bootstrap import build_read_store, build_runner
    from infra.settings import Settings

    store = build_read_store(Settings(store="sqlite", sqlite_path=db))
    try:
        runner = build_runner(store)
        states = runner.states()
        stale = [
            p.name for p in runner.projections if p.name in states and states[p.name].version != p.version
        ]
    finally:
        store.close()
    if stale:
        say(f"the cached store's read models {', '.join(stale)} are of an older version: rebuilding them ...")
        started = time.perf_counter()
        antrian(db, "projections", "rebuild", *stale)
        say(f"  rebuilt in {time.perf_counter() - started:.0f} s")


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608 - our names
