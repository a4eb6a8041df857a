"""`as_of` on the HTTP API: the same reads as of an instant, from the event store.

`GET /backorders?as_of=DAY` keeps its older meaning (the day ages are counted at).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import messages as m
from tests.support.http_api import ServedShop, apply_shop, served, settings_for

pytestmark = pytest.mark.integration

MESSAGES = (
    m.stock_received("r1", "A", 3, at=m.ts(hours=0)),
    m.order_placed("m1", "o1", (("1", "A", 5),), "gold", at=m.ts(hours=1)),
    m.order_placed("m3", "o3", (("1", "A", 1),), at=m.ts(hours=3)),
    m.order_placed("m2", "o2", (("1", "A", 2),), at=m.ts(hours=2)),
    m.stock_received("r2", "A", 4, at=m.ts(hours=4)),
)
AFTER_O1 = "2026-01-05T11:30:00Z"
BETWEEN = "2026-01-05T12:30:00+00:00"


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[ServedShop]:
    settings = settings_for("sqlite", tmp_path)
    apply_shop(settings, *MESSAGES)
    with served(settings) as shop:
        yield shop


def test_a_skus_queue_as_of_an_instant_is_the_stocks_queue_then(shop):
    found = shop.get("/skus/A/queue", params={"as_of": AFTER_O1}).json()

    assert found["moment"]["exact"] is True
    assert [(e["order_id"], e["quantity"]) for e in found["queue"]["entries"]] == [("o1", 2)]


def test_an_answer_that_cannot_be_exact_names_the_messages_it_lacks(shop):
    found = shop.get("/skus/A/queue", params={"as_of": BETWEEN}).json()

    assert (found["moment"]["exact"], found["moment"]["missing"]) == (False, ["m2"])


def test_a_stock_position_and_an_order_as_of_an_instant(shop):
    stock = shop.get("/skus/A", params={"as_of": AFTER_O1}).json()["stock"]
    order = shop.get("/orders/o1", params={"as_of": AFTER_O1}).json()["order"]

    assert (stock["on_hand_total"], stock["allocated"], stock["units_waiting"]) == (3, 3, 2)
    assert (order["lines"][0]["allocated"], order["lines"][0]["position"]) == (3, 1)


def test_without_as_of_the_reads_are_todays_read_models(shop):
    found = shop.get("/skus/A/queue").json()

    assert "moment" not in found and found["totals"]["sku"] == "A"


def test_an_order_not_placed_by_the_instant_is_a_404_saying_so(shop):
    answer = shop.get("/orders/o3", params={"as_of": AFTER_O1})

    assert answer.status_code == 404
    assert "not placed yet" in answer.json()["detail"]


def test_an_instant_before_the_first_message_knows_no_sku(shop):
    answer = shop.get("/skus/A", params={"as_of": "2026-01-01T00:00:00Z"})

    assert answer.status_code == 404
    assert "no stock event named it yet" in answer.json()["detail"]


def test_an_instant_in_the_future_is_todays_state(shop):
    found = shop.get("/skus/A", params={"as_of": "2031-01-01T00:00:00Z"}).json()

    assert found["moment"]["log_position"] is None
    assert found["stock"]["on_hand_total"] == 7


@pytest.mark.parametrize("instant", ["2026-01-05", "2026-01-05T10:00:00", "soon"])
def test_an_instant_without_a_zone_or_unparseable_is_a_422_naming_as_of(shop, instant):
    answer = shop.get("/skus/A/queue", params={"as_of": instant})

    assert answer.status_code == 422
    assert "as_of" in answer.text


def test_audits_as_of_an_instant_list_the_events_stored_by_then(shop):
    then = shop.get("/orders/o1/audit", params={"as_of": AFTER_O1}).json()["items"]
    whole = shop.get("/orders/o1/audit").json()["items"]

    assert 0 < len(then) < len(whole)
    sku = shop.get("/skus/A/audit", params={"as_of": AFTER_O1}).json()["items"]
    assert {e["event_type"] for e in sku} >= {"Stock.Received", "Stock.LineRequested"}


def test_the_report_as_of_an_instant_counts_the_lines_ordered_by_then(shop):
    found = shop.get("/report", params={"as_of": AFTER_O1}).json()

    assert (found["lines"], found["moment"]["messages_applied"]) == (1, 2)


def test_backorders_as_of_is_still_the_day_ages_are_counted_at(shop):
    assert shop.get("/backorders", params={"as_of": "2026-01-20"}).status_code == 200
    assert shop.get("/backorders", params={"as_of": AFTER_O1}).status_code == 422
