"""The notification log up to a moment, as a projection feed: read models rebuilt as they were.

The report's figures are a fold of the whole log (projections/analytics); as of
an instant they are the same fold stopped at the moment's log position, into a
scratch read store. This reads the log up to there (the report is not asked
often, and a read model per instant would be the separate history table time
travel must not be).
"""

from __future__ import annotations

from typing import Any

from projections.feeds import LogFeed
from projections.positions import LOG_FEED


class LogPrefixFeed(LogFeed):
    """A `LogFeed` that ends at notification `last` (None: the log's end)."""

    def __init__(self, recorder: Any, mapper: Any, last: int | None, owner: Any = None) -> None:
        self.last = last
        super().__init__(_Stopped(recorder, last), mapper, owner)


class _Stopped:
    """The recorder's notifications, none after `last`."""

    def __init__(self, recorder: Any, last: int | None) -> None:
        self._recorder = recorder
        self._last = last

    def select_notifications(self, start: int, limit: int, **kwargs: Any) -> Any:
        if self._last is not None:
            if start > self._last:
                return []
            kwargs["stop"] = min(kwargs.get("stop") or self._last, self._last)
        return self._recorder.select_notifications(start=start, limit=limit, **kwargs)

    def max_notification_id(self) -> int | None:
        latest = self._recorder.max_notification_id()
        return latest if self._last is None or latest is None else min(latest, self._last)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._recorder, name)


def read_models_at(engine: Any, position: int | None, names: list[str]) -> Any:
    """A scratch in-memory read store with the projections `names` folded up to `position`."""
    from projections import catalog
    from projections.runner import ProjectionRunner
    from projections.store import SqliteReadStore

    store = SqliteReadStore(":memory:")
    runner = ProjectionRunner(store, catalog.build(names))
    runner.run(LogPrefixFeed(engine.recorder, engine.mapper, position, owner=engine))
    return store


__all__ = ["LOG_FEED", "LogPrefixFeed", "read_models_at"]
