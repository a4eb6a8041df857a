"""`antrian capacity` on a small demo store, run as processes, after `antrian plan run`."""

from __future__ import annotations

import json

import pytest

from simulation import DemoOptions
from simulation.shop import Shop
from tests.support.process import antrian, small_demo, write_jsonl

pytestmark = pytest.mark.e2e

WAREHOUSE = {
    "message_id": "wh-1",
    "type": "WarehouseConfigured",
    "occurred_at": "2026-01-05T07:00:00Z",
    "warehouse": "main",
    "capacity_units": 40,
    "capacity_volume": "2.5",
}
VOLUME = {
    "message_id": "sku-vol-1",
    "type": "SkuConfigured",
    "schema_version": 2,
    "occurred_at": "2026-01-05T07:00:00Z",
    "sku": "SKU-001",
    "reorder_point": 0,
    "safety_stock": 0,
    "reason": "measured",
    "unit_volume": "0.05",
}
SMALL_DEMO = DemoOptions(days=28, skus=4, orders_per_day=10)  # tests/support/process.py's small_demo


def world_of(options: DemoOptions):
    return Shop(options, engine=None).world


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("capacity") / "demo.sqlite")


def test_without_a_run_the_projection_says_so_and_checks_the_capacity_the_demo_configured(demo_store):
    found = antrian("capacity", "--json", db=demo_store)
    assert found.returncode == 0, found.stderr
    body = json.loads(found.stdout)
    assert body["demand"].startswith("no planning run yet")
    # the demo tells its warehouse's capacity (WarehouseConfigured): twelve days of the usual demand
    main = next(w for w in body["warehouses"] if w["warehouse"] == "main")
    assert main["capacity_units"] == world_of(SMALL_DEMO).warehouse_capacity


def test_after_a_plan_run_and_a_warehouse_configured_the_weeks_over_capacity_and_suggestions_show(
    demo_store, tmp_path
):
    # Given a warehouse holding 40 units (2.5 volume) and one SKU's unit volume, and a planning run
    ingested = antrian("ingest", str(write_jsonl(tmp_path / "wh.jsonl", [WAREHOUSE, VOLUME])), db=demo_store)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    run_id = antrian("plan", "run", db=demo_store).stdout.strip()

    # When the capacity is projected over 4 weeks
    found = antrian("capacity", "--weeks", "4", "--json", db=demo_store)

    # Then it uses the run's forecast and shows the main warehouse over capacity, with suggestions
    assert found.returncode == 0, found.stderr
    body = json.loads(found.stdout)
    assert body["run_id"] == run_id and run_id in body["demand"]
    main = next(w for w in body["warehouses"] if w["warehouse"] == "main")
    assert (main["capacity_units"], main["capacity_volume"]) == (40, "2.5")
    assert len(main["weeks"]) in (4, 5)  # 28 days may touch five ISO weeks
    assert main["overflows"] and main["overflows"][0]["over"] > 0
    assert main["suggestions"][0]["text"].startswith("rent space for ")
    assert "SKU-001" not in main["unknown_volume"] and "SKU-002" in main["unknown_volume"]

    # And the table reads at 80 columns
    table = antrian("capacity", "--weeks", "4", db=demo_store)
    assert table.returncode == 0, table.stderr
    assert "main: holds 40 units and 2.5 volume" in table.stdout
    assert "rent space for" in table.stdout and "home warehouse" in table.stdout

    # And the periodic report lists what to do in its capacity outlook
    report = antrian("report", db=demo_store)
    assert report.returncode == 0, report.stderr
    outlook = report.stdout.split("Capacity outlook", 1)[1].split("Definitions:", 1)[0]
    assert "main: rent space for " in outlook
