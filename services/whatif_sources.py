"""The source documents of a store: every applied message's content, in the order it was applied.

Re-applying history needs the messages themselves, not only their fingerprints. The
inbox entry of each applied message keeps its content (`AppliedMessage.Applied`, or a
refused id's `RefusedMessage.CorrectionApplied`); its notification id is when the
message took effect, parked messages included (their entry is written when they are
released, after what they waited for). So the order is read off the notification log
with a topic filter (one scan, no aggregate loaded one by one).

Entries stored before contents were kept hold `None`, unless `antrian inbox backfill`
(services/inbox_backfill.py, whose `ContentRecorded` events are read here too) has
since attached the content from upstream's files. A command that needs every content
refuses with `MissingContents`, which says how many lack one and what to run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from services.inbox import AppliedMessage, RefusedMessage

APPLIED_TOPICS = (get_topic(AppliedMessage.Applied), get_topic(RefusedMessage.CorrectionApplied))
RECORDED_TOPICS = (get_topic(AppliedMessage.ContentRecorded), get_topic(RefusedMessage.ContentRecorded))
PAGE = 5000


@dataclass(frozen=True)
class Source:
    notification_id: int  # when the message took effect, in the log's order
    message_id: str
    message_type: str
    fingerprint: str
    entry_id: UUID
    content: dict[str, Any] | None


@dataclass
class Sources:
    """The applied messages in the order they took effect."""

    messages: list[Source] = field(default_factory=list)

    @property
    def missing(self) -> list[Source]:
        return [s for s in self.messages if s.content is None]

    def contents(self) -> list[dict[str, Any]]:
        """Every content in order; MissingContents if any entry has none."""
        missing = self.missing
        if missing:
            raise MissingContents(len(missing), len(self.messages))
        return [s.content for s in self.messages if s.content is not None]


class MissingContents(Exception):
    """Some applied messages were stored before their contents were kept."""

    def __init__(self, missing: int, total: int) -> None:
        self.missing, self.total = missing, total
        super().__init__(
            f"{missing:,} of {total:,} applied messages were stored before contents were kept; "
            "run `antrian inbox backfill FILE.jsonl` with upstream's files of them"
        )


def applied_sources(recorder: Any, mapper: Any) -> Sources:
    """Every applied message of the store, oldest first, with its content where one is known."""
    found: dict[UUID, Source] = {}
    recorded: dict[UUID, dict[str, Any]] = {}
    start = 1
    topics = APPLIED_TOPICS + RECORDED_TOPICS
    while notes := recorder.select_notifications(start, PAGE, topics=topics):
        for note in notes:
            event = mapper.to_domain_event(note)
            if isinstance(event, AppliedMessage.ContentRecorded | RefusedMessage.ContentRecorded):
                recorded[event.originator_id] = event.content
            else:
                found[event.originator_id] = Source(
                    note.id,
                    event.message_id,
                    event.message_type,
                    event.fingerprint,
                    event.originator_id,
                    event.content,
                )
        start = notes[-1].id + 1
    sources = Sources(sorted(found.values(), key=lambda s: s.notification_id))
    if recorded:
        sources.messages = [
            s if s.content is not None or s.entry_id not in recorded else _with(s, recorded[s.entry_id])
            for s in sources.messages
        ]
    return sources


def _with(source: Source, content: dict[str, Any]) -> Source:
    return Source(
        source.notification_id,
        source.message_id,
        source.message_type,
        source.fingerprint,
        source.entry_id,
        content,
    )
