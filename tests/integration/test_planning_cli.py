"""`antrian plan run` with automatic apply, over a store filled by `antrian ingest`."""

from __future__ import annotations

import pytest

from tests.integration.test_planning_runs import world
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

HISTORY = world([(d, "A", 4) for d in range(30)] + [(d, "B", 1 + d % 3) for d in range(0, 30, 2)])


def test_a_run_applies_at_once_the_skus_that_opted_in_and_no_others(tmp_path, monkeypatch):
    # Given SKU A opted in to automatic apply
    antrian, _ = cli_over(HISTORY, tmp_path, monkeypatch)
    monkeypatch.setenv("ANTRIAN_PLAN_AUTO_APPLY", "A")
    monkeypatch.setenv("ANTRIAN_CALLER", "cli:planner")

    # When a run is made
    ran = antrian("plan", "run")

    # Then A's recommendation is applied, by the caller, and B's is not
    assert ran.exit_code == 0, ran.output
    assert "A: applied: reorder point 0 -> 35, safety stock 0 -> 7" in ran.output
    assert "B:" not in ran.output
    audit = antrian("audit", "--sku", "A")
    assert "by cli:planner" in audit.output


def test_without_an_opt_in_a_run_applies_nothing(tmp_path, monkeypatch):
    antrian, _ = cli_over(HISTORY, tmp_path, monkeypatch)

    ran = antrian("plan", "run")

    assert ran.exit_code == 0, ran.output
    assert "applied" not in ran.output.replace("planned", "")
