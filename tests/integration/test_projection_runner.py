"""The projection runner's guarantees, with a projection that records every event it is given.

`Trail` inserts one row per event with a plain INSERT keyed by notification id,
so an event applied twice is an integrity error, not a quietly wrong count.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.bootstrap import log_feed
from infra.cli.main import app
from projections import catalog
from projections.base import Projection, handles
from projections.event import ProjectedEvent
from projections.feeds import LOG_FEED
from projections.runner import Batch, ProjectionRunner
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore
from services.engine import Engine
from services.outbound import PAYLOADS
from simulation import DemoOptions, run_demo
from tests.conftest import make_engine

pytestmark = pytest.mark.integration

SMALL_DEMO = DemoOptions(days=4, skus=4, orders_per_day=10)


class Trail(Projection):
    name = "trail"
    tables = {
        "trail_events": "notification_id BIGINT PRIMARY KEY, event_type TEXT NOT NULL,"
        " aggregate_id TEXT NOT NULL, aggregate_version INTEGER NOT NULL"
    }

    @handles(*PAYLOADS)
    def record(self, tx, event: ProjectedEvent) -> None:
        tx.execute(
            "INSERT INTO trail_events (notification_id, event_type, aggregate_id, aggregate_version)"
            " VALUES (?, ?, ?, ?)",
            (event.notification_id, event.event_type, event.aggregate_id, event.aggregate_version),
        )


class Tripwire(Trail):
    """Fails on one notification id until disarmed, like a handler bug fixed by a redeploy."""

    name = "tripwire"
    tables = {"tripwire_events": Trail.tables["trail_events"]}

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at

    @handles(*PAYLOADS)
    def record(self, tx, event: ProjectedEvent) -> None:
        if event.notification_id == self.fail_at:
            raise RuntimeError(f"handler bug at {event.notification_id}")
        tx.execute(
            "INSERT INTO tripwire_events (notification_id, event_type, aggregate_id, aggregate_version)"
            " VALUES (?, ?, ?, ?)",
            (event.notification_id, event.event_type, event.aggregate_id, event.aggregate_version),
        )


def demo_engine(path: Path | None = None) -> Engine:
    engine = make_engine("sqlite", path) if path else make_engine("memory")
    run_demo(engine, SMALL_DEMO)
    return engine


def published(engine: Engine) -> list[ProjectedEvent]:
    """Every event the engine's log publishes, in log order."""
    batch = log_feed(engine).poll(1_000_000)
    return batch.events


def trail_ids(runner: ProjectionRunner, table: str = "trail_events") -> list[int]:
    with runner.store.reading() as tx:
        return [row[0] for row in tx.all(f"SELECT notification_id FROM {table} ORDER BY notification_id")]


def fresh_runner(*projections: Projection) -> ProjectionRunner:
    return ProjectionRunner(SqliteReadStore(":memory:"), list(projections) or [Trail()])


def as_partition(events: list[ProjectedEvent], feed: str, first_offset: int) -> list[ProjectedEvent]:
    """`events` as a Kafka partition holds them from `first_offset` (position = next offset)."""
    return [replace(e, feed=feed, position=first_offset + i + 1) for i, e in enumerate(events)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def read_store(request, tmp_path) -> Iterator[ReadStore]:
    if request.param == "postgres":
        store: ReadStore = PostgresReadStore(*request.getfixturevalue("postgres_schema"))
    else:
        store = SqliteReadStore(tmp_path / "read.sqlite")
    yield store
    store.close()


def test_a_redelivered_batch_changes_nothing(read_store):
    events = published(demo_engine())
    runner = ProjectionRunner(read_store, [Trail()])
    batch = Batch(events=events[:50], advance={LOG_FEED: events[49].position})
    runner.apply(batch)
    before, positions = runner.export(), runner.positions()

    again = runner.apply(batch)

    assert again.per_projection == {"trail": 0}
    assert (again.events, again.repeats) == (0, 50)
    assert runner.export() == before
    assert runner.positions() == positions
    assert trail_ids(runner) == [e.notification_id for e in events[:50]]


def test_a_handler_failing_mid_batch_rolls_back_every_projections_rows_and_positions(read_store):
    # Given two projections caught up with the first 40 events
    events = published(demo_engine())
    tripwire = Tripwire(fail_at=events[60].notification_id)
    runner = ProjectionRunner(read_store, [Trail(), tripwire])
    runner.apply(Batch(events=events[:40], advance={LOG_FEED: events[39].position}))
    before, positions = runner.export(), runner.positions()

    # When one handler fails on the 21st event of the next batch
    with pytest.raises(RuntimeError, match="handler bug"):
        runner.apply(Batch(events=events[40:80], advance={LOG_FEED: events[79].position}))

    # Then neither projection kept rows or moved its position
    assert runner.export() == before
    assert runner.positions() == positions
    # And once the bug is fixed the same batch applies every event exactly once
    tripwire.fail_at = -1
    runner.apply(Batch(events=events[40:80], advance={LOG_FEED: events[79].position}))
    expected = [e.notification_id for e in events[:80]]
    assert trail_ids(runner) == trail_ids(runner, "tripwire_events") == expected


def test_two_runners_on_one_sqlite_read_store_never_apply_an_event_twice(tmp_path):
    # Given a history in a SQLite event store and two runners, each with its own connections
    demo_engine(tmp_path / "events.sqlite").close()
    runners = [ProjectionRunner(SqliteReadStore(tmp_path / "read.sqlite"), [Trail()]) for _ in range(2)]
    engines = [make_engine("sqlite", tmp_path / "events.sqlite") for _ in runners]
    failures: list[BaseException] = []
    applied: list[int] = []
    start = threading.Barrier(len(runners))

    def catch_up(runner: ProjectionRunner, engine: Engine) -> None:
        try:
            start.wait()
            applied.append(runner.run(log_feed(engine), batch_size=7).per_projection["trail"])
        except BaseException as failure:  # noqa: BLE001 - reported by the assertion below
            failures.append(failure)

    # When both catch up at the same time, in small overlapping batches
    threads = [threading.Thread(target=catch_up, args=pair) for pair in zip(runners, engines, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every event was applied once, by one runner or the other
    assert failures == []
    expected = [e.notification_id for e in published(engines[0])]
    assert trail_ids(runners[0]) == expected
    assert sum(applied) == len(expected)


def test_relay_repeats_at_new_offsets_are_skipped():
    # Given the events of one partition, then the relay republishing the first 30 after a crash
    events = published(demo_engine())[:100]
    first = as_partition(events[:50], "t.order:0", 0)
    repeat = as_partition(events[20:], "t.order:0", 50)
    runner = fresh_runner()
    runner.apply(Batch(events=first, advance={"t.order:0": first[-1].position}))

    # When the partition is read on, repeats and new events alike
    done = runner.apply(Batch(events=repeat, advance={"t.order:0": repeat[-1].position}))

    # Then only the new events are applied (and counted), and the position is past the repeats
    assert done.per_projection == {"trail": 50}
    assert (done.events, done.repeats) == (50, 30)
    assert trail_ids(runner) == [e.notification_id for e in events]
    assert runner.positions()["trail"]["t.order:0"].position == repeat[-1].position


def test_events_already_applied_from_one_partition_do_not_hold_back_another():
    events = published(demo_engine())[:60]
    runner = fresh_runner()
    runner.apply(Batch(events=as_partition(events[30:], "t.stock:1", 0), advance={"t.stock:1": 30}))

    runner.apply(Batch(events=as_partition(events[:30], "t.order:0", 0), advance={"t.order:0": 30}))

    assert trail_ids(runner) == [e.notification_id for e in events]


class Stop:
    """`until` for a run that is interrupted after `batches` batches."""

    def __init__(self, batches: int) -> None:
        self.left = batches

    def __call__(self) -> bool:
        self.left -= 1
        return self.left <= 0


def test_an_interrupted_rebuild_resumes_without_dropping_what_it_rebuilt(tmp_path):
    # Given a caught-up projection whose rebuild was interrupted after 3 batches of 50
    engine = demo_engine(tmp_path / "events.sqlite")
    runner = ProjectionRunner(SqliteReadStore(tmp_path / "read.sqlite"), [Trail()])
    runner.run(log_feed(engine))
    complete = runner.export()
    assert runner.start_rebuild() == ["trail"]
    runner.run(log_feed(engine), batch_size=50, until=Stop(3))
    partial = trail_ids(runner)
    assert 0 < len(partial) < len(complete["trail"]["trail_events"])

    # When the rebuild is started again, as a new process would
    again = ProjectionRunner(SqliteReadStore(tmp_path / "read.sqlite"), [Trail()])
    assert again.start_rebuild() == []
    assert trail_ids(again) == partial
    done = again.run(log_feed(engine))
    again.finish_rebuild()

    # Then it carried on from where it stopped and ended where a full build ends
    assert done.per_projection["trail"] == len(complete["trail"]["trail_events"]) - len(partial)
    assert again.export() == complete
    assert again.states()["trail"].status == "live"


def test_a_restarted_rebuild_starts_over(tmp_path):
    engine = demo_engine(tmp_path / "events.sqlite")
    runner = ProjectionRunner(SqliteReadStore(tmp_path / "read.sqlite"), [Trail()])
    runner.start_rebuild()
    runner.run(log_feed(engine), batch_size=50, until=Stop(3))

    assert runner.start_rebuild(restart=True) == ["trail"]

    assert trail_ids(runner) == []
    assert runner.positions() == {"trail": {}}
    assert runner.states()["trail"].applied == 0


# ------------------------------------------------------------------ the command line


class Cli:
    """`antrian --db <db> projections ...` in this process; the read store is next to the event store."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.read_db = db.with_suffix(".read.sqlite")

    def __call__(self, *args: str) -> str:
        result = CliRunner().invoke(app, ["--db", str(self.db), "projections", *args])
        assert result.exit_code == 0, result.output
        return result.output


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    """The command line with Trail in the catalog and no ANTRIAN_* settings from outside."""
    monkeypatch.setitem(catalog.CATALOG, "trail", f"{__name__}:Trail")
    monkeypatch.setenv("COLUMNS", "200")
    for name in [k for k in os.environ if k.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    return Cli(tmp_path / "events.sqlite")


def status_row(output: str, projection: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if re.search(rf"\b{projection}\b", line)]
    return [cell.strip() for cell in re.split(r"[│|]", line) if cell.strip()]


def test_status_shows_how_far_behind_the_log_a_projection_is(cli):
    # Given a history of which the projection applied the first 100 notifications' events
    engine = demo_engine(cli.db)
    end = engine.recorder.max_notification_id() + 1
    runner = ProjectionRunner(SqliteReadStore(cli.read_db), [Trail()])
    runner.run(log_feed(engine), batch_size=100, until=Stop(1))
    position = runner.positions()["trail"][LOG_FEED].position

    # When the operator asks for the status
    row = status_row(cli("status", "trail"), "trail")

    # Then it shows the position, the log's end and the lag between them
    applied = len(trail_ids(runner))
    assert row == ["trail", "live", "1", "log", str(position), str(end), str(end - position), str(applied)]
    assert 0 < end - position < end


def test_rebuild_on_the_command_line_resumes_an_interrupted_rebuild_and_restart_starts_over(cli):
    engine = demo_engine(cli.db)
    runner = ProjectionRunner(SqliteReadStore(cli.read_db), [Trail()])
    runner.start_rebuild()
    runner.run(log_feed(engine), batch_size=50, until=Stop(2))
    total, partial = len(published(engine)), len(trail_ids(runner))

    resumed = cli("rebuild", "trail")
    assert "resuming the interrupted rebuild of trail" in resumed
    assert f"rebuilt trail: {total - partial} event(s)" in resumed
    assert len(trail_ids(runner)) == total

    restarted = cli("rebuild", "trail", "--restart")
    assert "resuming" not in restarted
    assert f"rebuilt trail: {total} event(s)" in restarted
    assert trail_ids(runner) == [e.notification_id for e in published(engine)]


def test_rebuilding_from_an_empty_log_finishes_at_once(cli):
    assert "rebuilt trail: 0 event(s)" in cli("rebuild", "trail")
    assert status_row(cli("status", "trail"), "trail") == ["trail", "live", "1", "log", "0", "0", "0", "0"]


@pytest.mark.kafka
def test_read_models_fed_from_kafka_report_their_lag_in_kafka_and_count_relay_repeats_as_dropped(
    cli, monkeypatch, kafka_bootstrap
):
    from infra.kafka.relay import OutboundRelay, relay_producer
    from tests.support.kafka_topics import fresh_outbound_topics

    # Given a store whose events two relays unaware of each other both published
    engine = demo_engine(cli.db)
    topics = fresh_outbound_topics(kafka_bootstrap)
    relays = [OutboundRelay(engine, relay_producer(kafka_bootstrap), topics) for _ in range(2)]
    for relay in relays:
        relay.run(idle_polls=2)
        relay.producer.close()
    monkeypatch.setenv("ANTRIAN_KAFKA_BOOTSTRAP", kafka_bootstrap)
    monkeypatch.setenv("ANTRIAN_TOPIC_PREFIX", topics.prefix)
    events = len(published(engine))

    # When the read models are built from the topics
    ran = cli("run", "trail", "--kafka", "--once")

    # Then each event counts once as applied, and the repeats as dropped
    assert f"applied {events} event(s)" in ran
    assert f"dropped {events} repeat(s) already applied" in ran

    # And their status, asked without --kafka, is their lag in the partitions they read:
    # none, and no row for the event store's log, which they never read
    rows = status_rows(cli("status", "trail"))
    assert rows and all(row[3].startswith(topics.prefix) and row[6] == "0" for row in rows), rows

    # And a position left in the log by an earlier build from it is not shown with --kafka
    runner = ProjectionRunner(SqliteReadStore(cli.read_db), [Trail()])
    runner.apply(Batch(events=[], advance={LOG_FEED: 5}))
    assert status_rows(cli("status", "trail", "--kafka")) == rows


def status_rows(output: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in re.split(r"[│|]", line) if cell.strip()]
        for line in output.splitlines()
        if re.search(r"\btrail\b", line)
    ]
