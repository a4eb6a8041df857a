"""The command line, run as a process the way an operator would."""

from __future__ import annotations

import json

import pytest

from tests.support.process import antrian, write_jsonl

pytestmark = pytest.mark.e2e

T = "2026-03-02T09:00:00Z"
MESSAGES = [
    {
        "message_id": "m1",
        "type": "SupplierRegistered",
        "occurred_at": T,
        "supplier_id": "s1",
        "name": "S1",
        "terms": [{"sku": "A", "lead_time_days": 4, "unit_cost": "1.00"}],
    },
    {"message_id": "m2", "type": "StockReceived", "occurred_at": T, "sku": "A", "quantity": 2},
    {
        "message_id": "m3",
        "type": "OrderPlaced",
        "occurred_at": T,
        "order_id": "o1",
        "customer_id": "c1",
        "placed_at": T,
        "lines": [{"line_id": "1", "sku": "A", "quantity": 5}],
        "contact": {"email": "c@x.io"},
    },
]


def test_ingest_reports_refused_lines_keeps_them_and_applies_the_rest(tmp_path):
    # Given a file with good messages, a line that is not JSON and an order placed twice
    bad_order = {**MESSAGES[2], "message_id": "m4", "lines": [{"line_id": "1", "sku": "A", "quantity": 1}]}
    source = write_jsonl(tmp_path / "in.jsonl", [*MESSAGES, "{oops", bad_order])

    # When it is ingested
    result = antrian("ingest", str(source), db=tmp_path / "s.sqlite")

    # Then the good ones are applied and each refusal is named on stderr and kept
    assert result.returncode == 0, result.stderr
    assert "applied 3, already applied 0, rejected 2" in result.stdout
    assert "in.jsonl:4" in result.stderr and "not valid JSON" in result.stderr
    assert "message m4 (OrderPlaced): field order_id: order o1 was already placed" in result.stderr
    kept = [json.loads(line) for line in (tmp_path / "s.rejected.jsonl").read_text().splitlines()]
    assert [k["message_id"] for k in kept] == [None, "m4"]
    assert kept[1]["original"] == json.dumps(bad_order)


def test_ingesting_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", MESSAGES)
    antrian("ingest", str(source), db=tmp_path / "s.sqlite")

    again = antrian("ingest", str(source), db=tmp_path / "s.sqlite")

    assert "applied 0, already applied 3, rejected 0" in again.stdout


def test_replay_decision_prints_inputs_outcomes_and_match_for_an_order(tmp_path):
    antrian("ingest", str(write_jsonl(tmp_path / "in.jsonl", MESSAGES)), db=tmp_path / "s.sqlite")

    result = antrian("replay", "decision", "o1", db=tmp_path / "s.sqlite")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "[MATCH] order o1 line 1: LineAllocated by priority-fifo-v1 (message m3)" in result.stdout
    assert "recomputed:" in result.stdout and "inputs:" in result.stdout
    assert result.stdout.splitlines()[-1].endswith(" decision(s), 0 DIFF")


def test_replay_verify_exits_zero_when_every_decision_matches(tmp_path):
    antrian("ingest", str(write_jsonl(tmp_path / "in.jsonl", MESSAGES)), db=tmp_path / "s.sqlite")

    result = antrian("replay", "verify", db=tmp_path / "s.sqlite")

    assert result.returncode == 0, result.stdout
    assert " 0 DIFF" in result.stdout


def test_replay_of_an_unknown_order_says_so(tmp_path):
    antrian("ingest", str(write_jsonl(tmp_path / "in.jsonl", MESSAGES)), db=tmp_path / "s.sqlite")

    result = antrian("replay", "decision", "nope", db=tmp_path / "s.sqlite")

    assert result.returncode == 1
    assert "order nope" in result.stderr


def test_a_small_demo_prints_its_summary_and_every_decision_replays(tmp_path):
    db = tmp_path / "demo.sqlite"
    demo = antrian("demo", "--days", "4", "--skus", "3", "--orders-per-day", "6", db=db)
    assert demo.returncode == 0, demo.stderr
    assert "Fill rate" in demo.stdout and "0 rejected" in demo.stdout

    verify = antrian("replay", "verify", db=db)
    assert verify.returncode == 0 and " 0 DIFF" in verify.stdout

    again = antrian("demo", "--days", "4", db=db)
    assert again.returncode == 2 and "--fresh" in again.stderr
