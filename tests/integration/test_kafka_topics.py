"""`antrian topics create` against the real broker: the registry's topics, their retention, idempotent."""

from __future__ import annotations

import uuid

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from typer.testing import CliRunner

from infra.cli.main import app
from infra.kafka.topics import DAY_MS, TopicRegistry

pytestmark = pytest.mark.kafka


@pytest.fixture
def admin(kafka_bootstrap):
    client = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    yield client
    client.close()


def configs(admin, name: str) -> dict[str, str]:
    [response] = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    return {entry[0]: entry[1] for resource in response.resources for entry in resource[4]}


def topics_create(kafka_bootstrap: str, prefix: str, *options: str):
    env = {"ANTRIAN_KAFKA_BOOTSTRAP": kafka_bootstrap, "ANTRIAN_TOPIC_PREFIX": prefix}
    result = CliRunner().invoke(app, ["topics", "create", *options], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_registry_topic_is_created_with_its_partitions_and_retention(kafka_bootstrap, admin):
    registry = TopicRegistry(f"t{uuid.uuid4().hex[:10]}.")

    output = topics_create(kafka_bootstrap, registry.prefix, "--partitions", "2")

    assert "11 created, 0 already there" in output
    described = {d["topic"]: d for d in admin.describe_topics([t.name for t in registry])}
    assert {name: len(d["partitions"]) for name, d in described.items()} == {t.name: 2 for t in registry}
    assert configs(admin, registry.orders.name)["retention.ms"] == str(7 * DAY_MS)
    assert configs(admin, registry.order_events.name)["retention.ms"] == "-1"
    assert configs(admin, registry.deadletter.name)["retention.ms"] == str(365 * DAY_MS)
    assert {configs(admin, t.name)["cleanup.policy"] for t in registry} == {"delete"}


def test_creating_again_changes_nothing_and_reports_how_existing_topics_differ(kafka_bootstrap, admin):
    # Given the topics of a prefix, the orders topic made by hand with one day of retention
    registry = TopicRegistry(f"t{uuid.uuid4().hex[:10]}.")
    admin.create_topics([NewTopic(registry.orders.name, 4, 1, topic_configs={"retention.ms": str(DAY_MS)})])
    topics_create(kafka_bootstrap, registry.prefix)

    # When they are created again
    output = topics_create(kafka_bootstrap, registry.prefix)

    # Then none is created and the hand-made one is named with its difference, left as it is
    assert "0 created, 11 already there (1 differ from the registry)" in output
    assert f"{registry.orders.name}: exists, 4 partition(s); differs: retention.ms={DAY_MS}" in output
    assert configs(admin, registry.orders.name)["retention.ms"] == str(DAY_MS)
