"""`--as-of` on the command line: the queue, an order, a stock position, an audit and the report as they were.

The store holds messages that arrived out of time order: o3 (13:00) before o2 (12:00).
"""

from __future__ import annotations

import json

import pytest

from tests import messages as m
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

MESSAGES = (
    m.stock_received("r1", "A", 3, at=m.ts(hours=0)),
    m.order_placed("m1", "o1", (("1", "A", 5),), "gold", at=m.ts(hours=1)),
    m.order_placed("m3", "o3", (("1", "A", 1),), at=m.ts(hours=3)),
    m.order_placed("m2", "o2", (("1", "A", 2),), at=m.ts(hours=2)),
    m.stock_received("r2", "A", 4, at=m.ts(hours=4)),
)
AFTER_O1 = "2026-01-05T11:30:00Z"  # o1 placed, nothing later
BETWEEN = "2026-01-05T12:30:00Z"  # o2 occurred by then, but was applied after o3 (13:00)
AFTER_ALL_BUT_R2 = "2026-01-05T13:30:00Z"
BEFORE_ALL = "2026-01-05T09:00:00Z"
FUTURE = "2030-01-01T00:00:00Z"


@pytest.fixture
def antrian(tmp_path, monkeypatch):
    run, _ = cli_over(MESSAGES, tmp_path, monkeypatch)
    return run


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_queue_as_of_an_instant_is_the_stocks_queue_then(antrian):
    found = as_json(antrian("queue", "A", "--as-of", AFTER_ALL_BUT_R2, "--json"))

    assert found["moment"]["exact"] is True
    assert [(e["order_id"], e["quantity"], e["units_ahead"]) for e in found["queue"]["entries"]] == [
        ("o1", 2, 0),
        ("o2", 2, 2),
        ("o3", 1, 4),
    ]
    assert (found["queue"]["on_hand"], found["queue"]["allocated"]) == (3, 3)


def test_an_instant_a_late_message_occurred_by_names_it_as_missing(antrian):
    found = as_json(antrian("queue", "A", "--as-of", BETWEEN, "--json"))

    assert found["moment"]["exact"] is False
    assert found["moment"]["missing"] == ["m2"]
    assert [e["order_id"] for e in found["queue"]["entries"]] == ["o1"]


def test_the_queue_as_text_says_when_the_answer_is_not_exact(antrian):
    result = antrian("queue", "A", "--as-of", BETWEEN)

    assert result.exit_code == 0, result.output
    assert "NOT EXACT: 1 message(s) occurred by 2026-01-05T12:30:00+00:00" in result.output
    assert "so this state lacks them: m2" in result.output


def test_an_order_as_of_an_instant_shows_its_lines_and_live_place_then(antrian):
    found = as_json(antrian("order", "o1", "--as-of", AFTER_O1, "--json"))

    (line,) = found["order"]["lines"]
    assert (line["allocated"], line["backordered"], line["position"], line["status"]) == (
        3,
        2,
        1,
        "partially_allocated",
    )


def test_an_order_not_yet_placed_at_the_instant_is_unknown_then(antrian):
    result = antrian("order", "o3", "--as-of", AFTER_O1)

    assert result.exit_code == 1
    assert "unknown order 'o3' at that instant: it was not placed yet" in result.output


def test_the_stock_position_as_of_an_instant_counts_what_was_on_hand_then(antrian):
    then = as_json(antrian("stock", "A", "--as-of", AFTER_ALL_BUT_R2, "--json"))["stock"]
    now = as_json(antrian("stock", "A", "--json"))["stock"]

    assert (then["on_hand_total"], then["units_waiting"]) == (3, 5)
    assert (now["on_hand_total"], now["units_waiting"]) == (7, 1)


def test_an_instant_before_the_first_message_knows_no_sku_and_says_so(antrian):
    result = antrian("stock", "A", "--as-of", BEFORE_ALL)

    assert result.exit_code == 1
    assert "0 message(s) applied, up to notification 0 (before the first message" in result.output
    assert "unknown SKU 'A' at that instant" in result.output


def test_an_instant_in_the_future_is_todays_state(antrian):
    future = as_json(antrian("queue", "A", "--as-of", FUTURE, "--json"))
    today = as_json(antrian("stock", "A", "--json"))

    assert future["moment"]["log_position"] is None and future["moment"]["exact"] is True
    assert future["queue"]["version"] == today["stock"]["version"]
    assert [e["order_id"] for e in future["queue"]["entries"]] == ["o3"]


@pytest.mark.parametrize("instant", ["yesterday", "2026-01-05T10:00:00", "2026-13-01T00:00Z"])
def test_an_instant_that_is_not_iso_with_a_zone_is_refused_naming_the_option(antrian, instant):
    result = antrian("queue", "A", "--as-of", instant)

    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_the_audit_as_of_an_instant_lists_the_events_stored_by_then(antrian):
    whole = antrian("audit", "o1")
    then = antrian("audit", "o1", "--as-of", AFTER_O1)

    assert then.exit_code == 0, then.output
    assert "order o1: 5 event(s)" in then.output
    assert "Stock.LineRequested" in then.output
    assert "BackorderFilled" in whole.output and "BackorderFilled" not in then.output


def test_the_report_as_of_an_instant_counts_the_lines_ordered_by_then(antrian):
    found = as_json(antrian("report", "--as-of", AFTER_O1, "--json"))

    assert (found["lines"], found["units"]) == (1, 5)
    assert found["moment"]["messages_applied"] == 2


def test_the_longest_queues_as_of_an_instant_are_refused_naming_the_option(antrian):
    result = antrian("queue", "--as-of", AFTER_O1)

    assert result.exit_code == 2
    assert "--as-of shows one SKU's queue: give the SKU" in result.output
