"""Kafka as the upstream systems and the downstream readers see it: producers, publishing,
offsets, and the Watcher that times when each message's outbound event arrives.

Kept apart from the parts so parts 1 and 2 time the same publish and read paths.
"""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Iterable
from typing import Any

import orjson

from bench.workload import Msg
from infra.kafka.topics import H_MESSAGE_ID

UPSTREAM_PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 5}


def upstream_producer(bootstrap: str) -> Any:
    """An upstream system's producer: acks=all, idempotent, a short linger (it does not flush per message)."""
    from kafka import KafkaProducer

    return KafkaProducer(bootstrap_servers=bootstrap, **UPSTREAM_PRODUCER)


def relay_settings_producer(bootstrap: str) -> Any:
    """A producer with exactly the relay's settings (infra/kafka/relay.py)."""
    from infra.kafka.relay import relay_producer

    return relay_producer(bootstrap)


def _describe(producer: Any) -> str:
    c = producer.config
    return (
        f"acks={c['acks']}, idempotence={c['enable_idempotence']}, linger {c['linger_ms']} ms, "
        f"batch {c['batch_size'] // 1024} KB"
    )


def publish(producer: Any, topics: Any, messages: Iterable[Msg]) -> tuple[int, int]:
    """Send each message to its inbound topic, keyed as the registry says; (count, bytes)."""
    count = size = 0
    for message in messages:
        topic = topics.inbound_topic_for(message["type"])
        value = orjson.dumps(message)
        producer.send(topic.name, key=topic.key(message), value=value)
        count += 1
        size += len(value)
    producer.flush(timeout=120)
    return count, size


def partitions_of(consumer: Any, names: Iterable[str], timeout: float = 30.0) -> list[Any]:
    from kafka import TopicPartition

    found = []
    for name in names:
        deadline = time.monotonic() + timeout
        parts = consumer.partitions_for_topic(name)
        while not parts and time.monotonic() < deadline:
            time.sleep(0.1)
            consumer.topics()  # refresh metadata
            parts = consumer.partitions_for_topic(name)
        if not parts:
            raise RuntimeError(f"topic {name} has no partitions after {timeout:.0f} s")
        found += [TopicPartition(name, p) for p in sorted(parts)]
    return found


def end_offsets(bootstrap: str, names: Iterable[str]) -> dict[Any, int]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        return dict(consumer.end_offsets(partitions_of(consumer, names)))
    finally:
        consumer.close()


def _header(record: Any, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode() if isinstance(value, bytes) else value
    return None


class Watcher(threading.Thread):
    """Reads outbound topics from given offsets: new events (de-duplicated by notification_id),
    and when the first order event caused by each inbound message arrived (`order_topic` None:
    the first record of any outbound topic caused by it, a dead letter of it included)."""

    def __init__(
        self,
        bootstrap: str,
        start: dict[Any, int],
        order_topic: str | None,
        expected: set[str] | None = None,
        samples: int = 0,
    ) -> None:
        super().__init__(name="outbound-watcher", daemon=True)
        from kafka import KafkaConsumer

        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, max_poll_records=2_000
        )
        self.consumer.assign(list(start))
        for tp, offset in start.items():
            self.consumer.seek(tp, offset)
        self.order_topic = order_topic
        self.pending = set(expected or ())
        self.expected = len(self.pending)
        self.done = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.first_seen: dict[str, float] = {}  # causation message id -> first order event's arrival
        self.notification_ids: set[int] = set()
        self.events = 0
        self.duplicates = 0
        self.dead_letters = 0
        self.by_topic: Tally[str] = Tally()
        self.value_bytes = 0
        self.first_event: float | None = None
        self.last_event: float | None = None
        self.samples: list[bytes] = []
        self.max_samples = samples
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                batches = self.consumer.poll(timeout_ms=50)
                now = time.perf_counter()
                for tp, records in batches.items():
                    for record in records:
                        self._one(tp.topic, record, now)
        except BaseException as exc:  # noqa: BLE001 - reported by the part
            self.error = exc
        finally:
            self.consumer.close()

    def _one(self, topic: str, record: Any, now: float) -> None:
        nid = _header(record, "notification_id")
        if nid is None:  # a dead letter: its message will never have an order event
            self.dead_letters += 1
            refused = _header(record, H_MESSAGE_ID)
            with self.lock:
                if self.order_topic is None and refused is not None:
                    self.first_seen.setdefault(refused, now)  # its outcome came out: a refusal
                if refused in self.pending:
                    self.pending.discard(refused)
                    if not self.pending and self.expected:
                        self.done.set()
            return
        nid_int = int(nid)
        if nid_int in self.notification_ids:
            self.duplicates += 1
            return
        self.notification_ids.add(nid_int)
        self.events += 1
        self.by_topic[topic.rsplit(".", 2)[-2]] += 1
        self.value_bytes += len(record.value)
        if self.first_event is None:
            self.first_event = now
        self.last_event = now
        if len(self.samples) < self.max_samples:
            self.samples.append(record.value)
        if self.order_topic is not None and topic != self.order_topic:
            return
        cause = _header(record, "causation_message_id")
        if cause is None or cause in self.first_seen:
            return
        with self.lock:
            self.first_seen[cause] = now
            if cause in self.pending:
                self.pending.discard(cause)
                if not self.pending and self.expected:
                    self.done.set()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def quiet(watcher: Watcher, seconds: float = 1.0, limit: float = 15.0) -> None:
    """Wait until no new outbound event arrived for `seconds` (at most `limit`)."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        last = watcher.last_event or 0.0
        if time.perf_counter() - last >= seconds:
            return
        time.sleep(0.1)
