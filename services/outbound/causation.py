"""Which inbound message caused each stored event, read from the notification log alone.

The engine saves a message's events with the inbox record
(`AppliedMessage.Applied`) right after them - one message per transaction,
or several in a batch, each message's events still followed by its own
inbox record - and transactions are contiguous in the notification log. So
the inbox record closes its message's events. A relay reading the log page
by page holds events back until that record arrives, and only then knows
their cause. Events after the last inbox record of a page wait for the next
page; `safe_position` tells the relay how far it may commit, so held events
are read again after a restart instead of being lost.

Dead letters and the inbox's records of refused messages come with no events
of their message (a refusal changes nothing): they are released at once, with
no causation (the refused message's id, if it had one, is in the record itself);
so do the records of dead letters retried (the retried message's own events are
closed by its inbox record, as any message's).
So are the parking lot's records (services/parking.py) and the notices of deliveries (services/notices.py), saved by the
dispatcher alone, caused by no inbound message.

Assumes every other save goes through the engine's message handling. A
save with no inbox record would be attributed to the next message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import get_topic

from domain.planning_run import PLANNING_RUN_EVENTS
from services.dead_letters import DeadLetter
from services.inbox import AppliedMessage, RefusedMessage
from services.notices import Notice
from services.parking import PARKING_LOT_EVENTS

INBOX_TOPIC = get_topic(AppliedMessage.Applied)
# A corrected message applied under an id refused before: its inbox record closes its events too.
INBOX_TOPICS = frozenset({INBOX_TOPIC, get_topic(RefusedMessage.CorrectionApplied)})
STANDALONE_TOPICS = frozenset(
    map(
        get_topic,
        (
            DeadLetter.Recorded,
            DeadLetter.Retried,
            RefusedMessage.Refused,
            RefusedMessage.RefusedAgain,
            # A content attached later to an old entry (`antrian inbox backfill`): no message's cause.
            AppliedMessage.ContentRecorded,
            RefusedMessage.ContentRecorded,
            Notice.Delivered,
            # The parking lot's records: a parked message has no inbox record to close them.
            *PARKING_LOT_EVENTS,
            # A planning run is saved by `antrian plan run`, not by a message.
            *PLANNING_RUN_EVENTS,
        ),
    )
)

Ready = tuple[Notification, str | None]


class CausationTracker:
    """Feed notifications in log order; get back those whose cause is now known."""

    def __init__(
        self,
        mapper: Mapper | None = None,
        start_after: int = 0,
        standalone_topics: frozenset[str] = STANDALONE_TOPICS,
    ) -> None:
        """`mapper` decodes inbox records (needed if the store compresses or encrypts);
        `start_after` is the position the relay resumed after."""
        self._mapper = mapper
        self._standalone = standalone_topics
        self._held: list[Notification] = []
        self._last_fed = start_after
        # Who handed in each message closed since the last `feed_all` began (its inbox record's `by`).
        self._callers: dict[str, str | None] = {}

    def feed(self, notification: Notification) -> list[Ready]:
        """What became ready: held events when `notification` is an inbox record,
        a standalone record (dead letter) by itself, else nothing yet."""
        if notification.id <= self._last_fed:
            raise ValueError(f"notification {notification.id} fed after {self._last_fed}: feed in log order")
        self._last_fed = notification.id
        if notification.topic in self._standalone:
            return [(notification, None)]
        if notification.topic not in INBOX_TOPICS:
            self._held.append(notification)
            return []
        message_id, self._callers[message_id] = self._inbox_record(notification)
        ready: list[Ready] = [(held, message_id) for held in self._held]
        self._held = []
        return ready

    def feed_all(self, notifications: Iterable[Notification]) -> list[Ready]:
        """One page at a time: everything that became ready, in log order."""
        self._callers = {}
        ready: list[Ready] = []
        for notification in notifications:
            ready.extend(self.feed(notification))
        return ready

    @property
    def held(self) -> tuple[Notification, ...]:
        """Events waiting for the inbox record of their message."""
        return tuple(self._held)

    @property
    def safe_position(self) -> int:
        """The highest notification id up to which everything has been released.

        A relay commits this (not the last id it read) and resumes after it.
        """
        return self._held[0].id - 1 if self._held else self._last_fed

    def caller_of(self, message_id: str | None) -> str | None:
        """Who handed in a message whose events were released by the last `feed_all` (or `feed`
        since it); None when unknown (an entry stored before callers were kept)."""
        return self._callers.get(message_id) if message_id is not None else None

    def _inbox_record(self, notification: Notification) -> tuple[str, str | None]:
        if self._mapper is not None:
            applied: Any = self._mapper.to_domain_event(notification)
            return str(applied.message_id), getattr(applied, "by", None)
        state: dict[str, Any] = orjson.loads(notification.state)
        return state["message_id"], state.get("by")


def attribute_causation(
    notifications_in_order: Iterable[Notification], mapper: Mapper | None = None
) -> Iterator[Ready]:
    """Each event with the message id that caused it; events whose inbox record is not there yet are held back."""
    tracker = CausationTracker(mapper)
    for notification in notifications_in_order:
        yield from tracker.feed(notification)
