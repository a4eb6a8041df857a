"""At 80 columns the tables keep ids and dates whole: other columns give way."""

from __future__ import annotations

import re

import orjson

from tests.e2e.test_cli import MESSAGES
from tests.support.cli import cli_over

LONG_ORDER = "order-with-a-rather-long-id-0001"


def test_queue_and_order_tables_keep_ids_and_dates_whole_at_80_columns(tmp_path, monkeypatch):
    # Given an order with a long id waiting in a queue
    order = {**MESSAGES[2], "order_id": LONG_ORDER}
    antrian, _ = cli_over([MESSAGES[0], MESSAGES[1], order], tmp_path, monkeypatch)
    monkeypatch.setenv("COLUMNS", "80")
    # When the queue, the top SKUs and the order are shown 80 columns wide
    shown = [antrian("queue", "A").output, antrian("queue").output, antrian("order", LONG_ORDER).output]
    # Then no line is wider than 80, and the id and the dates are there whole
    for output in shown:
        assert max(len(line) for line in output.splitlines()) <= 80, output
    assert LONG_ORDER in shown[0] and "2026-03-02" in shown[0]
    assert re.search(r"(^|│ )A\s", shown[1], re.M) and "2026-03-02" in shown[1]
    assert LONG_ORDER in shown[2]


def test_every_table_of_a_demo_shop_fits_80_columns_and_cuts_nothing(tmp_path, monkeypatch):
    # Given two weeks of the demo shop: long queues, purchase orders of several lines, notifications
    antrian, _ = cli_over([], tmp_path, monkeypatch)
    assert antrian("demo", "--days", "14", "--skus", "8").exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    sku = orjson.loads(antrian("queue", "--json").output)[0]["sku"]
    order = orjson.loads(antrian("queue", sku, "--json").output)["entries"][0]["order_id"]
    po = orjson.loads(antrian("purchase-orders", "--json").output)[0]["purchase_order_id"]
    commands = [
        ("queue",),
        ("queue", sku),
        ("order", order),
        ("purchase-orders",),
        ("replenishment",),
        ("suppliers",),
        ("report",),
        ("notifications", "list"),
        ("projections", "status"),
    ]
    for command in commands:
        # When each table is printed 80 columns wide
        shown = antrian(*command)
        assert shown.exit_code == 0, (command, shown.output)
        lines = [line.rstrip() for line in shown.output.splitlines()]
        # Then nothing is wider, and no cell is cut short: a table that cannot fit prints records
        assert max(len(line) for line in lines) <= 80, (command, shown.output)
        assert not any("…" in line for line in lines), (command, shown.output)
    assert order in antrian("queue", sku).output and sku in antrian("order", order).output
    assert po in antrian("purchase-orders").output
