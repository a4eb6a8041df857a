"""The read half: `GET /orders/{id}` and `GET /backorders?sku=` at a steady rate, `/health/live` beside.

What is asked is drawn from the store, seeded: existing order ids across the
whole history (old orders as well as new), one in twenty unknown (a 404, as
real traffic has typos and ids from elsewhere); SKUs uniformly, with one
request in four for the SKU with the most waiting lines (its page is the
biggest). `/health/live` under the same load does no work at all: its figures
are the ceiling of this machine, uvicorn and this client, measured in the
same run, so the other two can be read against it.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.http.figures import LoadRun
from bench.http.pacing import open_loop, schedule
from bench.http.server import Served
from bench.report import say

UNKNOWN_SHARE = 0.05
BUSIEST_SHARE = 0.25
TIMEOUT_S = 60.0  # a request unanswered after this long counts as no answer (status 0)


@dataclass(frozen=True)
class Targets:
    order_ids: list[str]  # as drawn, unknown ones among them
    skus: list[str]
    busiest: str
    busiest_waiting: int


def targets(read_db: Path, count: int, seed: int = 14, busiest_share: float = BUSIEST_SHARE) -> Targets:
    """`count` order ids and `count` SKUs to ask for, drawn from the read store with `seed`; `busiest_share`
    of the SKUs asked are the busiest (0: every SKU alike)."""
    rng = random.Random(seed)
    with sqlite3.connect(read_db) as connection:
        orders = [row[0] for row in connection.execute("SELECT order_id FROM queue_orders ORDER BY order_id")]
        skus = [row[0] for row in connection.execute("SELECT sku FROM queue_skus ORDER BY sku")]
        busiest, waiting = connection.execute(
            "SELECT s.sku, COUNT(*) FROM queue_lines l JOIN queue_skus s USING (stock_key) "
            "WHERE l.waiting > 0 GROUP BY s.sku ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone() or (skus[0], 0)
    ids = [
        f"SO-UNKNOWN-{rng.randrange(10**6):06d}" if rng.random() < UNKNOWN_SHARE else rng.choice(orders)
        for _ in range(count)
    ]
    asked = [busiest if rng.random() < busiest_share else rng.choice(skus) for _ in range(count)]
    return Targets(ids, asked, busiest, waiting)


def paths(found: Targets) -> dict[str, list[str]]:
    """Each measured endpoint's label and the paths its requests ask, in order."""
    return {
        "GET /health/live (ceiling)": ["/health/live"] * len(found.order_ids),
        "GET /orders/{id}": [f"/orders/{quote(i, safe='')}" for i in found.order_ids],
        "GET /backorders?sku=": [f"/backorders?sku={quote(s, safe='')}" for s in found.skus],
    }


def run_reads(server: Served, found: Targets, rate: float, seconds: float) -> list[LoadRun]:
    """Each endpoint in turn under the same open-loop load (a short warm-up first, not counted)."""
    runs = []
    for label, asked in paths(found).items():
        say(f"  {label}: {rate:.0f} requests/s for {seconds:.0f} s ...")
        runs.append(asyncio.run(_load(server, LoadRun(label, rate, seconds), asked, rate, seconds)))
        if label.startswith("GET /backorders"):
            runs += split_busiest(runs[-1], found)
    return runs


def split_busiest(run: LoadRun, found: Targets) -> list[LoadRun]:
    """The same run's requests for the busiest SKU and for the others: what a long queue costs (rate 0: a part)."""
    busiest = [s for s, sku in zip(run.samples, found.skus, strict=False) if sku == found.busiest]
    others = [s for s, sku in zip(run.samples, found.skus, strict=False) if sku != found.busiest]
    return [
        LoadRun(f"  of which {found.busiest} ({found.busiest_waiting:,} waiting)", 0.0, 0.0, busiest),
        LoadRun("  of which the other SKUs", 0.0, 0.0, others),
    ]


async def _load(server: Served, run: LoadRun, asked: list[str], rate: float, seconds: float) -> LoadRun:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(
        base_url=server.base, headers=server.headers, limits=limits, timeout=TIMEOUT_S
    ) as client:

        async def get(path: str) -> int:
            return (await client.get(path)).status_code

        # warm-up on the last paths drawn, so the run's first ones are not already in the caches
        await open_loop(LoadRun("warm-up", rate, 1.0), schedule(rate, 1.0), lambda i: get(asked[-1 - i]))
        return await open_loop(run, schedule(rate, seconds), lambda i: get(asked[i]))
