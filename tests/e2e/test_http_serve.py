"""`antrian serve` as a real process on a free 127.0.0.1 port, talked to with httpx."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import orjson
import pytest

from tests import messages as m
from tests.support.process import COMMAND, antrian, write_jsonl

pytestmark = pytest.mark.e2e

SHOP = [
    m.sku_configured("s-1", "A"),
    m.stock_received("s-2", "A", 1, at=m.ts(hours=1)),
    m.order_placed("o-1", "o1", (("1", "A", 3),), at=m.ts(hours=2), email="sari@example.com"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(db: Path, role: str, name: str) -> str:
    made = antrian("token", "create", "--role", role, "--name", name, db=db)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


@pytest.fixture
def server(tmp_path: Path):
    db = tmp_path / "antrian.sqlite"
    assert antrian("ingest", str(write_jsonl(tmp_path / "in.jsonl", SHOP)), db=db).returncode == 0
    tokens = {"viewer": _token(db, "viewer", "ops"), "operator": _token(db, "operator", "shop-sync")}
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    process = subprocess.Popen(
        [*COMMAND, "--db", str(db), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
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
        yield base, tokens, db
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_the_served_api_answers_reads_and_writes_with_tokens_and_sees_what_ingest_adds(server):
    base, tokens, db = server
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    operator = {"Authorization": f"Bearer {tokens['operator']}"}
    # Given the shop, served: health is open, reads need a token
    assert httpx.get(f"{base}/health/ready").status_code == 200
    assert httpx.get(f"{base}/orders/o1").status_code == 401
    order = httpx.get(f"{base}/orders/o1", headers=viewer).json()
    assert order["lines"][0]["backordered"] == 2 and order["customer_email"] == "s***@example.com"
    # When an operator posts a receipt, and another process ingests one more
    posted = httpx.post(
        f"{base}/messages",
        headers={**operator, "Content-Type": "application/json"},
        content=orjson.dumps(m.stock_received("s-3", "A", 1, at=m.ts(hours=3))),
    )
    assert [o["outcome"] for o in posted.json()["outcomes"]] == ["applied"]
    later = write_jsonl(db.parent / "later.jsonl", [m.stock_received("s-4", "A", 1, at=m.ts(hours=4))])
    assert antrian("ingest", str(later), db=db).returncode == 0
    # Then the served read models have caught up with both
    assert httpx.get(f"{base}/orders/o1", headers=viewer).json()["lines"][0]["backordered"] == 0
    assert httpx.post(f"{base}/messages", headers=viewer, json={}).status_code == 403


def test_serving_beyond_loopback_without_a_token_is_refused_in_one_line(tmp_path):
    db = tmp_path / "antrian.sqlite"
    refused = antrian("serve", "--host", "0.0.0.0", "--port", str(_free_port()), db=db, timeout=60)
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0 and "refusing to listen on 0.0.0.0" in refused.stderr


def test_tokens_are_listed_by_name_and_role_never_shown_again_and_revoked(tmp_path):
    db = tmp_path / "antrian.sqlite"
    token = _token(db, "auditor", "audit-team")
    listed = antrian("token", "list", db=db)
    assert "audit-team  auditor" in listed.stdout and token not in listed.stdout
    assert antrian("token", "create", "--role", "auditor", "--name", "audit-team", db=db).returncode == 2
    assert antrian("token", "create", "--role", "boss", "--name", "x", db=db).returncode == 2
    assert antrian("token", "revoke", "audit-team", db=db).returncode == 0
    assert "revoked" in antrian("token", "list", db=db).stdout
    assert antrian("token", "revoke", "audit-team", db=db).returncode == 1
