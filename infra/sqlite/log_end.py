"""How far a SQLite store's notification log goes, read without building an engine.

A query (`antrian queue`, `order`, `audit`, `report`) first brings its read models
up to date from the log; when nothing was stored since they last looked, there is
nothing to do, and finding that out this way spares a query the engine's start-up.
The notification id is the events table's rowid, as the library numbers it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def last_notification_id(path: Path) -> int:
    """The newest notification id in the store at `path`; 0 when it has none or does not exist."""
    if not path.exists():
        return 0
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
        try:
            (last,) = connection.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
        except sqlite3.OperationalError:  # no events table yet
            return 0
    return int(last or 0)


def holds_topic(path: Path, topic: str) -> bool:
    """Whether the store at `path` holds an event of `topic` (a scan of the events table: no index on topics)."""
    if not path.exists():
        return False
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
        try:
            found = connection.execute(
                "SELECT 1 FROM stored_events WHERE topic = ? LIMIT 1", (topic,)
            ).fetchone()
        except sqlite3.OperationalError:  # no events table yet
            return False
    return found is not None
