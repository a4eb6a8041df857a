"""`antrian audit` over a SQLite store, as an operator types it."""

from __future__ import annotations

import json

import pytest

from tests.messages import order_placed, stock_received, ts
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

MESSAGES = (
    stock_received("m1", "A", 2),
    order_placed("m2", "o1", (("1", "A", 5),)),
    order_placed("m3", "o2", (("1", "A", 1),), at=ts(1)),
    stock_received("m4", "A", 4, at=ts(2)),
)


@pytest.fixture
def antrian(tmp_path, monkeypatch):
    run, _ = cli_over(MESSAGES, tmp_path, monkeypatch)
    return run


def test_audit_of_an_order_prints_each_decision_with_its_policy_inputs_reason_and_replay_link(antrian):
    result = antrian("audit", "o2")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("order o2: 6 event(s)\n")
    assert (
        "Stock.LineRequested  line o2/1 asks 1: 0 allocated, 1 backordered at queue position 2"
        in result.output
    )
    assert "    decision: priority-fifo-v1  message m3  as of 2026-01-06T10:00:00Z" in result.output
    assert '      inputs: {"available":0,"position":2,"queue_length":1,' in result.output
    assert "    replay: antrian replay decision o2" in result.output
    assert "Order.LineBackordered" in result.output
    assert "    decision: priority-fifo-v1  message m3  taken on A at version 5" in result.output


def test_audit_jsonl_writes_one_object_per_timeline_entry(antrian):
    result = antrian("audit", "--sku", "A", "--jsonl")

    entries = [json.loads(line) for line in result.output.splitlines()]
    assert [e["event_type"] for e in entries] == [
        "Stock.Registered",
        "Stock.Received",
        "Stock.LineRequested",
        "Stock.EtasRevised",
        "Stock.LineRequested",
        "Stock.EtasRevised",
        "Stock.Received",
        "Stock.QueueFilled",
    ]
    assert entries[-1]["data"]["fills"] == [
        {"order_id": "o1", "line_id": "1", "quantity": 3},
        {"order_id": "o2", "line_id": "1", "quantity": 1},
    ]
    assert entries[-1]["decisions"]["decision"]["as_of"] == ts(2)


def test_audit_of_an_unknown_order_says_so_and_exits_1(antrian):
    result = antrian("audit", "nope")

    assert result.exit_code == 1
    assert "no events about order nope" in result.output


def test_audit_needs_exactly_one_of_an_order_or_a_sku(antrian):
    assert antrian("audit").exit_code == 2
    assert antrian("audit", "o1", "--sku", "A").exit_code == 2
