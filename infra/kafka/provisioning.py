"""Creating the registry's topics (`antrian topics create`): partitions, replication and configs.

Why Antrian creates them and the broker does not: a topic the broker creates on
first use gets the broker's defaults (one week for outbound events that
projections are rebuilt from, a partition count nobody chose), and a typo in a
topic name quietly becomes a new, empty topic. So the broker runs with
`auto.create.topics.enable=false` and this module creates each topic as the
registry (infra/kafka/topics.py) describes it. Existing topics are left as they
are and reported, with any difference from the registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from infra.kafka.topics import Topic, TopicRegistry


@dataclass(frozen=True)
class Provisioned:
    """One topic's outcome: created, or existing (with the ways it differs from what was asked)."""

    name: str
    created: bool
    partitions: int
    differences: list[str] = field(default_factory=list)


def wanted_config(topic: Topic, replication: int) -> dict[str, str]:
    """The registry's configs, and `min.insync.replicas` that lets one replica of three be down."""
    config = dict(topic.config)
    if replication >= 3:
        config["min.insync.replicas"] = str(replication - 1)
    return config


def create_topics(
    admin: Any, registry: TopicRegistry, partitions: int | None = None, replication: int = 1
) -> list[Provisioned]:
    """Create every topic of `registry` missing on the broker; describe the ones already there.

    `admin` is a kafka-python KafkaAdminClient; `partitions` None: the registry's count.
    """
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    topics = list(registry)
    existing = set(admin.list_topics())
    for topic in [t for t in topics if t.name not in existing]:
        # One at a time: a topic another process made since the list (two engines starting, or the
        # broker's metadata not yet showing one just made) is then "already there", not a failure.
        new = NewTopic(
            topic.name,
            partitions or topic.partitions,
            replication,
            topic_configs=wanted_config(topic, replication),
        )
        try:
            admin.create_topics([new], timeout_ms=30_000)
        except TopicAlreadyExistsError:
            existing.add(topic.name)
    found = _existing(admin, [t for t in topics if t.name in existing], partitions, replication)
    return [
        found[t.name] if t.name in found else Provisioned(t.name, True, partitions or t.partitions)
        for t in topics
    ]


def _existing(
    admin: Any, topics: list[Topic], partitions: int | None, replication: int
) -> dict[str, Provisioned]:
    if not topics:
        return {}
    from kafka.admin import ConfigResource, ConfigResourceType

    described = {d["topic"]: d for d in admin.describe_topics([t.name for t in topics])}
    responses = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t.name) for t in topics])
    configs = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}
        for response in responses
        for resource in response.resources
    }
    found = {}
    for topic in topics:
        parts = described[topic.name]["partitions"]
        differences = _differences(topic, parts, configs.get(topic.name, {}), partitions, replication)
        found[topic.name] = Provisioned(topic.name, False, len(parts), differences)
    return found


def _differences(
    topic: Topic,
    parts: list[dict[str, Any]],
    config: dict[str, str],
    partitions: int | None,
    replication: int,
) -> list[str]:
    differences = []
    if len(parts) != (partitions or topic.partitions):
        differences.append(f"partitions {len(parts)}, asked {partitions or topic.partitions}")
    replicas = min((len(p["replicas"]) for p in parts), default=0)
    if replicas != replication:
        differences.append(f"replication {replicas}, asked {replication}")
    for name, value in wanted_config(topic, replication).items():
        if config.get(name) != value:
            differences.append(f"{name}={config.get(name)}, registry says {value}")
    return differences


def describe(outcomes: Iterable[Provisioned]) -> list[str]:
    """One line per topic, for the command's output."""
    lines = []
    for outcome in outcomes:
        state = "created" if outcome.created else "exists"
        line = f"{outcome.name}: {state}, {outcome.partitions} partition(s)"
        if outcome.differences:
            line += "; differs: " + "; ".join(outcome.differences)
        lines.append(line)
    return lines
