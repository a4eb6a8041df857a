"""Topics of a test's own, on the real broker, created as `antrian topics create` creates them.

The broker started by ops/kafka/kafka.sh does not create topics on first use
(`auto.create.topics.enable=false`, as in production): a test creates every topic
it writes to or reads from first.
"""

from __future__ import annotations

import uuid

from kafka.admin import KafkaAdminClient, NewTopic

from infra.kafka.provisioning import create_topics
from infra.kafka.topics import TopicRegistry

_CREATED: set[tuple[str, str]] = set()  # (bootstrap, prefix) whose registry topics exist


def ensure_topics(bootstrap: str, registry: TopicRegistry) -> TopicRegistry:
    """Every topic of `registry` that is not there yet, with the registry's partitions and configs."""
    if (bootstrap, registry.prefix) not in _CREATED:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            create_topics(admin, registry)
        finally:
            admin.close()
        _CREATED.add((bootstrap, registry.prefix))
    return registry


def create_topic(bootstrap: str, name: str, partitions: int = 4) -> str:
    """One topic outside the registry (a test's own inbound topic)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        if name not in admin.list_topics():
            admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        admin.close()
    return name


def fresh_outbound_topics(bootstrap: str, partitions: int = 4) -> TopicRegistry:
    """A registry under a new prefix, its outbound topics created with `partitions` each."""
    topics = TopicRegistry(f"t{uuid.uuid4().hex[:10]}.")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic.name, partitions, 1) for topic in topics.outbound()])
    finally:
        admin.close()
    return topics
