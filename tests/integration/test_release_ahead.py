"""Releasing a waiting line ahead over HTTP (issue 15): the operator named, refusals dead-lettered,
replay reproducing it under every policy, the queue, audit and the customer's notification following."""

from __future__ import annotations

import orjson
import pytest

from domain.allocation import POLICIES
from infra.bootstrap import build_engine
from infra.http.tokens import Role
from services.replay import Replayer
from tests import messages as m
from tests.support.http_api import served, settings_for

pytestmark = pytest.mark.integration


def shop(policy: str) -> list[dict]:
    """Four orders waiting for A, nothing on hand, one PO."""
    return [
        m.supplier_registered("s-1", "S1", ("A",)),
        m.sku_configured("k-1", "A", policy=policy),
        *(
            m.order_placed(f"o-{i}", f"o{i}", (("1", "A", 2),), at=m.ts(hours=i), customer_id=f"c{i}")
            for i in range(1, 5)
        ),
        m.po_placed("p-1", "po-1", (("A", 4),), expected=m.day(6), at=m.ts(hours=5)),
    ]


def _post(served_shop, role: Role, *messages: dict) -> dict:
    body = b"\n".join(orjson.dumps(message) for message in messages)
    answer = served_shop.post(
        "/messages", role, content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(params=sorted(POLICIES))
def operated(request, tmp_path):
    settings = settings_for("sqlite", tmp_path)
    with served(settings) as served_shop:
        assert _post(served_shop, Role.ADMIN, *shop(request.param))["applied"] == 7
        yield served_shop


def _queue(served_shop) -> list[str]:
    return [entry["order_id"] for entry in served_shop.get("/skus/A/queue").json()["entries"]]


def test_a_line_released_ahead_is_first_in_the_queue_and_the_decision_names_the_operator(operated):
    answer = _post(operated, Role.OPERATOR, m.line_released_ahead("ra-1", "o3", at=m.ts(hours=6)))

    assert answer["applied"] == 1
    assert _queue(operated) == ["o3", "o1", "o2", "o4"]
    entries = operated.get("/skus/A/queue").json()["entries"]
    assert [e["released_ahead"] for e in entries] == [True, False, False, False]
    assert operated.get("/orders/o3").json()["lines"][0]["released_ahead"] is True
    assert operated.get("/orders/o1").json()["lines"][0]["released_ahead"] is False
    audit = operated.get("/orders/o3/audit").json()["items"]
    (release,) = [e for e in audit if e["event_type"] == "Stock.LineReleasedAhead"]
    assert release["data"]["released_by"] == "token:operator-1" and release["by"] == "token:operator-1"
    assert release["decisions"]["decision"]["inputs"]["by"] == "token:operator-1"
    assert "released ahead by token:operator-1 (customer emergency)" in release["summary"]


def test_arriving_stock_serves_the_released_lines_first_in_the_order_they_were_released(operated):
    _post(
        operated,
        Role.OPERATOR,
        m.line_released_ahead("ra-1", "o4", at=m.ts(hours=6)),
        m.line_released_ahead("ra-2", "o2", at=m.ts(hours=6, minutes=1)),
        m.stock_received("r-1", "A", 5, at=m.ts(hours=7)),
    )

    lines = {
        order_id: operated.get(f"/orders/{order_id}").json()["lines"][0] for order_id in ("o1", "o2", "o4")
    }
    assert lines["o4"]["allocated"] == 2 and lines["o2"]["allocated"] == 2
    assert lines["o1"]["allocated"] == 1
    assert _queue(operated) == ["o1", "o3"]


def test_withdrawing_a_release_puts_the_line_back_in_policy_order_unmarked(operated):
    _post(operated, Role.OPERATOR, m.line_released_ahead("ra-1", "o3", at=m.ts(hours=6)))

    answer = _post(operated, Role.ADMIN, m.line_release_withdrawn("rw-1", "o3", at=m.ts(hours=7)))

    assert answer["applied"] == 1
    assert _queue(operated) == ["o1", "o2", "o3", "o4"]
    assert not any(e["released_ahead"] for e in operated.get("/skus/A/queue").json()["entries"])
    assert operated.get("/orders/o3").json()["lines"][0]["released_ahead"] is False


@pytest.mark.parametrize(
    ("message", "field", "words"),
    [
        (m.line_released_ahead("x-1", "o-none", at=m.ts(hours=6)), "order_id", "unknown order"),
        (m.line_released_ahead("x-2", "o1", "9", at=m.ts(hours=6)), "line_id", "no line"),
        (m.line_release_withdrawn("x-3", "o1", at=m.ts(hours=6)), "line_id", "not released ahead"),
        (m.line_released_ahead("x-4", "o1", reason="", at=m.ts(hours=6)), "reason", ""),
    ],
)
def test_a_refused_release_is_a_dead_letter_naming_the_field(operated, message, field, words):
    (outcome,) = _post(operated, Role.OPERATOR, message)["outcomes"]

    assert outcome["outcome"] == "refused" and outcome["field"] == field, outcome
    assert words in outcome["reason"]
    letters = operated.get("/dead-letters").json()["items"]
    assert any(letter["id"] == outcome["dead_letter_id"] for letter in letters)


def test_a_line_released_twice_or_no_longer_waiting_is_refused_on_its_line_id(operated):
    _post(operated, Role.OPERATOR, m.line_released_ahead("ra-1", "o3", at=m.ts(hours=6)))

    twice = _post(operated, Role.OPERATOR, m.line_released_ahead("ra-2", "o3", at=m.ts(hours=7)))
    _post(operated, Role.OPERATOR, m.stock_received("r-1", "A", 2, at=m.ts(hours=8)))  # o3 is served
    served_already = _post(operated, Role.OPERATOR, m.line_release_withdrawn("rw-1", "o3", at=m.ts(hours=9)))

    assert twice["outcomes"][0]["field"] == "line_id" and "already released" in twice["outcomes"][0]["reason"]
    assert served_already["outcomes"][0]["field"] == "line_id"


def test_replay_verify_matches_every_decision_with_releases_and_withdrawals(operated):
    _post(
        operated,
        Role.OPERATOR,
        m.line_released_ahead("ra-1", "o4", at=m.ts(hours=6)),
        m.line_released_ahead("ra-2", "o2", at=m.ts(hours=6, minutes=1)),
        m.line_release_withdrawn("rw-1", "o4", at=m.ts(hours=6, minutes=2)),
        m.stock_received("r-1", "A", 3, at=m.ts(hours=7)),
    )
    engine = build_engine(operated.settings)
    try:
        replayer = Replayer(engine)
        report = replayer.verify()
        per_order = list(replayer.order_verdicts("o4"))
    finally:
        engine.close()

    kinds = {v.kind for v in report.verdicts}
    assert {"LineReleasedAhead", "ReleaseWithdrawn"} <= kinds
    assert report.diffs == []
    assert {v.kind for v in per_order} >= {"LineReleasedAhead", "ReleaseWithdrawn"}
    assert all(v.matches for v in per_order)


def test_the_customer_s_notification_gives_the_new_place_of_a_line_released_ahead(operated):
    # Given the customer's notification that the line waits at place 4 (not sent yet)
    before = operated.get("/notifications", params={"order_id": "o4"}).json()["items"][-1]
    assert "wait at position 4" in before["body"], before["body"]
    # When the line is released ahead
    _post(operated, Role.OPERATOR, m.line_released_ahead("ra-1", "o4", at=m.ts(hours=6)))
    # Then what the customer will be told says place 1
    latest = operated.get("/notifications", params={"order_id": "o4"}).json()["items"][-1]
    assert "wait at position 1" in latest["body"], latest["body"]
