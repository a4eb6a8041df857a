"""Outbound topics of a test's own, on the real broker."""

from __future__ import annotations

import uuid

from kafka.admin import KafkaAdminClient, NewTopic

from infra.kafka.topics import TopicRegistry


def fresh_outbound_topics(bootstrap: str, partitions: int = 4) -> TopicRegistry:
    """A registry under a new prefix, its outbound topics created with `partitions` each."""
    topics = TopicRegistry(f"t{uuid.uuid4().hex[:10]}.")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic.name, partitions, 1) for topic in topics.outbound()])
    finally:
        admin.close()
    return topics
