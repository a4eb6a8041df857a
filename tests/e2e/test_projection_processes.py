"""`antrian projections run` as a process: killed mid-way, it resumes without a duplicate or a gap."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.read_side import log_feed
from projections import catalog
from projections.runner import ProjectionRunner
from projections.store import SqliteReadStore
from services.simulation import DemoOptions, run_demo
from tests.conftest import make_engine

pytestmark = pytest.mark.e2e

WAIT = 120.0  # seconds: a cap for progress, never a performance expectation
DEMO = DemoOptions(days=14, skus=8, orders_per_day=25)


def antrian(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "from infra.cli import main; main()", "--db", str(db), *args]


def log_positions(read_db: Path) -> list[int]:
    """Each projection's position in the log, read the way a monitoring tool would (read-only)."""
    if not read_db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{read_db}?mode=ro", uri=True, timeout=5) as connection:
            return [row[0] for row in connection.execute("SELECT position FROM projection_positions")]
    except sqlite3.OperationalError:  # the runner has not created its tables yet
        return []


def kill_mid_way(process: subprocess.Popen[bytes], read_db: Path, end: int) -> list[int]:
    """SIGKILL `process` once every projection has committed a quarter of the log or more, but not all of it."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and process.poll() is None:
        positions = log_positions(read_db)
        if len(positions) == len(catalog.CATALOG) and all(end // 4 < p < end for p in positions):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return positions
        time.sleep(0.005)
    process.kill()
    pytest.fail(
        f"never saw the runner part-way (exit code {process.poll()}, positions {log_positions(read_db)})"
    )


def test_a_runner_killed_mid_way_resumes_to_exactly_a_clean_builds_read_models(tmp_path):
    # Given the demo shop's history in a SQLite event store
    db = tmp_path / "events.sqlite"
    engine = make_engine("sqlite", db)
    run_demo(engine, DEMO)
    end = engine.recorder.max_notification_id() + 1
    read_db = db.with_suffix(".read.sqlite")

    # When a runner following the log in small batches is killed part-way through
    with (tmp_path / "run.log").open("wb") as out:
        running = subprocess.Popen(
            antrian(db, "projections", "run", "--batch", "2"), stdout=out, stderr=subprocess.STDOUT
        )
    killed_at = kill_mid_way(running, read_db, end)

    # And a new one catches up and exits
    resumed = subprocess.run(antrian(db, "projections", "run", "--once"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr

    # Then the read models are exactly those of one clean pass over the log
    clean = ProjectionRunner(SqliteReadStore(":memory:"), catalog.build())
    clean.run(log_feed(engine))
    after = ProjectionRunner(SqliteReadStore(read_db), catalog.build())
    assert after.export() == clean.export(), f"killed at positions {killed_at}"
    assert {n: s.applied for n, s in after.states().items()} == {
        n: s.applied for n, s in clean.states().items()
    }
    assert all(
        position.position == end for by_feed in after.positions().values() for position in by_feed.values()
    )
