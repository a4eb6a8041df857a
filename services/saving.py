"""Saving what the engine decided, with the cache following what the store kept.

A save is handed to the writer (services/writing.py); what it saved is put in
the cache, and what a refused or failed save touched is evicted. A batch
written behind is settled before the next one is handed over: if the store
refused it (a version or inbox conflict: another writer, or a redelivery),
everything decided on top of it is evicted too, and the engine decides again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking

from services.cached import Cached
from services.deciding import collected
from services.outcomes import Outcome
from services.pending import PendingBatch
from services.processing import Processing
from services.writing import BatchWriter, Write, WriteStuck

Redo = Callable[[PendingBatch], list[Outcome]]  # a refused batch's messages decided and saved again


class Saving:
    def __init__(self, writer: BatchWriter, cached: Cached, write_timeout: float) -> None:
        self.writer = writer
        self.cached = cached
        self.write_timeout = write_timeout  # seconds a batch's write may take (`WriteStuck`)
        self.in_flight: PendingBatch | None = None  # the batch being written behind

    def save(self, processing: Processing) -> Sequence[int]:
        """Write now, the way the writer thread writes a batch behind; then cache what was saved."""
        ids = self.writer.write(processing)
        self.cached.keep(processing)
        self.cached.passed_own(ids)
        return ids

    def save_or_forget(self, processing: Processing, touched: Mapping[UUID, Any]) -> Sequence[int]:
        """`save`; what the save `touched` is evicted if it fails."""
        try:
            return self.save(processing)
        except BaseException:
            self.cached.forget(touched)
            raise

    def record_refused(self, letters: Callable[[], Sequence[Any]], tracking: Tracking | None) -> None:
        """Keep dead letters, with the feed position past them, in one transaction.

        `letters` makes fresh aggregates: after a refused save the first ones
        have given up their pending events.
        """
        processing = Processing(tracking=tracking)
        processing.collect_events(*letters())
        try:
            self.save(processing)
        except IntegrityError:  # some were kept before (a redelivery): keep the others
            for letter in letters():
                with suppress(IntegrityError):
                    self.save(collected(letter))
            if tracking is not None:
                with suppress(IntegrityError):  # another instance recorded it first
                    self.save(Processing(tracking=tracking))

    def prepare(self, processing: Processing) -> Write:
        """A decided batch's save encoded now, and what it decided cached from now on."""
        write = self.writer.prepare(processing)
        self.cached.keep(processing)
        return write

    def hand_over(self, pending: PendingBatch, write: Write) -> PendingBatch:
        """Leave a prepared save to the writer, once the batch before it is settled."""
        pending.written = self.writer.submit(write)
        self.in_flight = pending
        return pending

    def settle(self, redo: Redo, decided_on_top: Mapping[UUID, Any] | None = None) -> bool:
        """Wait for the batch being written; False if the store refused it and it was redone.

        Then what was `decided_on_top` of it is evicted too, for the caller to decide again.
        Any other failure of the write evicts both and is raised.
        """
        pending, self.in_flight = self.in_flight, None
        if pending is None or pending.written is None:
            return True
        try:
            ids = pending.written.result(timeout=self.write_timeout)
        except FutureTimeout:
            self._forget_both(pending, decided_on_top)
            pending.failed = WriteStuck(
                f"a batch of {len(pending.messages)} message(s) has been writing for more than "
                f"{self.write_timeout:.0f} s (ANTRIAN_WRITE_TIMEOUT_SECONDS): the engine stops"
            )
            raise pending.failed from None
        except BaseException as error:
            self._forget_both(pending, decided_on_top)
            if not isinstance(error, IntegrityError):
                pending.failed = error
                raise
            pending.outcomes = redo(pending)
            return False
        self.cached.passed_own(ids)
        return True

    def _forget_both(self, pending: PendingBatch, decided_on_top: Mapping[UUID, Any] | None) -> None:
        self.cached.forget(decided_on_top or {})
        self.cached.forget(pending.cached)
