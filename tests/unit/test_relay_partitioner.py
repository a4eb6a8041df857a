"""The relay's partitioner is kafka-python's default one, remembered: same key, same partition."""

from __future__ import annotations

from uuid import uuid4

from kafka.partitioner.default import DefaultPartitioner

from infra.kafka_relay import RememberingPartitioner


class FourPartitions:
    def topics(self) -> set[str]:
        return {"events"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0, 1, 2, 3}

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return {0, 1, 2, 3}


def test_every_key_goes_to_the_partition_the_default_partitioner_chooses_the_first_time_and_after():
    remembering, default, cluster = RememberingPartitioner(), DefaultPartitioner(), FourPartitions()
    keys = [str(uuid4()).encode() for _ in range(500)]
    expected = [default.partition("events", k, k, b"v", b"v", cluster) for k in keys]
    for _ in range(2):
        assert [remembering.partition("events", k, k, b"v", b"v", cluster) for k in keys] == expected
    assert set(expected) == {0, 1, 2, 3}


def test_the_remembered_hashes_are_bounded():
    remembering, cluster = RememberingPartitioner(), FourPartitions()
    remembering.REMEMBERED = 10
    for _ in range(25):
        key = str(uuid4()).encode()
        remembering.partition("events", key, key, b"v", b"v", cluster)
    assert len(remembering.hashes) <= 10


class Growing(FourPartitions):
    def __init__(self) -> None:
        self.count = 2

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.count))


def test_a_topic_given_more_partitions_is_partitioned_like_the_default_again():
    remembering, default, cluster = RememberingPartitioner(), DefaultPartitioner(), Growing()
    keys = [str(uuid4()).encode() for _ in range(200)]
    for count in (2, 6):
        cluster.count = count
        expected = [default.partition("events", k, k, b"v", b"v", cluster) for k in keys]
        assert [remembering.partition("events", k, k, b"v", b"v", cluster) for k in keys] == expected
        assert set(expected) == set(range(count))
