"""A served shop (`antrian serve` as a process) and browsers signed in to its dashboard."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.chromium import chromium, close
from tests import messages as m
from tests.support.browser import require_chromium
from tests.support.http_api import EMAIL, SHOP
from tests.support.process import COMMAND, antrian, write_jsonl

# The API tests' shop, plus o4 (accepts substitutes) offered B when B's stock comes.
BROWSER_SHOP = [
    *SHOP,
    m.order_placed(
        "o-4",
        "o4",
        (("1", "A", 2),),
        at=m.ts(hours=6),
        accept_substitutes=True,
        customer_id="c-5",
        email=EMAIL,
    ),
    m.stock_received("s-6", "B", 3, at=m.ts(hours=7)),
]
ROLES = ("viewer", "operator", "auditor", "admin")


@dataclass
class Served:
    base: str
    db: Path
    tokens: dict[str, str]

    def api(self, method: str, path: str, role: str = "admin", **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kw.pop("headers", {})}
        return httpx.request(method, f"{self.base}{path}", headers=headers, timeout=60, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    db = tmp_path / "antrian.sqlite"
    ingested = antrian("ingest", str(write_jsonl(tmp_path / "in.jsonl", BROWSER_SHOP)), db=db)
    assert ingested.returncode == 0, ingested.stderr
    tokens = {}
    for role in ROLES:
        made = antrian("token", "create", "--role", role, "--name", f"{role}-1", db=db)
        assert made.returncode == 0, made.stderr
        tokens[role] = made.stdout.strip()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    process = subprocess.Popen(
        [*COMMAND, "--db", str(db), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # only a hang detector
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/live").status_code == 200:
                break
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.1)
    try:
        yield Served(base, db, tokens)
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.fixture
def browser() -> Iterator[Any]:
    require_chromium()
    driver = chromium()
    try:
        yield driver
    finally:
        close(driver)


def sign_in(driver: Any, served: Served, role: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{served.base}/ui/signin")
    driver.find_element(By.ID, "token").send_keys(served.tokens[role])
    driver.find_element(By.ID, "signin").click()
    WebDriverWait(driver, 10).until(lambda d: "/ui/signin" not in d.current_url)
    assert driver.find_element(By.ID, "role").text == role
