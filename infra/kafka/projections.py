"""The production feed of projections: the three outbound topics, read from Kafka.

Where each partition was read to lives in the read store, next to the rows
(projections/positions.py), not in Kafka: on every partition assignment the
consumer seeks to the position the runner resumed from, so a crash between
the read store's commit and anything Kafka knows neither loses nor repeats
an applied event. Kafka's committed offsets are only a hint for lag tools.

Kafka keeps one aggregate's events in order (key = aggregate id) but not the
order across partitions and topics; the handlers do not depend on it
(projections/base.py). The relay is at least once: a republished event comes
back at a new offset with an id already applied, and the runner skips it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import orjson
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition

from infra.kafka.inbound import FETCH_MAX_WAIT_MS, feed_name
from infra.kafka.topics import TopicRegistry
from infra.settings import Settings
from projections.event import ProjectedEvent
from projections.runner import Batch
from services.outbound import HEADER_CAUSATION_BY, header_value

log = logging.getLogger(__name__)

DEFAULT_GROUP = "antrian-projections"


class UnreadableRecord(Exception):
    """A record on an outbound topic is not an outbound event: projecting past it would lose it."""


class _SeekToResume(ConsumerRebalanceListener):
    def __init__(self, feed: KafkaFeed) -> None:
        self.feed = feed

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions revoked: %s", sorted(str(tp) for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.feed.seek(assigned)


class KafkaFeed:
    """The outbound topics as a projection Feed; feed key "topic:partition", position = next offset.

    `poll` blocks up to `poll_timeout_ms` for records; while the group is still
    being joined, or an assigned partition is behind its end, an empty poll is
    retried (up to `join_wait_s`) so that a catch-up run does not stop before
    it has read anything.
    """

    idle_pause = 0  # poll() itself waits for records

    def __init__(
        self,
        consumer: KafkaConsumer,
        topics: Sequence[str],
        poll_timeout_ms: int = 200,
        join_wait_s: float = 30.0,
    ) -> None:
        self.consumer = consumer
        self.topics = list(topics)
        self.poll_timeout_ms = poll_timeout_ms
        self.join_wait_s = join_wait_s
        self.resume: dict[str, int] = {}
        self._subscribed = False

    def start(self, resume: dict[str, int]) -> None:
        self.resume = dict(resume)
        if not self._subscribed:
            self.consumer.subscribe(self.topics, listener=_SeekToResume(self))
            self._subscribed = True
        else:  # a second run on the same feed: go back to what the runner applied
            self.seek(self.consumer.assignment())

    def seek(self, partitions: Any) -> None:
        """Each partition to its remembered resume point; the beginning when there is none.

        A point remembered by this process may be older than what another
        runner on the same read store applied since: it is then read again and
        skipped by notification id, never lost.
        """
        for tp in partitions:
            position = self.resume.get(feed_name(tp.topic, tp.partition))
            if position is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, position)
            log.info("%s:%s resumes at %s", tp.topic, tp.partition, position or "the beginning")

    def poll(self, limit: int) -> Batch:
        self._commit_hint()
        deadline = time.monotonic() + self.join_wait_s
        while True:
            records = self.consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=limit)
            if records or time.monotonic() >= deadline or self._at_end():
                break
        events: list[ProjectedEvent] = []
        advance: dict[str, int] = {}
        for tp, batch in records.items():
            feed = feed_name(tp.topic, tp.partition)
            events.extend(_event(record, feed) for record in batch)
            advance[feed] = self.resume[feed] = batch[-1].offset + 1
        return Batch(events=events, advance=advance, read=sum(len(b) for b in records.values()))

    def ends(self) -> dict[str, int]:
        """End offset of every partition of the topics that exist (the last stable offset)."""
        partitions = [
            TopicPartition(topic, partition)
            for topic in self.topics
            for partition in sorted(self.consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return {}
        ends = self.consumer.end_offsets(partitions)
        return {feed_name(tp.topic, tp.partition): end for tp, end in ends.items()}

    def close(self) -> None:
        self.consumer.close()

    def _at_end(self) -> bool:
        """Assigned, and every assigned partition read to its end: an empty poll means caught up."""
        assigned = self.consumer.assignment()
        if not assigned:
            return False
        ends = self.consumer.end_offsets(list(assigned))
        return all(self.consumer.position(tp) >= end for tp, end in ends.items())

    def _commit_hint(self) -> None:
        """Offsets of what the previous poll returned (applied by now), for lag tools only."""
        if self.consumer.assignment():
            self.consumer.commit_async()


def _event(record: Any, feed: str) -> ProjectedEvent:
    try:
        by = header_value(record.headers, HEADER_CAUSATION_BY)
        return ProjectedEvent.from_envelope(orjson.loads(record.value), feed, record.offset + 1, by)
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise UnreadableRecord(
            f"{record.topic} partition {record.partition} offset {record.offset}: "
            f"not an outbound event ({type(exc).__name__}: {exc})"
        ) from exc


def projections_consumer(bootstrap: str, group: str, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": group,
        "enable_auto_commit": False,  # positions live in the read store
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        # A runner killed without leaving the group holds its partitions until this expires, and a
        # restarted runner waits that long to be assigned them (kafka-python's default is 45 s).
        "session_timeout_ms": 10_000,
        "fetch_max_wait_ms": FETCH_MAX_WAIT_MS,
    }
    config.update(overrides)
    return KafkaConsumer(**config)


def kafka_feed(settings: Settings, names: Sequence[str] | None = None, group: str | None = None) -> KafkaFeed:
    """The feed `antrian projections ... --kafka` reads; every projection reads all three topics.

    The default group carries the topic prefix, so environments sharing a
    broker (tests, staging) never join each other's group.
    """
    del names  # every projection reads the three outbound topics
    topics = TopicRegistry(settings.topic_prefix)
    consumer = projections_consumer(
        settings.kafka_bootstrap, group or f"{settings.topic_prefix}{DEFAULT_GROUP}"
    )
    return KafkaFeed(consumer, [topic.name for topic in topics.outbound()])
