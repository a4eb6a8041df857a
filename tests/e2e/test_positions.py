"""`antrian positions show|reset`: the engine's stored positions, moved with the engines stopped."""

# ruff: noqa: F811 - the fixtures of test_kafka_processes are imported, then named as parameters

from __future__ import annotations

import pytest

from infra.kafka.inbound import feed_name
from tests import messages as m
from tests.e2e.test_kafka_processes import (  # noqa: F401 - fixtures among them
    antrian,
    applied_message_ids,
    create_topics,
    prefix,
    registry,
    store,
    upstream,
    wait_for,
    wait_until_consumed,
)

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

MESSAGES = [m.stock_received(f"r-{i}", "A", 1, at=m.ts(0, i)) for i in range(1, 6)]


@pytest.fixture
def consumed(antrian, store, upstream, registry, kafka_bootstrap):
    """Five receipts on one partition of the inventory topic, applied by an engine now stopped."""
    create_topics(kafka_bootstrap, registry, inbound_partitions=1)
    upstream.publish(MESSAGES)
    engine = antrian.engine("--batch", "10", "--no-relay")
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    assert antrian.stop(engine) == 0, antrian.tail(engine)
    return feed_name(registry.inventory.name, 0)


def test_a_position_reset_to_an_offset_makes_the_engine_read_from_there_again(
    antrian, store, registry, kafka_bootstrap, consumed
):
    # Given the inventory partition consumed to its end (5)
    assert store.position(consumed) == 5
    # When its stored position is reset to offset 2 and an engine starts again
    reset = antrian.run("positions", "reset", "--to-offset", f"{consumed}=2")
    assert reset.returncode == 0, reset.stderr
    assert f"{consumed}: 5 -> 2" in reset.stdout
    assert "overridden" in reset.stdout  # Kafka's own reset tool is, and the output says so
    assert store.position(consumed) == 2
    engine = antrian.engine("--batch", "10", "--no-relay")
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    assert antrian.stop(engine) == 0, antrian.tail(engine)
    # Then offsets 2 to 4 were read again, as duplicates: nothing applied twice
    assert sorted(applied_message_ids(store)) == sorted(message["message_id"] for message in MESSAGES)
    assert "duplicates 3" in antrian.output(engine)


def test_reset_to_earliest_forgets_every_inbound_position_and_show_lists_them(antrian, store, consumed):
    shown = antrian.run("positions", "show")
    assert shown.returncode == 0, shown.stderr
    assert consumed in shown.stdout and "overridden" in shown.stdout

    reset = antrian.run("positions", "reset", "--to-earliest")

    assert reset.returncode == 0, reset.stderr
    assert f"{consumed}: 5 -> beginning" in reset.stdout
    assert store.position(consumed) is None


def test_a_reset_is_refused_while_an_engine_of_the_group_is_connected(
    antrian, store, registry, kafka_bootstrap, consumed
):
    # Given an engine running in the group again
    engine = antrian.engine("--batch", "10", "--no-relay")
    wait_for("the engine joining its group", lambda: "resumes at" in antrian.output(engine), antrian)
    # When a reset is asked for
    refused = antrian.run("positions", "reset", "--to-earliest")
    # Then it is refused and the position is untouched
    assert refused.returncode == 1
    assert "stop them first; nothing was reset" in refused.stderr
    assert store.position(consumed) == 5
    assert antrian.stop(engine) == 0, antrian.tail(engine)
