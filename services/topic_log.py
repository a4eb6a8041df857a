"""Reading the notifications of some topics as the log grows: each ask reads only what was appended.

A topic filter on the notification log is a scan of the whole log (the stores index
notifications by id only): about 200 ms on a million events, paid on every ask by
whoever wanted "every dead letter" or "every warehouse" again. Notification ids are
given in commit order (SQLite's writer lock, the PostgreSQL recorder's table lock), so
what has been read up to the log's end never changes; a `TopicLog` remembers where it
stopped and folds each new notification into whatever its owner keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

PAGE = 1000


class TopicLog:
    def __init__(self, recorder: Any, topics: Sequence[str], fold: Callable[[Any], None]) -> None:
        self._recorder = recorder
        self._topics = list(topics)
        self._fold = fold  # called once per notification of the topics, in log order
        self._from = 1

    def catch_up(self) -> None:
        """Folds the notifications appended since the last call, up to the log's end now."""
        end = self._recorder.max_notification_id() or 0
        while notes := self._recorder.select_notifications(self._from, PAGE, stop=end, topics=self._topics):
            for note in notes:
                self._fold(note)
            self._from = notes[-1].id + 1
        self._from = max(self._from, end + 1)
