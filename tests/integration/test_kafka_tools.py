"""Kafka's own command-line tools, provisioned by ops/kafka (the kafka-tools jar), against the test broker."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from ops.provision import REPO, in_ci
from tests.support.kafka_topics import create_topic

pytestmark = pytest.mark.kafka

TOOLS = REPO / "ops" / "kafka"


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    if not shutil.which("java") and not in_ci():
        pytest.skip("no java: Kafka's tools need Java 17")
    return subprocess.run([str(TOOLS / name), *args], capture_output=True, text=True, timeout=900)


def test_the_consumer_groups_tool_describes_a_group_s_committed_offsets(kafka_bootstrap):
    # Given a topic with three records and a group that committed offset 3 on it
    topic = create_topic(kafka_bootstrap, f"t{uuid.uuid4().hex[:10]}.tools", partitions=1)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for i in range(3):
        producer.send(topic, value=f"{i}".encode(), partition=0)
    producer.flush()
    producer.close()
    group = f"{topic}-group"
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(3, "", -1)})
    consumer.close()

    # When Kafka's consumer-groups tool describes the group
    described = run_tool(
        "kafka-consumer-groups", "--bootstrap-server", kafka_bootstrap, "--describe", "--group", group
    )

    # Then it names the partition, its committed offset and its end
    assert described.returncode == 0, described.stderr
    [row] = [line.split() for line in described.stdout.splitlines() if topic in line]
    assert row[:5] == [group, topic, "0", "3", "3"]


def test_the_topics_tool_describes_a_topic_antrian_created(kafka_bootstrap):
    topic = create_topic(kafka_bootstrap, f"t{uuid.uuid4().hex[:10]}.tools", partitions=2)

    described = run_tool(
        "kafka-topics", "--bootstrap-server", kafka_bootstrap, "--describe", "--topic", topic
    )

    assert described.returncode == 0, described.stderr
    assert f"Topic: {topic}" in described.stdout and "PartitionCount: 2" in described.stdout
