"""`ops/pg/pg.sh restart` on a cluster of the test's own: same address, data kept."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from ops.provision import REPO, in_ci

pytestmark = pytest.mark.postgres

SCRIPT = REPO / "ops" / "pg" / "pg.sh"


def pg(home: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_PG_")}
    env["ANTRIAN_PG_HOME"] = str(home)
    return subprocess.run(
        ["bash", str(SCRIPT), command], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture
def cluster(tmp_path: Path):
    home = tmp_path / "pg"
    started = pg(home, "up")
    if started.returncode != 0:
        pg(home, "down")
        if in_ci() or shutil.which("initdb"):
            pytest.fail(f"could not start a cluster of the test's own:\n{started.stderr}")
        pytest.skip(f"could not start a cluster of the test's own: {started.stderr.splitlines()[-1:]}")
    yield home, started.stdout.strip()
    pg(home, "down")


def test_restart_keeps_the_data_and_the_address(cluster):
    # Given a cluster holding a row
    home, dsn = cluster
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CREATE TABLE kept (id int)")
        connection.execute("INSERT INTO kept VALUES (42)")
    # When it is restarted
    restarted = pg(home, "restart")
    # Then it answers on the same DSN with the row still there
    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout.strip() == dsn == (home / "dsn").read_text().strip()
    with psycopg.connect(dsn) as connection:
        assert connection.execute("SELECT id FROM kept").fetchall() == [(42,)]


def test_restart_of_a_cluster_that_is_not_running_says_so(tmp_path):
    stopped = pg(tmp_path / "none", "restart")

    assert stopped.returncode == 1
    assert "not running: nothing to restart" in stopped.stderr
