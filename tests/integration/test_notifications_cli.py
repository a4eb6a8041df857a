"""`antrian notifications list|dispatch` in the embedded mode: composed on demand, sent to the file channel."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from infra.cli.main import app
from tests.conftest import make_engine
from tests.messages import (
    apply,
    contact,
    day,
    order_placed,
    po_placed,
    stock_received,
    supplier_registered,
    ts,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def shop(monkeypatch, tmp_path):
    """An embedded store where O1 waits for A (English) and O2 got B at once (Indonesian)."""
    monkeypatch.setenv("COLUMNS", "200")
    for name in [k for k in os.environ if k.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    db = tmp_path / "shop.sqlite"
    engine = make_engine("sqlite", db)
    apply(
        engine,
        supplier_registered("m1", skus=("A", "B")),
        po_placed("m2", "PO1", (("A", 10),), expected=day(7)),
        stock_received("m3", "B", 3),
        order_placed("m4", "O1", (("1", "A", 2),), at=ts(1)),
        order_placed("m5", "O2", (("1", "B", 1),), at=ts(1), contact=contact("sari@example.co.id", "id")),
    )
    engine.close()

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", str(db), "notifications", *args])
        assert result.exit_code == 0, result.output
        return result.output

    invoke.db = db  # type: ignore[attr-defined]
    return invoke


def test_list_composes_what_is_new_and_shows_it_pending(shop):
    output = shop("list")

    assert "2 notification(s)" in output
    assert "O1:1:v2" in output and "Order O1: A is backordered" in output
    assert "O2:1:v2" in output and "Pesanan O2: B siap dikirim" in output
    assert output.count("pending") == 2


def test_dispatch_writes_each_notification_to_the_file_once_and_list_shows_them_delivered(shop):
    assert "delivered 2, failed 0, dead 0, superseded 0" in shop("dispatch")
    assert "delivered 0, failed 0, dead 0" in shop("dispatch")

    sent = [json.loads(line) for line in shop.db.with_suffix(".notifications.jsonl").read_text().splitlines()]
    assert [(n["idempotency_key"], n["locale"], n["recipient"]["email"]) for n in sent] == [
        ("O1:1:v2", "en", "customer@example.com"),
        ("O2:1:v2", "id", "sari@example.co.id"),
    ]
    listed = [json.loads(line) for line in shop("list", "--status", "delivered", "--jsonl").splitlines()]
    assert [(n["idempotency_key"], n["status"], n["attempts"]) for n in listed] == [
        ("O1:1:v2", "delivered", 1),
        ("O2:1:v2", "delivered", 1),
    ]
    assert "0 notification(s)" in shop("list", "--status", "pending")


def test_dispatch_with_a_limit_sends_the_oldest_first(shop):
    assert "delivered 1," in shop("dispatch", "--limit", "1")

    listed = [json.loads(line) for line in shop("list", "--jsonl").splitlines()]
    assert [(n["idempotency_key"], n["status"]) for n in listed] == [
        ("O1:1:v2", "delivered"),
        ("O2:1:v2", "pending"),
    ]
    assert [
        json.loads(line)["idempotency_key"] for line in shop("list", "--limit", "1", "--jsonl").splitlines()
    ] == ["O1:1:v2"]
