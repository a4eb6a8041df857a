"""`antrian demo --planning on|off` and `--compare-planning`, run as processes."""

from __future__ import annotations

import pytest

from tests.support.process import antrian

pytestmark = pytest.mark.e2e

SMALL = ("--days", "8", "--skus", "4", "--orders-per-day", "8")


def test_planning_on_prints_the_weekly_planning_runs_it_applied(tmp_path):
    shown = antrian("demo", *SMALL, "--planning", "on", db=tmp_path / "demo.sqlite")
    assert shown.returncode == 0, shown.stderr
    assert "planning on" in shown.stdout.splitlines()[0]
    assert "Planning       1 planning run (one a week)" in shown.stdout
    for figure in ("units on hand on a mean day", "over the warehouse's capacity", "on purchase orders"):
        assert figure in shown.stdout


def test_compare_planning_prints_both_columns_and_keeps_each_run_in_its_own_store(tmp_path):
    db = tmp_path / "demo.sqlite"
    # When the demo is compared with and without planning
    shown = antrian("demo", *SMALL, "--compare-planning", db=db)
    # Then the table has a column for each, and each run is in a store next to --db
    assert shown.returncode == 0, shown.stderr
    rows = [row.split() for row in shown.stdout.splitlines()]
    assert ["planning", "off", "planning", "on", "change"] in rows
    (fill_rate,) = [row for row in rows if row[:2] == ["fill", "rate"]]
    assert sum(cell.endswith("%") for cell in fill_rate) == 2 and fill_rate[-1] == "pts", fill_rate
    for switch in ("off", "on"):
        store = tmp_path / f"demo-planning-{switch}.sqlite"
        assert store.is_file() and f"planning {switch:<3} store: {store}" in shown.stdout
    assert not db.exists()
    # And a second comparison needs --fresh, as the demo does
    again = antrian("demo", *SMALL, "--compare-planning", db=db)
    assert again.returncode == 2 and "--fresh" in again.stderr
    fresh = antrian("demo", *SMALL, "--compare-planning", "--fresh", db=db)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.split("(simulated")[0] == shown.stdout.split("(simulated")[0]
