"""POST /messages/preview and `antrian preview` (issue 15): an action's impact before it is confirmed.

Computed by the engine's own handlers on copies: previewing leaves the store as it was,
and posting the message next gives exactly the previewed result.
"""

from __future__ import annotations

import hashlib
import json

import orjson
import pytest

from infra.bootstrap import build_engine
from infra.http.tokens import Role
from services.preview import _state
from tests import messages as m
from tests.support.cli import cli_over
from tests.support.http_api import served, settings_for

pytestmark = pytest.mark.integration

SHOP = [
    m.supplier_registered("s-1", "S1", ("A", "B")),
    m.sku_configured("k-1", "A"),
    m.sku_configured("k-2", "B"),
    m.substitutes_declared("k-3", "A", ["B"]),
    m.stock_received("r-1", "B", 4, at=m.ts(hours=1)),
    *(
        m.order_placed(
            f"o-{i}", f"o{i}", (("1", "A", 2), ("2", "A", 1)), at=m.ts(hours=1 + i), accept_substitutes=i < 3
        )
        for i in range(1, 6)
    ),
    m.po_placed("p-1", "po-1", (("A", 5),), expected=m.day(6), at=m.ts(hours=8)),
]
AT = m.ts(hours=9)
ACTIONS = {
    "cancel a line": m.order_cancelled("x-1", "o2", ["1"], at=AT),
    "cancel an order": m.order_cancelled("x-2", "o1", at=AT),
    "accept a substitute": m.substitute_accepted("x-3", "o1", "1", at=AT),
    "decline a substitute": m.substitute_declined("x-4", "o2", "1", at=AT),
    "change the policy": m.sku_configured("x-5", "A", policy="fifo-v1", at=AT),
    "change reorder point and safety stock": m.sku_configured(
        "x-6", "A", reorder_point=9, safety_stock=3, at=AT
    ),
    "release a line ahead": m.line_released_ahead("x-7", "o4", "2", at=AT),
    "withdraw a release": m.line_release_withdrawn("x-8", "o3", "1", at=AT),
}


@pytest.fixture
def shop(tmp_path):
    settings = settings_for("sqlite", tmp_path)
    with served(settings) as served_shop:
        body = b"\n".join(
            orjson.dumps(message) for message in [*SHOP, m.line_released_ahead("x-0", "o3", at=AT)]
        )
        answer = served_shop.post(
            "/messages", Role.ADMIN, content=body, headers={"Content-Type": "application/x-ndjson"}
        )
        assert answer.json()["applied"] == len(SHOP) + 1, answer.text
        yield served_shop


def _store_bytes(settings) -> str:
    return hashlib.sha256(settings.sqlite_path.read_bytes()).hexdigest()


def _read_models(shop) -> dict:
    return {
        "queue A": shop.get("/skus/A/queue").json(),
        "queue B": shop.get("/skus/B/queue").json(),
        "orders": [shop.get(f"/orders/o{i}").json() for i in range(1, 6)],
    }


def _max_notification_id(settings) -> int:
    engine = build_engine(settings)
    try:
        return engine.recorder.max_notification_id() or 0
    finally:
        engine.close()


def _now(settings, impact_lines: list[dict]) -> list[dict]:
    """The lines the preview named, as they stand in the store now."""
    engine = build_engine(settings)
    try:
        found = []
        for line in impact_lines:
            order = engine.get_order(line["order_id"])
            stock = engine.get_stock(line["sku"])
            state = _state(order, stock, line["order_id"], line["line_id"])
            found.append(
                {
                    "status": state.status,
                    "position": state.position,
                    "eta": state.eta and state.eta.isoformat(),
                }
            )
        return found
    finally:
        engine.close()


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_posting_a_previewed_action_gives_exactly_the_previewed_result(shop, action):
    message = ACTIONS[action]

    previewed = shop.post("/messages/preview", Role.OPERATOR, json=message)
    posted = shop.post("/messages", Role.OPERATOR, json=message).json()["outcomes"][0]

    impact = previewed.json()
    assert previewed.status_code == 200, previewed.text
    assert impact["outcome"] == "would apply" and posted["outcome"] == "applied", (impact, posted)
    assert [line["after"] for line in impact["lines"]] == _now(shop.settings, impact["lines"])


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_preview_leaves_the_store_and_the_read_models_as_they_were(shop, action):
    models, last, stored = (
        _read_models(shop),
        _max_notification_id(shop.settings),
        _store_bytes(shop.settings),
    )

    answer = shop.post("/messages/preview", Role.OPERATOR, json=ACTIONS[action])

    assert answer.status_code == 200, answer.text
    assert _store_bytes(shop.settings) == stored
    assert _max_notification_id(shop.settings) == last
    assert _read_models(shop) == models


def test_a_release_ahead_preview_names_the_lines_that_move_and_whose_eta_changes(shop):
    impact = shop.post("/messages/preview", Role.OPERATOR, json=ACTIONS["release a line ahead"]).json()

    moved = {(line["order_id"], line["line_id"]): line for line in impact["lines"]}
    released = moved[("o4", "2")]
    assert released["before"]["position"] > released["after"]["position"] == 2  # behind o3, released before
    assert all(
        line["after"]["position"] == line["before"]["position"] + 1
        for key, line in moved.items()
        if key != ("o4", "2")
    )


def test_a_preview_of_a_refused_action_names_the_field_and_keeps_no_dead_letter(shop):
    letters = shop.get("/dead-letters").json()["items"]

    unknown = shop.post(
        "/messages/preview", Role.OPERATOR, json=m.line_released_ahead("y-1", "o-none", at=AT)
    )
    broken = shop.post("/messages/preview", Role.OPERATOR, json={**ACTIONS["cancel a line"], "line_ids": []})

    assert (unknown.json()["outcome"], unknown.json()["field"]) == ("refused", "order_id")
    assert (broken.json()["outcome"], broken.json()["field"]) == ("refused", "line_ids")
    assert shop.get("/dead-letters").json()["items"] == letters


def test_a_preview_of_a_message_applied_already_says_so(shop):
    shop.post("/messages", Role.OPERATOR, json=ACTIONS["decline a substitute"])

    again = shop.post("/messages/preview", Role.OPERATOR, json=ACTIONS["decline a substitute"]).json()

    assert again["outcome"] == "already applied" and again["lines"] == []


def test_viewers_may_not_preview(shop):
    assert shop.post("/messages/preview", Role.VIEWER, json=ACTIONS["cancel a line"]).status_code == 403


def test_antrian_preview_prints_the_impact_and_changes_nothing(tmp_path, monkeypatch):
    run, _ = cli_over(SHOP, tmp_path, monkeypatch)
    message = tmp_path / "cancel.json"
    message.write_text(json.dumps(ACTIONS["cancel a line"]))
    store = tmp_path / "store.sqlite"
    stored = hashlib.sha256(store.read_bytes()).hexdigest()

    shown = run("preview", str(message))
    as_json = json.loads(run("preview", str(message), "--json").output)

    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("x-1 (OrderCancelled): would apply\n")
    assert "  o2/1 A: substitute_offered #3 ETA 2026-01-13 -> cancelled\n" in shown.output
    assert as_json["outcome"] == "would apply" and as_json["lines"]
    assert hashlib.sha256(store.read_bytes()).hexdigest() == stored
