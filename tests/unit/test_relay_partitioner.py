"""The relay's partitioner is kafka-python's default one, remembered: same key, same partition."""

from __future__ import annotations

from uuid import uuid4

from kafka.partitioner.default import DefaultPartitioner

from infra.kafka.relay import RememberingPartitioner

FOUR = [0, 1, 2, 3]


def test_every_key_goes_to_the_partition_the_default_partitioner_chooses_the_first_time_and_after():
    remembering, default = RememberingPartitioner(), DefaultPartitioner()
    keys = [str(uuid4()).encode() for _ in range(500)]
    expected = [default(k, FOUR, FOUR) for k in keys]
    for _ in range(2):
        assert [remembering(k, FOUR, FOUR) for k in keys] == expected
    assert set(expected) == set(FOUR)


def test_the_remembered_hashes_are_bounded():
    remembering = RememberingPartitioner()
    remembering.REMEMBERED = 10
    for _ in range(25):
        key = str(uuid4()).encode()
        remembering(key, FOUR, FOUR)
    assert len(remembering.hashes) <= 10


def test_keys_spread_over_any_number_of_partitions_as_the_default_partitioner_spreads_them():
    remembering, default = RememberingPartitioner(), DefaultPartitioner()
    keys = [str(uuid4()).encode() for _ in range(200)]
    for count in (2, 6):
        partitions = list(range(count))
        expected = [default(k, partitions, partitions) for k in keys]
        assert [remembering(k, partitions, partitions) for k in keys] == expected
        assert set(expected) == set(partitions)


def test_a_message_without_a_key_goes_to_an_available_partition():
    remembering = RememberingPartitioner()
    assert {remembering(None, FOUR, [2]) for _ in range(20)} == {2}
