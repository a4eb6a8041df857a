"""The periodic report's figures, kept between asks and brought up to date in the background.

A report walks every order line's facts (projections/analytics/query.py): about
4 s for 100,000 orders on a 2-core machine, while the overview, which every ops
person keeps open and which refreshes itself on every change, asks for it again
and again. So the figures of each range are kept with the analytics read model's
mark (its position in every feed, read in the same transaction as its rows):

- asked while the read model has not moved, they are answered from memory;
- asked after it moved, the kept figures are answered at once, marked not current,
  with the time they were computed, and one refresh per range runs in a
  background thread on its own read-store connection, so requests are not held
  behind it (the service's lock guards only the request's own connection);
- asked for the first time, or with `fresh`, they are computed in the request, unless a
  computation of them is already under way (the whole range's, started with the service by
  `warm`, so the first overview need not wait for a whole walk) and gives them at the
  read model's present mark: then that one is awaited.

`generation` counts completed refreshes: the dashboard's live version includes it,
so an open page fetches the new figures when a refresh lands, not at the next change.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from projections import positions
from projections.analytics.query import read_report
from projections.analytics.report import Report
from projections.positions import Mark
from projections.store import ReadStore, Tx

log = logging.getLogger(__name__)
Range = tuple[date | None, date | None]
PROJECTION = "analytics"


@dataclass(frozen=True)
class Figures:
    report: Report
    mark: Mark
    computed_at: datetime  # wall clock, shown to people: the figures decide nothing
    current: bool = True  # computed at the read model's position when asked
    unasked: bool = False  # computed ahead of any ask (`warm`): not yet shown to anyone


class Reports:
    def __init__(self, open_store: Callable[[], ReadStore] | None, size: int = 64) -> None:
        # The background thread's own connection, opened there; None (a read store in memory, which
        # another connection would not see): figures that moved are computed in the request.
        self._open_store = open_store
        self._size = size
        self._kept: OrderedDict[Range, Figures] = OrderedDict()
        self._refreshing: dict[Range, Future[None]] = {}
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="antrian-report")
        self._store: ReadStore | None = None  # used only in the worker's one thread
        self.generation = 0

    def figures(self, tx: Tx, start: date | None, end: date | None, fresh: bool = False) -> Figures:
        """The range's figures as of `tx`'s read model, or the last kept ones (not current) while a refresh runs."""
        key = (start, end)
        now = positions.mark(tx, PROJECTION)
        with self._lock:
            kept = self._kept.get(key)
        if kept is None or kept.unasked:  # a first ask: shown current, awaited or computed here
            awaited = self._awaited(key) or kept
            if awaited is not None and awaited.mark == now:
                return self._keep(key, replace(awaited, unasked=False))
        elif kept.mark == now:
            return kept
        elif not fresh and self._open_store is not None:
            self._refresh(key)
            return Figures(kept.report, kept.mark, kept.computed_at, current=False)
        return self._keep(key, Figures(read_report(tx, start, end), now, datetime.now(UTC)))

    def warm(self) -> None:
        """Starts computing the whole range's figures (the overview's) in the background."""
        if self._open_store is not None:
            self._refresh((None, None), unasked=True)

    def ready(self, tx: Tx) -> tuple[bool, str]:
        """For readiness: have the whole range's figures been computed since the service started?

        Once they have, it stays ready (they are refreshed as they are asked for). Figures computed
        before the read model caught up (embedded mode catches up when readiness is first asked)
        and not yet shown are computed again, in the background.
        """
        if self._open_store is None:
            return True, "computed when asked (read store in memory)"
        key: Range = (None, None)
        with self._lock:
            kept, running = self._kept.get(key), key in self._refreshing
        if kept is None:
            if not running:
                self._refresh(key, unasked=True)
            return False, "computing the whole history's figures"
        if kept.unasked and kept.mark != positions.mark(tx, PROJECTION):
            self._refresh(key, unasked=True)
        return True, f"whole history's figures of {kept.computed_at:%Y-%m-%d %H:%M:%S} UTC"

    def _awaited(self, key: Range) -> Figures | None:
        """The figures a computation under way gives, once it ends; None if none is under way."""
        with self._lock:
            running = self._refreshing.get(key)
        if running is None:
            return None
        running.result()
        with self._lock:
            return self._kept.get(key)

    def _keep(self, key: Range, found: Figures) -> Figures:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or _covers(found.mark, kept.mark):  # never replaced by older figures
                self._kept[key] = found
                self._kept.move_to_end(key)
                self.generation += 1
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return found

    def _refresh(self, key: Range, unasked: bool = False) -> None:
        with self._lock:
            if key not in self._refreshing:
                self._refreshing[key] = self._worker.submit(self._recompute, key, unasked)

    def _recompute(self, key: Range, unasked: bool) -> None:
        try:
            if self._store is None and self._open_store is not None:
                self._store = self._open_store()
            assert self._store is not None, "refreshed only with a store to open"
            with self._store.reading() as tx:
                found = Figures(
                    read_report(tx, *key), positions.mark(tx, PROJECTION), datetime.now(UTC), unasked=unasked
                )
            self._keep(key, found)
        except Exception:  # the kept figures stay, marked not current; the next ask tries again
            log.exception("refreshing the report for %s failed", key)
        finally:
            with self._lock:
                self._refreshing.pop(key, None)

    def close(self) -> None:
        """Waits for a running refresh, then closes the worker's connection in its own thread."""
        self._worker.submit(self._close_store)
        self._worker.shutdown(wait=True)

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _covers(new: Mark, old: Mark) -> bool:
    """`new` stands at or past `old` in every feed `old` had read."""
    reached = {feed: position for feed, position, _ in new}
    return all(reached.get(feed, -1) >= position for feed, position, _ in old)
