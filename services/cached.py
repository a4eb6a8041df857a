"""The aggregates the engine holds in memory, kept true to the store.

What is decided is cached before the store has it (the next batch finds an
order placed in this one), so what a refused or failed save touched is
evicted. Where other processes write to the same store, what they changed
is evicted once per batch: one read of the notification log, instead of one
per aggregate read (the library's fast-forwarding); what changes between
that read and our save is caught by the store's version check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any
from uuid import UUID

from eventsourcing.application import Cache, Repository
from eventsourcing.persistence import ApplicationRecorder

from services.processing import Processing


class Cached:
    def __init__(self, repository: Repository[UUID], recorder: ApplicationRecorder, shared: bool) -> None:
        self.cache: Cache[Any, Any] | None = repository.cache
        self.recorder = recorder
        self.shared = shared  # other processes may write to this store
        self.seen = (recorder.max_notification_id() or 0) if shared else 0  # the log read up to here

    def keep(self, processing: Processing) -> None:
        """The aggregates a save holds, as they are after it."""
        if self.cache is not None:
            for aggregate_id, aggregate in processing.aggregates.items():
                self.cache.put(aggregate_id, aggregate)

    def forget(self, aggregates: Mapping[UUID, Any]) -> None:
        if self.cache is not None:
            for aggregate_id in aggregates:
                with suppress(KeyError):
                    self.cache.get(aggregate_id, evict=True)

    def catch_up(self, last_position: int | None = None) -> None:
        """Evict cached aggregates that other writers changed since we last looked.

        `last_position`: how far the log was when the last holder of the store's
        lock left it (infra/sqlite/lock.py); if that is where we are, nobody else wrote.
        """
        if not self.shared or self.cache is None or last_position == self.seen:
            return
        while notes := self.recorder.select_notifications(self.seen + 1, 5000):
            for note in notes:
                with suppress(KeyError):
                    if self.cache.get(note.originator_id).version < note.originator_version:
                        self.cache.get(note.originator_id, evict=True)
            self.seen = notes[-1].id

    def passed_own(self, ids: Sequence[int]) -> None:
        """Move the catch-up mark past our own events when nobody wrote in between.

        The store's table lock gives one save's events consecutive ids, so a save that
        starts right after the mark leaves nothing of another writer's behind it. Without
        this, the next batch's catch-up reads back every event this engine just wrote.
        """
        if self.shared and ids and min(ids) == self.seen + 1:
            self.seen = max(ids)
