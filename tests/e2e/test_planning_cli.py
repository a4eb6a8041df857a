"""`antrian plan run|replay|apply` and `antrian forecast` on a small demo store, run as processes."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from tests.support.process import antrian, small_demo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("plan") / "demo.sqlite")


def test_a_planning_run_prints_its_id_replays_to_a_match_and_is_applied(demo_store):
    # Given a demo store, when a run is made
    run = antrian("plan", "run", db=demo_store)
    assert run.returncode == 0, run.stderr
    run_id = run.stdout.strip()
    uuid.UUID(run_id)
    assert "planned 4 SKUs as of" in run.stderr

    # Then it replays to a match
    replay = antrian("plan", "replay", run_id, db=demo_store)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert replay.stdout.startswith(f"MATCH: run {run_id}")

    # And applying one SKU sends its SkuConfigured, seen in its audit as the caller's
    applied = antrian("plan", "apply", run_id, "--sku", "SKU-001", db=demo_store)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith("SKU-001: applied: reorder point ")
    audit = antrian("audit", "--sku", "SKU-001", db=demo_store)
    assert f"message plan:{run_id}:SKU-001" in audit.stdout

    # And applying the whole run leaves that SKU unchanged and applies the others
    everything = antrian("plan", "apply", run_id, db=demo_store)
    assert everything.returncode == 0, everything.stderr
    lines = everything.stdout.splitlines()
    assert lines[0].startswith("SKU-001: unchanged") and len(lines) == 4
    assert all("order-up-to" in line for line in lines)  # SkuConfigured v3: the SKUs buy ahead
    worklist = json.loads(antrian("replenishment", "--json", db=demo_store).stdout)
    ahead = [item for item in worklist if "order-up-to" in item["reason"]]
    assert ahead and all(item["covers"]["lines"] == 0 for item in ahead)  # before anyone waits

    # And every decision since, replenishment under replenish-v2 included, replays to a match
    verify = antrian("replay", "verify", db=demo_store)
    assert verify.returncode == 0 and " 0 DIFF" in verify.stdout, verify.stdout


def test_the_forecast_shows_the_latest_runs_class_method_and_band(demo_store):
    run_id = antrian("plan", "run", "--as-of", "2026-01-20", db=demo_store).stdout.strip()

    shown = antrian("forecast", "SKU-002", "--json", db=demo_store)

    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert (body["run_id"], body["as_of"]) == (run_id, "2026-01-20")
    (sku,) = body["skus"]
    assert sku["sku"] == "SKU-002" and len(sku["forecast"]) == 56
    assert all(hi >= mean for hi, mean in zip(sku["p90"], sku["forecast"], strict=True))
    table = antrian("forecast", db=demo_store)
    assert table.returncode == 0 and "wk8" in table.stdout and "SKU-004" in table.stdout


def test_the_backtest_prints_each_class_and_the_runs_method(demo_store):
    found = antrian("forecast", "backtest", "--from", "2026-01-19", db=demo_store)

    assert found.returncode == 0, found.stderr
    assert "SeasonalNaive" in found.stdout and "the run's method" in found.stdout


def test_an_unknown_run_is_named_and_a_malformed_id_is_a_usage_error(demo_store):
    assert antrian("plan", "replay", str(uuid.uuid4()), db=demo_store).returncode == 1
    assert antrian("plan", "apply", "nope", db=demo_store).returncode == 2


def test_commands_that_do_not_plan_never_import_the_forecasting_library():
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from infra.cli.main import app\n"
        "for args in (['--help'], ['plan', '--help'], ['forecast', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "print(sorted(m for m in ('statsforecast', 'pandas') if m in sys.modules))\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
