"""At 80 columns the tables keep ids and dates whole: other columns give way."""

from __future__ import annotations

import re

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
    assert re.search(r"│ A\s+│", shown[1]) and "2026-03-02" in shown[1]
    assert LONG_ORDER in shown[2]
