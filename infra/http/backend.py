"""What one service process reads and writes through, built from settings when the app starts.

One lock serialises the engine and the read store's connection: both are single
connections (SQLite, psycopg) and the engine is not thread-safe, while FastAPI
runs plain `def` endpoints on a thread pool. The service is an ops surface, not
the engine's hot path, so one request at a time against the store is enough.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from infra.bootstrap import build_engine, build_read_store, build_runner, is_embedded, log_feed
from infra.http.queues import QueueCache
from infra.http.reports import Reports
from infra.settings import Settings
from projections.positions import LOG_FEED
from projections.store import ReadStore, Tx

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner
    from services.capacity_report import ReportOutlook
    from services.engine import Engine
    from services.time_travel.views import TimeTravel


class Backend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.store: ReadStore = build_read_store(settings)
        self.runner: ProjectionRunner = build_runner(self.store)
        self.queues = QueueCache()  # read and filled under `lock`, inside `reading`
        in_memory = settings.read_backend == "sqlite" and str(settings.read_db_path) == ":memory:"
        self.reports = Reports(None if in_memory else lambda: build_read_store(settings))
        self._engine: Engine | None = None
        self._travel: TimeTravel | None = None
        self._outlook: tuple[int, ReportOutlook] | None = None  # with the log's end it was made at

    @property
    def engine(self) -> Engine:
        """Built on first use: health and token checks never need it."""
        if self._engine is None:
            self._engine = build_engine(self.settings)
        return self._engine

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A read transaction over read models that have seen the whole log (embedded mode)."""
        with self.lock:
            if is_embedded(self.settings):
                self.catch_up()
            with self.store.reading() as tx:
                yield tx

    @contextmanager
    def querying(self) -> Iterator[ReadStore]:
        """The read store, caught up as `reading` does, for queries that open their own transaction."""
        with self.lock:
            if is_embedded(self.settings):
                self.catch_up()
            yield self.store

    @contextmanager
    def engine_held(self) -> Iterator[Engine]:
        with self.lock:
            yield self.engine

    @contextmanager
    def travelling(self) -> Iterator[TimeTravel]:
        """The store read as of instants; its index of message times is read on from where it stopped."""
        from services.time_travel.views import TimeTravel

        with self.lock:
            if self._travel is None:
                self._travel = TimeTravel(self.engine)
            yield self._travel

    def capacity_outlook(self) -> ReportOutlook:
        """The report's capacity outlook, kept until the log moves: it reads nothing else, and the overview
        asks for the report on every change it sees."""
        from services.capacity_report import report_outlook

        with self.lock:
            end = self.log_end()
            if self._outlook is None or self._outlook[0] != end:
                self._outlook = (end, report_outlook(self.engine))
            return self._outlook[1]

    def log_end(self) -> int:
        """The next notification id to read once the log is read whole (0 for an empty log)."""
        last = self.engine.recorder.max_notification_id() or 0
        return last + 1 if last else 0

    def catch_up(self) -> None:
        if not self.runner.caught_up({LOG_FEED: self.log_end()}):
            self.runner.run(log_feed(self.engine))

    def close(self) -> None:
        self.reports.close()
        with self.lock:
            if self._engine is not None:
                self._engine.close()
            self.store.close()
