"""Every stored event to Kafka: the outbound relay.

Guarantee: AT LEAST ONCE, in log order per aggregate. The relay reads the
event store's notification log, publishes each domain event as its outbound
contract (key = aggregate id, so one aggregate's events stay in order on one
partition) with an idempotent producer, waits for the broker's acks, and only
then records how far it got, in the store's tracking table. A crash between
the acks and that record publishes the same events again after a restart; the
`notification_id` header (and field) is strictly increasing across the log,
so a consumer that remembers the highest id it applied per partition - or all
ids it applied - drops the repeats. Refused messages kept as dead letters are
published to the dead-letter topic the same way, and repeated the same way:
their consumers de-duplicate on the `antrian.dead_letter.id` and
`antrian.dead_letter.attempt` headers.

One relay publishes per store. Each engine starts one (and `antrian relay` may
run apart), so the relay given a `lease` publishes only while it holds the
store's lease (infra/postgres/lease.py, infra/sqlite/lease.py): the others are
standbys, trying again every `STANDBY_RETRY` seconds, and take over from the
store's recorded position when the holder stops or dies. A relay that finds
its lease gone (its PostgreSQL session ended) stops publishing and stands by.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from eventsourcing.persistence import IntegrityError, ProcessRecorder, Tracking
from kafka import KafkaProducer
from kafka.partitioner.default import DefaultPartitioner, murmur2

from infra.kafka.polling import poll_until_stopped
from infra.kafka.topics import TopicRegistry, dead_letter_record, retried_record
from services.dead_letters import DeadLetter
from services.engine import Engine
from services.outbound import CausationTracker, encode, headers, to_outbound

log = logging.getLogger(__name__)

RELAY_FEED = "antrian-relay"
STANDBY_RETRY = 2.0  # seconds between a standby's tries for the lease
LEASE_CHECK = 1.0  # seconds between an active relay's checks that its lease still holds
ACTIVE = "relay: active"
STANDBY = "relay: standby (another relay publishes for this store)"


class RelayLease(Protocol):
    """The right to publish a store's log; one holder at a time, freed when the holder ends."""

    def acquire(self) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...


class _LeaseLost(Exception):
    """The active relay's lease ended under it (its PostgreSQL session was closed)."""


@dataclass
class RelayStats:
    published: int = 0
    dead_letters: int = 0
    position: int = 0


class OutboundRelay:
    def __init__(
        self,
        engine: Engine,
        producer: KafkaProducer,
        topics: TopicRegistry,
        page: int = 1000,
        lease: RelayLease | None = None,
        announce: Callable[[str], None] = log.info,
        progress: Callable[[RelayStats, bool], None] | None = None,
    ) -> None:
        """Without a `lease` the relay publishes unconditionally (one process, or a test).

        `progress` is told the totals after each read of the log, and whether it found anything.
        """
        self.engine = engine
        self.producer = producer
        self.topics = topics
        self.page = page
        self.lease = lease
        self.announce = announce
        self.progress = progress
        self.standby_retry = STANDBY_RETRY
        self.stats = RelayStats()
        self._resume()
        self.stopping = threading.Event()
        self._next_check = 0.0

    def _resume(self) -> None:
        """Start after the position in the store: another relay may have published since."""
        self.stats.position = self.engine.position(RELAY_FEED) or 0
        self.tracker = CausationTracker(self.engine.mapper, start_after=self.stats.position)
        self.next_read = self.stats.position + 1

    def run(
        self, idle_polls: int | None = None, interval: float = 0.05, first_interval: float = 0.002
    ) -> RelayStats:
        """Relay until stopped; an empty log is read again after 2 ms, 4 ms, ... up to `interval`.

        With a lease: publish only while holding it. `idle_polls` also bounds a standby's tries.
        """
        if self.lease is None:
            self._publish(self.relay_once, idle_polls, interval, first_interval)
            return self.stats
        try:
            while self._elected(idle_polls):
                try:
                    self._publish(self._leased_step, idle_polls, interval, first_interval)
                    return self.stats
                except _LeaseLost:
                    log.warning("relay: the store's relay lease was lost; standing by")
        finally:
            self.lease.release()
        return self.stats

    def _publish(
        self, step: Callable[[], int], idle_polls: int | None, interval: float, first_interval: float
    ) -> None:
        poll_until_stopped(
            self._observed(step),
            self.stopping,
            idle_polls,
            pause=interval,
            first_pause=min(first_interval, interval),
        )

    def _observed(self, step: Callable[[], int]) -> Callable[[], int]:
        progress = self.progress
        if progress is None:
            return step

        def observed() -> int:
            found = step()
            progress(self.stats, bool(found))
            return found

        return observed

    def _elected(self, idle_polls: int | None) -> bool:
        """Wait as a standby until this relay holds the lease (True) or is stopped (False)."""
        assert self.lease is not None
        tries = 0
        while not self.stopping.is_set():
            if self.lease.acquire():
                self.announce(ACTIVE)
                self._resume()
                self._next_check = time.monotonic() + LEASE_CHECK
                return True
            if tries == 0:
                self.announce(STANDBY)
            tries += 1
            if idle_polls is not None and tries >= idle_polls:
                return False
            self.stopping.wait(self.standby_retry)
        return False

    def _leased_step(self) -> int:
        found = self.relay_once()
        now = time.monotonic()
        if now >= self._next_check:
            assert self.lease is not None
            if not self.lease.held():
                raise _LeaseLost
            self._next_check = now + LEASE_CHECK
        return found

    def relay_once(self) -> int:
        """Publish one page of the log; returns how many notifications were read."""
        notifications = self.engine.recorder.select_notifications(start=self.next_read, limit=self.page)
        if not notifications:
            return 0
        for notification, causation in self.tracker.feed_all(notifications):
            self._send(notification, causation)
        self.next_read = notifications[-1].id + 1
        self.producer.flush()
        self._record(self.tracker.safe_position)
        return len(notifications)

    def _send(self, notification: Any, causation: str | None) -> None:
        event = self.engine.mapper.to_domain_event(notification)
        if isinstance(event, DeadLetter.Recorded | DeadLetter.Retried):
            self._send_dead_letter(event)
            return
        outbound = to_outbound(event, notification.id, causation)
        if outbound is None:
            return
        topic = self.topics.outbound_topic_for(outbound.aggregate_type)
        key = str(outbound.aggregate_id).encode()
        by = self.tracker.caller_of(causation)
        self.producer.send(topic.name, key=key, value=encode(outbound), headers=headers(outbound, by))
        self.stats.published += 1

    def _send_dead_letter(self, event: DeadLetter.Recorded | DeadLetter.Retried) -> None:
        """A refused record, or a retry of one refused again (a retry that went through has events of its own)."""
        if isinstance(event, DeadLetter.Recorded):
            record = dead_letter_record(event)
        elif event.outcome.resolves:
            return
        else:
            letter: DeadLetter = self.engine.repository.get(
                event.originator_id, version=event.originator_version - 1
            )
            record = retried_record(letter, event)
        self.producer.send(
            self.topics.deadletter.name, key=record.key, value=record.value, headers=record.headers
        )
        self.stats.dead_letters += 1

    def _record(self, position: int) -> None:
        if position <= self.stats.position:
            return
        try:
            cast(ProcessRecorder, self.engine.recorder).insert_tracking(Tracking(RELAY_FEED, position))
        except IntegrityError:  # another relay got there first; both published: consumers de-duplicate
            log.warning("relay position %s was already recorded by another relay", position)
        self.stats.position = position


class RememberingPartitioner:
    """kafka-python's default key -> partition mapping, with each key's hash remembered.

    kafka-python hashes keys with a pure-Python murmur2, a few percent of the relay's
    time; the relay sends one aggregate's events again and again. The partition is
    the same as the default partitioner's (and so the Java client's) for every key.
    """

    REMEMBERED = 100_000

    def __init__(self) -> None:
        self.hashes: dict[bytes, int] = {}
        self.default = DefaultPartitioner()

    def __call__(self, key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
        """The producer's partitioner call: `all_partitions` sorted, as the default expects."""
        if key is None:
            return self.default(key, all_partitions, available)
        hashed = self.hashes.get(key)
        if hashed is None:
            if len(self.hashes) >= self.REMEMBERED:
                self.hashes.clear()
            hashed = self.hashes[key] = murmur2(key) & 0x7FFFFFFF
        return all_partitions[hashed % len(all_partitions)]


def relay_producer(bootstrap: str, **overrides: Any) -> KafkaProducer:
    # The relay flushes at the end of every page, so lingering never delays a page. A long
    # linger and big batches stop kafka-python from shipping half-built batches mid-page and
    # from waking its sender thread on nearly every send() once a 16 KB batch is full (each
    # wake-up is a syscall that gives up the GIL, which the engine's thread then holds):
    # +15-25% end to end in bench/kafka.py. 512 KB stays under the broker's 1 MB batch limit.
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 100,
        "batch_size": 512 * 1024,
        "compression_type": None,
        "partitioner": RememberingPartitioner(),
    }
    config.update(overrides)
    return KafkaProducer(**config)
