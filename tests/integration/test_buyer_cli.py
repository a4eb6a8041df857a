"""`antrian purchase-orders`, `replenishment` and `suppliers` over a store filled by `antrian ingest`."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_purchase_orders_read import CANCELLED, DELAYED_TWICE, ORDERS, PARTS, SUPPLY
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

HISTORY = (*SUPPLY, *ORDERS, *DELAYED_TWICE, *CANCELLED, *PARTS)


def test_purchase_orders_lists_open_pos_and_all_of_them_as_tables_and_json(tmp_path, monkeypatch):
    antrian, _ = cli_over(HISTORY, tmp_path, monkeypatch)

    table = antrian("purchase-orders")
    every = json.loads(antrian("purchase-orders", "--all", "--json").stdout)

    assert table.exit_code == 0, table.output
    assert "P1" in table.stdout and "delayed" in table.stdout and "P2" not in table.stdout
    assert [po["purchase_order_id"] for po in every] == ["P3", "P2", "P1"]
    assert [r["kind"] for r in every[2]["revisions"]] == ["placed", "confirmed", "delayed", "delayed"]
    only_b = json.loads(
        antrian("purchase-orders", "--all", "--sku", "B", "--supplier", "S1", "--json").stdout
    )
    assert [po["purchase_order_id"] for po in only_b] == ["P3", "P2"]


def test_replenishment_and_suppliers_print_the_worklist_and_scorecards(tmp_path, monkeypatch):
    antrian, _ = cli_over(HISTORY, tmp_path, monkeypatch)

    worklist = json.loads(antrian("replenishment", "--json").stdout)
    cards = json.loads(antrian("suppliers", "--json").stdout)
    s1 = antrian("suppliers", "S1")

    assert [(item["sku"], item["supplier_id"]) for item in worklist] == [("A", "S1")]
    assert [card["supplier_id"] for card in cards] == ["S1", "S2"]
    buckets = cards[0]["delay_distribution"]["buckets"]  # S1: P3 first received a day late
    assert [(b["bucket"], b["pos"]) for b in buckets if b["pos"]] == [("late_1_2", 1)]
    assert "1-2" in s1.stdout
    assert s1.exit_code == 0 and "2026-01" in s1.stdout, s1.output
    unknown = antrian("suppliers", "nobody")
    assert unknown.exit_code == 1 and "unknown supplier" in unknown.output
