"""Every write records who handed the message in, and the audit shows it (issue 14).

The caller is metadata kept with the message's inbox entry, not part of the
message: the same message re-sent by someone else is still a duplicate.
"""

from __future__ import annotations

import getpass

import orjson
import pytest

from infra.bootstrap import build_engine
from infra.http.tokens import Role
from services.inbox import AppliedMessage, digest
from tests import messages as m
from tests.support.cli import cli_over
from tests.support.http_api import SHOP, served, settings_for

pytestmark = pytest.mark.integration

CANCEL = m.order_cancelled("c-1", "o1", ["1"], at=m.ts(hours=6), reason="found it elsewhere")


def _applied_entry(settings, message_id: str) -> AppliedMessage:
    engine = build_engine(settings)
    try:
        return engine.repository.get(AppliedMessage.create_id(message_id))
    finally:
        engine.close()


@pytest.fixture
def shop(tmp_path):
    settings = settings_for("sqlite", tmp_path)
    with served(settings) as served_shop:
        answer = served_shop.post(
            "/messages",
            Role.OPERATOR,
            content=b"\n".join(orjson.dumps(message) for message in SHOP),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert answer.json()["applied"] == len(SHOP), answer.text
        yield served_shop


def test_a_message_posted_over_http_is_stored_with_the_token_name_of_who_posted_it(shop):
    entry = _applied_entry(shop.settings, "o-1")

    assert entry.by == "token:operator-1"


def test_the_order_audit_shows_by_whom_each_entry_s_message_was_handed_in(shop):
    shop.post("/messages", Role.ADMIN, json=CANCEL)

    entries = shop.get("/orders/o1/audit").json()["items"]

    by_message = {(e["causation_message_id"], e["by"]) for e in entries}
    assert ("o-1", "token:operator-1") in by_message
    assert ("c-1", "token:admin-1") in by_message
    assert all(e["by"] is not None for e in entries)


def test_the_sku_audit_shows_by_whom_too(shop):
    entries = shop.get("/skus/A/audit").json()["items"]

    assert {e["by"] for e in entries} == {"token:operator-1"}


def test_the_same_message_re_sent_by_another_caller_is_a_duplicate_and_keeps_its_first_caller(shop):
    first = shop.post("/messages", Role.OPERATOR, json=CANCEL).json()
    again = shop.post("/messages", Role.ADMIN, json=CANCEL).json()

    assert first["outcomes"][0]["outcome"] == "applied"
    assert again["outcomes"][0]["outcome"] == "already applied"
    assert _applied_entry(shop.settings, "c-1").by == "token:operator-1"


def test_a_dead_letter_retried_over_http_records_the_retrying_token_as_the_caller(shop):
    early = m.order_cancelled("c-9", "o1", ["7"], at=m.ts(hours=6))  # no such line: refused
    refused = shop.post("/messages", Role.OPERATOR, json=early).json()["outcomes"][0]
    fixed = {**early, "line_ids": ["1"]}

    retried = shop.post(f"/dead-letters/{refused['dead_letter_id']}/retry", Role.ADMIN, json=fixed)

    assert retried.json()["outcome"] == "applied", retried.text
    assert _applied_entry(shop.settings, "c-9").by == "token:admin-1"


def test_antrian_ingest_records_the_login_name_and_antrian_audit_prints_it(tmp_path, monkeypatch):
    run, _ = cli_over(SHOP, tmp_path, monkeypatch)

    shown = run("audit", "o1")
    listed = [orjson.loads(line) for line in run("audit", "--sku", "A", "--jsonl").output.splitlines()]

    assert shown.exit_code == 0, shown.output
    assert f"by cli:{getpass.getuser()}" in shown.output
    assert {entry["by"] for entry in listed} == {f"cli:{getpass.getuser()}"}


def test_a_message_read_from_kafka_is_recorded_as_handed_in_by_its_topic(tmp_path):
    from collections import namedtuple

    from kafka import TopicPartition

    from infra.kafka.inbound import InboundConsumer

    settings = settings_for("sqlite", tmp_path)
    engine = build_engine(settings)
    try:
        inbound = InboundConsumer(engine, consumer=None, topics=["antrian.inventory"])  # type: ignore[arg-type]
        record = namedtuple("Record", "offset key value")
        tp = TopicPartition("antrian.inventory", 0)
        inbound.apply(tp, [record(0, None, orjson.dumps(m.stock_received("k-1", "A", 3)))]).result()
    finally:
        engine.close()

    assert _applied_entry(settings, "k-1").by == "kafka:antrian.inventory"


def test_the_inbox_entry_keeps_the_applied_message_as_it_was_applied_and_it_hashes_to_its_fingerprint(shop):
    entry = _applied_entry(shop.settings, "o-1")

    assert entry.content is not None
    assert entry.content["message_id"] == "o-1" and entry.content["type"] == "OrderPlaced"
    assert digest(entry.content) == entry.fingerprint
    assert "_by" not in entry.content and "by" not in entry.content  # who handed it in is metadata
