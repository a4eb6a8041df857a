"""Where each projection stands in each feed, kept in the read store itself.

Positions are written in the same transaction as the rows they produced, so
after a crash a projection resumes exactly after the last batch it
committed. `position` is where the feed resumes (next notification id to
read / next Kafka offset); `last_notification_id` is the highest event
applied, the de-duplication key (the relay is at-least-once: a republished
event has an id already applied).
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.store import Tx

LOG_FEED = "log"  # the embedded feed's one key: the event store's notification log

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS projection_positions ("
    " projection TEXT NOT NULL, feed TEXT NOT NULL, position BIGINT NOT NULL,"
    " last_notification_id BIGINT NOT NULL, PRIMARY KEY (projection, feed))",
    "CREATE TABLE IF NOT EXISTS projection_state ("
    " projection TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,"
    " applied BIGINT NOT NULL DEFAULT 0)",
)
LIVE = "live"
REBUILDING = "rebuilding"


@dataclass
class Position:
    position: int = 0
    last_notification_id: int = 0


@dataclass(frozen=True)
class State:
    projection: str
    version: int
    status: str
    applied: int


def create(tx: Tx) -> None:
    for statement in SCHEMA:
        tx.execute(statement)


def read(tx: Tx, names: list[str]) -> dict[str, dict[str, Position]]:
    """projection -> feed -> Position, for the named projections."""
    found: dict[str, dict[str, Position]] = {name: {} for name in names}
    for projection, feed, position, last in tx.all(
        "SELECT projection, feed, position, last_notification_id FROM projection_positions"
    ):
        if projection in found:
            found[projection][feed] = Position(position, last)
    return found


Mark = tuple[tuple[str, int, int], ...]


def mark(tx: Tx, projection: str) -> Mark:
    """Where a projection stands in every feed, as one comparable value: it changes when it applies anything."""
    return tuple(
        sorted(
            (feed, p.position, p.last_notification_id)
            for feed, p in read(tx, [projection])[projection].items()
        )
    )


def write(tx: Tx, projection: str, feed: str, position: Position) -> None:
    tx.execute(
        "INSERT INTO projection_positions (projection, feed, position, last_notification_id) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (projection, feed) DO UPDATE SET position = excluded.position,"
        " last_notification_id = excluded.last_notification_id",
        (projection, feed, position.position, position.last_notification_id),
    )


def reset(tx: Tx, projection: str) -> None:
    tx.execute("DELETE FROM projection_positions WHERE projection = ?", (projection,))


def states(tx: Tx) -> dict[str, State]:
    return {
        row[0]: State(*row)
        for row in tx.all("SELECT projection, version, status, applied FROM projection_state")
    }


def set_state(tx: Tx, projection: str, version: int, status: str, applied: int | None = None) -> None:
    tx.execute(
        "INSERT INTO projection_state (projection, version, status, applied) VALUES (?, ?, ?, 0)"
        " ON CONFLICT (projection) DO UPDATE SET version = excluded.version, status = excluded.status",
        (projection, version, status),
    )
    if applied is not None:
        tx.execute("UPDATE projection_state SET applied = ? WHERE projection = ?", (applied, projection))


def count_applied(tx: Tx, projection: str, applied: int) -> None:
    tx.execute(
        "UPDATE projection_state SET applied = applied + ? WHERE projection = ?", (applied, projection)
    )
