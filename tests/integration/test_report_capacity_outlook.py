"""`antrian report` carries the capacity outlook: per warehouse over capacity, the weeks, the POs and what to do."""

from __future__ import annotations

import json

import pytest

from tests import messages as m
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

# Given main holds 10 units and north 100; A's 3 units are on hand at main, and S1's po-2 brings
# 15 B there on day 3 (B's home: nothing received yet, so main), arriving on day 5 with S1's lateness
OVER_CAPACITY = (
    m.supplier_registered("s-1", "S1", ("A", "B")),
    m.warehouse_configured("w-1", "main", capacity_units=10),
    m.warehouse_configured("w-2", "north", capacity_units=100),
    m.stock_received("r-1", "A", 3, warehouse="main"),
    m.po_placed("p-2", "po-2", (("B", 15),), expected=m.day(3), at=m.ts(hours=1)),
)
NO_CAPACITY = tuple(message for message in OVER_CAPACITY if message["type"] != "WarehouseConfigured")


def report_json(messages, tmp_path, monkeypatch) -> dict:
    run, _ = cli_over(messages, tmp_path, monkeypatch)
    result = run("report", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_report_json_carries_the_outlook_for_a_warehouse_over_capacity(tmp_path, monkeypatch):
    outlook = report_json(OVER_CAPACITY, tmp_path, monkeypatch)["capacity_outlook"]
    assert outlook["configured"] and (outlook["as_of"], outlook["weeks"]) == ("2026-01-05", 8)
    main, north = outlook["warehouses"]
    # Then main is 8 units over from po-2's week (2026-W02) to the end of the horizon, because of po-2
    first = main["weeks_over"][0]
    assert (main["warehouse"], main["capacity_units"], main["capacity_volume"]) == ("main", 10, None)
    assert (first["week"], first["over_units"], first["over_volume"]) == ("2026-W02", 8, None)
    assert first["purchase_orders"] == [
        {"po_id": "po-2", "supplier_id": "S1", "units": 15, "skus": ["B"], "arrives": "2026-01-10"}
    ]
    assert [w["week"] for w in main["weeks_over"]][-1] == "2026-W10"
    # And the advice comes as fields (rent, per week; or receive po-2 at north, which holds it) and a sentence
    rent = main["advice"][0]
    assert (rent["kind"], rent["week"], rent["measure"], rent["amount"], rent["warehouse"]) == (
        "rent",
        "2026-W02",
        "units",
        8,
        "main",
    )
    elsewhere = main["advice"][-1]
    assert (elsewhere["kind"], elsewhere["po_id"], elsewhere["supplier_id"], elsewhere["warehouse"]) == (
        "receive_elsewhere",
        "po-2",
        "S1",
        "north",
    )
    assert main["advice_text"] == "rent space for 8 units from 2026-W02 to 2026-W10, or receive po-2 at north"
    # And north, within its capacity, is listed with nothing to do
    assert (north["warehouse"], north["weeks_over"], north["advice"], north["advice_text"]) == (
        "north",
        [],
        [],
        None,
    )


def test_the_text_report_reads_the_same_sentence(tmp_path, monkeypatch):
    run, _ = cli_over(OVER_CAPACITY, tmp_path, monkeypatch)
    text = run("report").output
    outlook = text.split("Capacity outlook", 1)[1].split("Definitions:", 1)[0]
    assert "8 weeks from 2026-01-05" in outlook
    assert "main: rent space for 8 units from 2026-W02 to 2026-W10, or receive po-2 at north" in outlook
    assert "north" not in outlook.replace("at north", "")


def test_report_json_carries_an_empty_outlook_when_no_warehouse_has_a_capacity(tmp_path, monkeypatch):
    # Given no WarehouseConfigured: nothing may be projected (a projection would fail the test)
    def projected(*args, **kwargs):
        raise AssertionError("the capacity projection ran without any capacity to project against")

    monkeypatch.setattr("services.capacity.capacity_outlook", projected)
    outlook = report_json(NO_CAPACITY, tmp_path, monkeypatch)["capacity_outlook"]
    assert outlook == {"configured": False, "as_of": None, "weeks": None, "demand": None, "warehouses": []}


def test_without_a_capacity_the_outlook_costs_no_projection_through_the_engine_either(
    memory_engine, monkeypatch
):
    # The HTTP service asks through its engine (no SQLite shortcut): the same early return
    from services.capacity_report import EMPTY, report_outlook

    def projected(*args, **kwargs):
        raise AssertionError("the capacity projection ran without any capacity to project against")

    m.apply(memory_engine, *NO_CAPACITY)
    monkeypatch.setattr("services.capacity.capacity_outlook", projected)
    assert report_outlook(memory_engine) == EMPTY
    # And once a warehouse has a capacity, the next ask projects
    monkeypatch.undo()
    m.apply(memory_engine, m.warehouse_configured("w-1", "main", capacity_units=10))
    assert report_outlook(memory_engine).configured
