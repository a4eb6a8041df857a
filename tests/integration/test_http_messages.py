"""POST /messages is `antrian ingest` over HTTP: same outcomes, same stored events; and its limits."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from infra.bootstrap import build_engine
from infra.cli.main import app as cli
from infra.http.tokens import Role
from infra.settings import Settings
from services.dead_letters import DeadLetter
from tests import messages as m
from tests.support.http_api import SHOP, served, settings_for

NOT_JSON = b'{"message_id": "broken", "type": "OrderPlaced"'
LINES: list[bytes] = [
    *(orjson.dumps(message) for message in SHOP),
    orjson.dumps(SHOP[4]),  # a duplicate: already applied
    orjson.dumps(m.order_placed("o-4", "o4", (("1", "A", 0),), at=m.ts(hours=6))),  # out of bounds
    orjson.dumps(m.stock_received("s-5", "A", 9, at=m.ts(hours=1))),  # an id reused for other content
    NOT_JSON,
    orjson.dumps(m.order_cancelled("c-1", "o1", ["9"], at=m.ts(hours=7))),  # a rule: no such line
    orjson.dumps(m.order_cancelled("c-1", "o1", ["9"], at=m.ts(hours=7))),  # the same again: refused before
]

pytestmark = pytest.mark.integration


def _stored(settings: Settings) -> list[tuple[str, str, int]]:
    """Every event in the store but dead letters (ingest keeps those in its file, HTTP in the store)."""
    engine = build_engine(settings)
    try:
        notes = engine.recorder.select_notifications(1, 100_000)
        events = [engine.mapper.to_domain_event(n) for n in notes]
    finally:
        engine.close()
    return [
        (type(e).__qualname__, str(e.originator_id), e.originator_version) for e in events if not _letter(e)
    ]


def _letter(event: Any) -> bool:
    return isinstance(event, DeadLetter.Event | DeadLetter.Recorded)


def _ingested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, str]:
    for name in [k for k in os.environ if k.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(LINES) + b"\n")
    db = tmp_path / "ingest" / "antrian.sqlite"
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", str(source)])
    assert result.exit_code == 0, result.output
    return Settings(store="sqlite", sqlite_path=db), result.output


def test_posting_messages_gives_the_outcomes_and_events_antrian_ingest_gives(tmp_path, monkeypatch):
    # Given the same lines (duplicates, refusals, a broken line and a repeat refusal among them)
    ingest_settings, said = _ingested(tmp_path, monkeypatch)
    settings = settings_for("sqlite", tmp_path)
    # When they are posted as NDJSON
    with served(settings) as shop:
        answer = shop.post(
            "/messages",
            Role.OPERATOR,
            content=b"\n".join(LINES),
            headers={"Content-Type": "application/x-ndjson"},
        )
        letters = shop.get("/dead-letters").json()["items"]
    assert answer.status_code == 200, answer.text
    found = answer.json()
    # Then the counts are ingest's, line by line as ingest words them
    assert "applied 9, already applied 1, rejected 4" in said and "refused before 1" in said
    assert (found["applied"], found["already_applied"], found["refused"]) == (9, 1, 5)
    outcomes = [o["outcome"] for o in found["outcomes"]]
    assert outcomes == ["applied"] * 9 + ["already applied"] + ["refused"] * 4 + ["refused before"]
    for outcome in found["outcomes"]:
        if outcome["outcome"].startswith("refused"):
            assert f"message {outcome['message_id'] or '?'}" in said
    # and the store holds the same events, in the same order
    assert _stored(settings) == _stored(ingest_settings)
    # and each new refusal is a dead letter named after the caller, the same set `antrian dead-letters` shows
    assert len(letters) == 4 and all(letter["source"].startswith("http:operator-1:") for letter in letters)
    assert {o["dead_letter_id"] for o in found["outcomes"] if o["outcome"] == "refused"} == {
        letter["id"] for letter in letters
    }


def test_one_json_message_is_posted_as_application_json(tmp_path):
    settings = settings_for("sqlite", tmp_path)
    with served(settings) as shop:
        first = shop.post("/messages", json=SHOP[0]).json()
        again = shop.post("/messages", json=SHOP[0]).json()
    assert [o["outcome"] for o in first["outcomes"]] == ["applied"]
    assert [o["outcome"] for o in again["outcomes"]] == ["already applied"]


def test_a_body_over_the_configured_size_is_refused_with_413_and_nothing_applied(tmp_path):
    settings = settings_for("sqlite", tmp_path).model_copy(update={"http_max_body_bytes": 200})
    body = b"\n".join(orjson.dumps(message) for message in SHOP)
    with served(settings) as shop:
        answer = shop.post("/messages", content=body, headers={"Content-Type": "application/x-ndjson"})
        assert answer.status_code == 413
        assert shop.get("/skus/A").status_code == 404


def test_a_dead_letter_retried_with_a_correction_is_applied_and_names_who_retried(tmp_path):
    settings = settings_for("sqlite", tmp_path)
    broken = m.order_placed("o-9", "o9", (("1", "A", 0),), at=m.ts(hours=6))
    with served(settings) as shop:
        shop.post(
            "/messages",
            content=b"\n".join(orjson.dumps(x) for x in SHOP[:5]),
            headers={"Content-Type": "application/x-ndjson"},
        )
        letter = shop.post("/messages", json=broken).json()["outcomes"][0]["dead_letter_id"]
        # When an operator retries it as it is: still refused, recorded with their token's name
        same = shop.post(f"/dead-letters/{letter}/retry", Role.OPERATOR).json()
        # And then with a correction
        fixed = {**broken, "lines": [{"line_id": "1", "sku": "A", "quantity": 1}]}
        corrected = shop.post(f"/dead-letters/{letter}/retry", Role.OPERATOR, json=fixed).json()
        listed = shop.get("/dead-letters").json()["items"]
        order = shop.get("/orders/o9")
    assert (same["outcome"], same["by"]) == ("refused", "token:operator-1")
    assert (corrected["outcome"], corrected["corrected"]) == ("applied", True)
    (shown,) = listed
    assert shown["resolved"] and [r["by"] for r in shown["retries"]] == ["token:operator-1"] * 2
    assert order.status_code == 200
    assert json.loads(shown["original"])["message_id"] == "o-9"


def test_an_unknown_dead_letter_is_404(tmp_path):
    with served(settings_for("sqlite", tmp_path)) as shop:
        assert shop.post("/dead-letters/no-such-source/retry").status_code == 404
