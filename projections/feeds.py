"""The embedded feed: the event store's own notification log, in this process.

Each stored event is mapped to its outbound contract exactly as the relay
publishes it (services/outbound), with the causing message found the same
way (CausationTracker), so a projection fed from here sees what a Kafka
consumer of the outbound topics would see. Inbox records and dead letters are
not published and not projected.
"""

from __future__ import annotations

from typing import Any

from projections.event import ProjectedEvent
from projections.positions import LOG_FEED
from projections.runner import Batch
from services.outbound import DEAD_LETTERS, CausationTracker, to_outbound

__all__ = ["LOG_FEED", "LogFeed"]


class LogFeed:
    """Pages of the notification log; position = the next notification id to read."""

    def __init__(self, recorder: Any, mapper: Any, owner: Any = None) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self._owner = owner  # the application that owns the recorder: closing it would close the log
        self.start({})

    def start(self, resume: dict[str, int]) -> None:
        self.next_read = max(resume.get(LOG_FEED, 0), 1)
        self.tracker = CausationTracker(self.mapper, start_after=self.next_read - 1)

    def poll(self, limit: int) -> Batch:
        notifications = self.recorder.select_notifications(start=self.next_read, limit=limit)
        if not notifications:
            return Batch(events=[], advance={}, read=0)
        events = []
        for notification, causation in self.tracker.feed_all(notifications):
            event = self.mapper.to_domain_event(notification)
            if type(event) in DEAD_LETTERS:
                continue
            outbound = to_outbound(event, notification.id, causation)
            if outbound is not None:
                envelope = outbound.model_dump(mode="json")
                by = self.tracker.caller_of(causation)
                events.append(ProjectedEvent.from_envelope(envelope, LOG_FEED, notification.id + 1, by))
        self.next_read = notifications[-1].id + 1
        return Batch(
            events=events, advance={LOG_FEED: self.tracker.safe_position + 1}, read=len(notifications)
        )

    def ends(self) -> dict[str, int]:
        """The next notification id to read once everything is; 0 for an empty log, where a
        projection's position stays 0 (1 would never be reached: a rebuild would wait forever)."""
        last = self.recorder.max_notification_id() or 0
        return {LOG_FEED: last + 1 if last else 0}
