"""`antrian projections run` as a process, from the log or Kafka: killed mid-way, it resumes without a duplicate or a gap."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.bootstrap import log_feed
from infra.kafka.relay import OutboundRelay, relay_producer
from projections import catalog
from projections.runner import ProjectionRunner
from projections.store import SqliteReadStore
from services.engine import Engine
from simulation import DemoOptions, run_demo
from tests.conftest import make_engine
from tests.support.kafka_topics import fresh_outbound_topics

pytestmark = pytest.mark.e2e

WAIT = 120.0  # seconds: a cap for progress, never a performance expectation
DEMO = DemoOptions(days=14, skus=8, orders_per_day=25)


def antrian(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "from infra.cli.main import main; main()", "--db", str(db), *args]


def progress(read_db: Path) -> dict[str, int]:
    """Per projection, how far it got: the sum of its positions over the feed's keys (read-only, as a monitor)."""
    if not read_db.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{read_db}?mode=ro", uri=True, timeout=5) as connection:
            query = "SELECT projection, SUM(position) FROM projection_positions GROUP BY projection"
            return dict(connection.execute(query).fetchall())
    except sqlite3.OperationalError:  # the runner has not created its tables yet
        return {}


def kill_mid_way(process: subprocess.Popen[bytes], read_db: Path, total: int) -> dict[str, int]:
    """SIGKILL `process` once every projection has committed a quarter of the feed or more, but not all of it."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and process.poll() is None:
        done = progress(read_db)
        if len(done) == len(catalog.CATALOG) and all(total // 4 < p < total for p in done.values()):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return done
        time.sleep(0.005)
    process.kill()
    pytest.fail(f"never saw the runner part-way (exit code {process.poll()}, progress {progress(read_db)})")


def assert_same_as_one_clean_pass(engine: Engine, read_db: Path, killed_at: dict[str, int]) -> None:
    clean = ProjectionRunner(SqliteReadStore(":memory:"), catalog.build())
    clean.run(log_feed(engine))
    after = ProjectionRunner(SqliteReadStore(read_db), catalog.build())
    assert after.export() == clean.export(), f"killed at {killed_at}"
    assert {n: s.applied for n, s in after.states().items()} == {
        n: s.applied for n, s in clean.states().items()
    }


def demo_store(tmp_path: Path) -> tuple[Engine, Path]:
    db = tmp_path / "events.sqlite"
    engine = make_engine("sqlite", db)
    run_demo(engine, DEMO)
    return engine, db


def start(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def test_a_runner_killed_mid_way_resumes_to_exactly_a_clean_builds_read_models(tmp_path):
    # Given the demo shop's history in a SQLite event store
    engine, db = demo_store(tmp_path)
    end = engine.recorder.max_notification_id() + 1
    read_db = db.with_suffix(".read.sqlite")

    # When a runner following the log in small batches is killed part-way through
    running = start(antrian(db, "projections", "run", "--batch", "2"), tmp_path / "run.log")
    killed_at = kill_mid_way(running, read_db, end)

    # And a new one catches up and exits
    resumed = subprocess.run(antrian(db, "projections", "run", "--once"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr

    # Then the read models are exactly those of one clean pass over the log
    assert_same_as_one_clean_pass(engine, read_db, killed_at)
    after = ProjectionRunner(SqliteReadStore(read_db), catalog.build())
    assert all(
        position.position == end for by_feed in after.positions().values() for position in by_feed.values()
    )


@pytest.mark.kafka
def test_a_kafka_runner_killed_mid_way_resumes_from_the_read_store_to_a_clean_builds_read_models(
    kafka_bootstrap, tmp_path
):
    # Given the demo's history relayed to the outbound topics (4 partitions each)
    engine, db = demo_store(tmp_path)
    topics = fresh_outbound_topics(kafka_bootstrap)
    prefix = topics.prefix
    relay = OutboundRelay(engine, relay_producer(kafka_bootstrap), topics)
    published = relay.run(idle_polls=2).published
    relay.producer.close()
    env = {**os.environ, "ANTRIAN_KAFKA_BOOTSTRAP": kafka_bootstrap, "ANTRIAN_TOPIC_PREFIX": prefix}
    read_db = db.with_suffix(".read.sqlite")

    # When a runner following the topics in small batches is killed part-way through
    running = start(antrian(db, "projections", "run", "--kafka", "--batch", "2"), tmp_path / "run.log", env)
    killed_at = kill_mid_way(running, read_db, published)

    # And a new one in the same consumer group catches up and exits
    resumed = subprocess.run(
        antrian(db, "projections", "run", "--kafka", "--once"), capture_output=True, text=True, env=env
    )
    assert resumed.returncode == 0, resumed.stderr

    # Then the read models are those of one clean pass, and every partition was read to its end
    assert_same_as_one_clean_pass(engine, read_db, killed_at)
    assert set(progress(read_db).values()) == {published}
