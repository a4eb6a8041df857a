"""`GET /report` keeps its figures between asks and brings them up to date in the background (SQLite, TestClient)."""

from __future__ import annotations

import time

import pytest

from infra.http.tokens import Role
from tests import messages as m
from tests.support.http_api import ServedShop

pytestmark = pytest.mark.integration
HANG_S = 120  # only a hang detector: a refresh that never lands


@pytest.fixture
def shop(sqlite_shop: ServedShop) -> ServedShop:
    return sqlite_shop


def place(shop: ServedShop, n: int) -> None:
    placed = m.order_placed(f"new-{n}", f"new{n}", (("1", "A", 1),), at=m.ts(hours=9 + n))
    assert shop.post("/messages", Role.OPERATOR, json=placed).json()["applied"] == 1


def report(shop: ServedShop, **params: str) -> dict:
    answer = shop.get("/report", Role.VIEWER, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_figures_are_kept_while_nothing_changes(shop):
    first, again = report(shop), report(shop)
    assert first["current"] and again["current"]
    assert again["computed_at"] == first["computed_at"] and again["lines"] == first["lines"] == 3


def test_after_a_change_the_kept_figures_come_at_once_marked_not_current_and_new_ones_follow(shop):
    first = report(shop)
    # When an order is placed
    place(shop, 1)
    # Then the next ask answers the kept figures at once, saying they are not current
    stale = report(shop)
    assert not stale["current"] and stale["computed_at"] == first["computed_at"] and stale["lines"] == 3
    # And the figures computed in the background, once landed, count the new order
    deadline = time.monotonic() + HANG_S
    while not (now := report(shop))["current"]:
        assert time.monotonic() < deadline, "the background refresh never landed"
        time.sleep(0.02)
    assert now["lines"] == 4 and now["computed_at"] > first["computed_at"]


def test_fresh_figures_are_computed_in_the_request(shop):
    report(shop)
    place(shop, 2)
    fresh = report(shop, fresh="true")
    assert fresh["current"] and fresh["lines"] == 4


def test_each_range_keeps_its_own_figures(shop):
    whole = report(shop)
    none = report(shop, **{"from": m.day(20), "to": m.day(30)})
    assert whole["lines"] == 3 and none["lines"] == 0 and none["current"]


def test_ready_once_the_whole_historys_figures_are_computed_and_the_first_ask_is_answered_with_them(shop):
    from infra.bootstrap import build_read_store
    from infra.http.reports import Reports

    report(shop)  # the read models caught up with the shop's history
    reports = Reports(lambda: build_read_store(shop.settings))
    store = build_read_store(shop.settings)
    try:
        # Given a service just started: not ready while the figures are being computed
        with store.reading() as tx:
            done, detail = reports.ready(tx)
        assert not done and "computing" in detail
        deadline = time.monotonic() + HANG_S
        while reports.generation == 0:
            assert time.monotonic() < deadline, "the figures were never computed"
            time.sleep(0.01)
        # When they are computed, then it is ready, and the first ask gets those very figures, current
        with store.reading() as tx:
            assert reports.ready(tx)[0]
            first = reports.figures(tx, None, None)
        with store.reading() as tx:
            assert reports.figures(tx, None, None) is first
        assert first.current and not first.unasked and first.report.lines == 3
    finally:
        reports.close()
        store.close()
