"""Upstream Kafka topics into the engine, exactly once.

The truth about how far a partition was read is in the event store, not in
Kafka: each batch's events, its dead letters and its position
(`topic:partition` -> next offset) are committed in one transaction, and on
start and on every
partition assignment the consumer seeks to the recorded positions. A crash
between the store's commit and Kafka's offset commit therefore neither loses
nor repeats a message; Kafka's committed offsets are kept only so that lag
shows in the usual tools.

Refused messages (not JSON, wrong schema, refused by a domain rule) are kept
as dead letters in the store, in the transaction that moves the position past
them; the relay publishes them to the dead-letter topic.

On PostgreSQL a batch is written while the next is polled and decided
(infra/batch_writer.py); its outcomes are counted once it is written.
Kafka's committed offsets may then be a batch ahead of the store for a moment,
which costs nothing: positions are read from the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from eventsourcing.persistence import Tracking
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from infra.kafka.fairness import FairnessBuffer, Held
from infra.kafka.polling import poll_until_stopped
from services.contract_values import MAX_AHEAD
from services.contracts import Message, with_caller
from services.dead_letters import REFUSAL_CLASS, DeadLetter
from services.engine import Engine
from services.errors import MessageRejected
from services.outcomes import Outcome, Status, outcome_of
from services.parsing import parse_message
from services.pending import PendingBatch

log = logging.getLogger(__name__)

# A fetch for partitions with nothing new waits this long at the broker, and kafka-python sends
# one fetch at a time: at start-up the first one (for the partitions whose positions came from
# the store) held back the backlog of the others for the default 500 ms.
FETCH_MAX_WAIT_MS = 100
# How long a poll waits while the consumer has no partitions yet (joining the group).
JOINING_POLL_MS = 20
# The offsets committed at a clean stop are a hint: a broker that is down must not hold the stop.
STOP_COMMIT_TIMEOUT_MS = 5_000


def feed_name(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


@dataclass
class InboundStats:
    applied: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    parked: int = 0  # early: waiting for what another topic brings (a re-run is counted again)
    batches: int = 0
    last_reasons: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        if outcome.status is Status.APPLIED:
            self.applied += 1
        elif outcome.status is Status.DUPLICATE:
            self.duplicates += 1
        elif outcome.status is Status.PARKED:
            self.parked += 1
        else:
            self.dead_letters += 1
            self.last_reasons = [*self.last_reasons[-9:], f"{outcome.message_id}: {outcome.detail}"]


class BatchObserver(Protocol):
    """Told what the consumer does, for metrics and progress logs (infra/kafka/observing.py)."""

    def settled(self, outcomes: Sequence[Outcome], seconds: float, position: Tracking) -> None:
        """A batch's outcomes (parked ones judged again included) once written; `seconds` since handed over."""

    def polled(self, found: int) -> None:
        """After each poll: `found` records."""


class _SeekToStore(ConsumerRebalanceListener):
    def __init__(self, inbound: InboundConsumer) -> None:
        self.inbound = inbound

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions revoked: %s", sorted(str(tp) for tp in revoked))
        self.inbound.settle()  # the position of the batch being written is in the store before another takes over
        if self.inbound.fairness is not None:
            self.inbound.fairness.drop(revoked)  # held, so not applied: the next owner reads them

    def on_partitions_assigned(self, assigned: Any) -> None:
        if self.inbound.fairness is not None:
            self.inbound.fairness.drop(assigned)  # read again from the store's positions
            self.inbound.fairness.assigned(assigned)
        self.inbound.seek_to_recorded(assigned)


class InboundConsumer:
    def __init__(
        self,
        engine: Engine,
        consumer: KafkaConsumer,
        topics: Sequence[str],
        batch_size: int = 500,
        stopping: threading.Event | None = None,
        ahead: timedelta = MAX_AHEAD,
        fairness: FairnessBuffer | None = None,
        observer: BatchObserver | None = None,
    ) -> None:
        """`stopping`: set it to stop after the current batch (one is made if not given);
        `ahead`: how far after its arrival a message may be dated; `fairness`: hold polled
        messages and release them in business-time order (infra/kafka/fairness.py);
        `observer`: told of every batch settled and every poll (metrics, progress)."""
        self.engine = engine
        self.ahead = ahead
        self.consumer = consumer
        self.topics = list(topics)
        self.batch_size = batch_size
        self.stats = InboundStats()
        self.stopping = stopping or threading.Event()
        self._unsettled: _Unsettled | None = None
        self.fairness = fairness
        self.observer = observer
        self._late_before: list[str] = []

    def start(self) -> None:
        self.consumer.subscribe(self.topics, listener=_SeekToStore(self))

    def seek_to_recorded(self, partitions: Any) -> None:
        # Offset 0 is the beginning, or before it once old segments are deleted, which the
        # consumer's "earliest" reset then turns into the beginning. seek_to_beginning asks the
        # broker first, and until it answers the partition is left out of fetches: at start-up
        # the first fetch was for the partitions with nothing new, and waited FETCH_MAX_WAIT_MS.
        from_zero = self.consumer.config.get("auto_offset_reset") == "earliest"
        for tp in partitions:
            position = self.engine.position(feed_name(tp.topic, tp.partition))
            if position is None and not from_zero:
                self.consumer.seek_to_beginning(tp)
            elif position is None:
                self.consumer.seek(tp, 0)
            else:
                self.consumer.seek(tp, position)
            log.info("%s:%s resumes at %s", tp.topic, tp.partition, position or "the beginning")

    def run(self, idle_polls: int | None = None) -> InboundStats:
        """Poll and apply until stopped (or after `idle_polls` empty polls in a row)."""
        self.start()
        poll_until_stopped(self.poll_once, self.stopping, idle_polls)
        self.settle()
        try:
            # where a clean stop left off, for lag tools
            self.consumer.commit(timeout_ms=STOP_COMMIT_TIMEOUT_MS)
        except KafkaError as error:
            log.warning("offsets not committed at stop (the store keeps the positions): %s", error)
        return self.stats

    def poll_once(self, timeout_ms: int = 200) -> int:
        # While the group is being joined, a poll that waits its whole timeout notices the
        # join's end only at the next poll (200 ms of every engine's start-up).
        wait = timeout_ms if self.consumer.assignment() else min(timeout_ms, JOINING_POLL_MS)
        records = self.consumer.poll(timeout_ms=wait, max_records=self.batch_size)
        if self.fairness is not None:
            self.hold_and_release(records)
        for tp, batch in records.items() if self.fairness is None else ():
            self.apply(tp, batch)
        if records:
            # A hint for lag tools; the store holds the truth. Not waited for: a synchronous
            # commit cost a broker round trip (7-9 ms) per batch, and one refused in a
            # rebalance would have stopped the loop.
            self.consumer.commit_async()
        else:
            self.settle()  # nothing new: the last batch's outcomes are counted before waiting
        found = sum(len(batch) for batch in records.values())
        if self.observer is not None:
            self.observer.polled(found)
        return found

    def settle(self) -> list[Outcome]:
        """Wait for the batch being written, count its outcomes and return them (in record order)."""
        if self._unsettled is None:
            return []
        unsettled, self._unsettled = self._unsettled, None
        outcomes = unsettled.in_record_order(unsettled.pending.result())
        settled = [*outcomes, *self.engine.take_released()]
        for outcome in settled:
            self.stats.count(outcome)
        self.stats.batches += 1
        if self.observer is not None:
            self.observer.settled(settled, time.perf_counter() - unsettled.started, unsettled.position)
        return outcomes

    def hold_and_release(self, records: dict[Any, list[Any]]) -> None:
        """Polled records held by the fairness buffer; those whose turn came applied in its order."""
        assert self.fairness is not None
        received_at = datetime.now(UTC)
        for tp, batch in records.items():
            self.fairness.add(tp, [(r, _parse(r.value, received_at, self.ahead, tp.topic)) for r in batch])
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            self.fairness.caught_up(tp, highwater is not None and self.consumer.position(tp) >= highwater)
        released = self.fairness.release(idle=not records)
        for start in range(0, len(released), self.batch_size):
            self.apply_held(released[start : start + self.batch_size])

    def apply_held(self, held: Sequence[Held]) -> None:
        """Released records of several partitions, decided in one batch in the order given.

        A transaction records one position: the last record's partition's goes with the
        batch, the others' right after it (an empty batch each). A crash in between leaves
        those behind: their messages are read again and found to be duplicates.
        """
        last: dict[Any, int] = {}
        for h in held:
            last[h.tp] = h.record.offset + 1
        tail = held[-1].tp
        late = {
            h.parsed.message_id: _seconds(h.late_by)
            for h in held
            if h.late_by and not isinstance(h.parsed, Outcome)
        }
        self.engine.decider.late.update(late)
        self._submit(
            [(h.tp, h.record, h.parsed) for h in held],
            Tracking(feed_name(tail.topic, tail.partition), last.pop(tail)),
        )
        for tp, offset in last.items():
            self._submit([], Tracking(feed_name(tp.topic, tp.partition), offset))
        # Kept until the batch is settled (a refused save decides it again): the next call's
        # first submission settles it.
        for message_id in set(self._late_before) - late.keys():
            self.engine.decider.late.pop(message_id, None)
        self._late_before = list(late)

    def apply(self, tp: TopicPartition, records: Sequence[Any]) -> PendingBatch:
        """One partition's records: applied in a batch, refusals kept as dead letters.

        Submitting it settles the batch before (its outcomes are counted then).
        """
        received_at = datetime.now(UTC)  # the edge reads the clock: a message from the future is refused
        parsed = [(tp, r, _parse(r.value, received_at, self.ahead, tp.topic)) for r in records]
        return self._submit(parsed, Tracking(feed_name(tp.topic, tp.partition), records[-1].offset + 1))

    def _submit(
        self, parsed: Sequence[tuple[Any, Any, Message | Outcome]], position: Tracking
    ) -> PendingBatch:
        messages = [p for _, _, p in parsed if not isinstance(p, Outcome)]

        def in_record_order(applied: list[Outcome]) -> list[Outcome]:
            found = iter(applied)
            return [p if isinstance(p, Outcome) else next(found) for _, _, p in parsed]

        def letters(applied: list[Outcome]) -> list[DeadLetter]:
            # Called with the outcomes so far; records not reached yet are not refused.
            outcomes = in_record_order(applied + [_PENDING] * (len(messages) - len(applied)))
            return [
                _letter(tp, r, o) for (tp, r, _), o in zip(parsed, outcomes, strict=True) if o.status.refused
            ]

        started = time.perf_counter()
        pending = self.engine.submit_batch(messages, position, letters)
        self.settle()
        self._unsettled = _Unsettled(pending, in_record_order, started, position)
        return pending


@dataclass(frozen=True)
class _Unsettled:
    """The batch handed to the engine whose outcomes are not counted yet."""

    pending: PendingBatch
    in_record_order: Callable[[list[Outcome]], list[Outcome]]
    started: float  # perf_counter when it was handed over
    position: Tracking


_PENDING = Outcome(Status.APPLIED, None)  # stands in for records the batch has not reached


def _parse(raw: bytes, received_at: datetime, ahead: timedelta, topic: str) -> Message | Outcome:
    """The record's message, handed in by `kafka:<topic>` (metadata the inbox keeps), or its refusal."""
    try:
        return with_caller(parse_message(raw, received_at, ahead), f"kafka:{topic}")
    except MessageRejected as rejected:
        return outcome_of(rejected)


def _seconds(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds()))


def _letter(tp: TopicPartition, record: Any, outcome: Outcome) -> DeadLetter:
    return DeadLetter.of(
        source=f"{tp.topic}:{tp.partition}:{record.offset}",
        original=record.value,
        key=record.key,
        message_id=outcome.message_id,
        message_type=outcome.message_type,
        field=outcome.field,
        reason=outcome.detail,
        exception_class=outcome.error or REFUSAL_CLASS,
    )
