"""The dashboard in a real Chromium over the bench's ~100,000-order store: time to a complete page (issue 15).

A person signs in with a viewer token, then opens the overview and the backorders
page, each `LOADS` times (the first of them right after sign-in, with nothing in
the service's caches for it). A page is complete at its load event: every figure,
table and chart is drawn on the server, so nothing arrives after it. Each load's
time is the browser's own Navigation Timing (`loadEventEnd`, from the moment the
navigation started), checked against the wall time selenium waited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.chromium import chromium, close, missing
from bench.http.server import Served, antrian
from bench.report import Row, mark, say

PAGES = {"overview": ("/ui", "lines-waiting"), "backorders": ("/ui/backorders", "backorders")}
LOADS = 10
TARGET_MS = 1000.0
TIMING = (
    "const n = performance.getEntriesByType('navigation')[0];"
    "return n && n.loadEventEnd > 0 ? [n.responseStart, n.responseEnd, n.loadEventEnd] : null;"
)


@dataclass(frozen=True)
class PageLoads:
    page: str
    first_ms: float  # to the load event, the first time
    loads_ms: list[float]  # every load, the first included
    first_byte_ms: list[float]  # the server's share: to the answer's first byte
    wall_ms: list[float]  # what selenium waited, for comparison

    def pct(self, q: float) -> float:
        ordered = sorted(self.loads_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def page_loads(server: Served, db: Path) -> list[PageLoads] | None:
    """Each page's load times, or None (said why) when no Chromium is installed."""
    absent = missing()
    if absent:
        say(f"  dashboard pages: not measured, {', '.join(absent)} missing (make browser installs them)")
        return None
    name = f"bench-ui-{time.monotonic_ns()}"
    token = antrian(db, "token", "create", "--role", "viewer", "--name", name).strip()
    driver = chromium()
    try:
        _sign_in(driver, server.base, token)
        return [_loads(driver, server.base, page, *where) for page, where in PAGES.items()]
    finally:
        close(driver)
        antrian(db, "token", "revoke", name)


def _sign_in(driver: Any, base: str, token: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/ui/signin?next=/ui/signin")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "signin").click()
    WebDriverWait(driver, 60).until(lambda d: d.get_cookie("antrian_session") is not None)


def _loads(driver: Any, base: str, page: str, path: str, complete_id: str) -> PageLoads:
    from selenium.webdriver.common.by import By

    loads, first_bytes, walls = [], [], []
    for _ in range(LOADS):
        started = time.perf_counter()
        driver.get(f"{base}{path}")
        walls.append(1000 * (time.perf_counter() - started))
        if not driver.find_elements(By.ID, complete_id):
            raise RuntimeError(
                f"{path} answered without #{complete_id}: {driver.title!r} at {driver.current_url}"
            )
        timing = None
        while timing is None:  # the load event's end is set just after selenium sees the load
            timing = driver.execute_script(TIMING)
        first_bytes.append(float(timing[0]))
        loads.append(float(timing[2]))
    return PageLoads(page, loads[0], loads, first_bytes, walls)


def page_rows(found: list[PageLoads] | None) -> list[Row]:
    rows: list[Row] = []
    for run in found or []:
        worst = max(run.loads_ms)
        rows.append(
            (
                f"Chromium: {run.page} page complete, {len(run.loads_ms)} loads",
                f"first {run.first_ms:,.0f} / p50 {run.pct(0.5):,.0f} / max {worst:,.0f} ms",
                f"every load < {TARGET_MS:,.0f} ms",
                mark(worst < TARGET_MS),
            )
        )
        server = sorted(run.first_byte_ms)[len(run.first_byte_ms) // 2]
        wall = sorted(run.wall_ms)[len(run.wall_ms) // 2]
        rows.append(
            (f"  {run.page}: first byte p50 / selenium's wait p50", f"{server:,.0f} / {wall:,.0f} ms", "", "")
        )
    return rows
