"""Which part of the notification log an instant of business time covers.

"As of T" is the state a fresh store would hold had it been fed, in the order
this store applied them, only the messages that occurred (`occurred_at`) at or
before T. Every applied message's inbox entry keeps the message (services/inbox.py)
and is saved in the same atomic save as its effects, after them: the log up to an
entry holds exactly the effects of the messages applied up to it.

When the applied messages that occurred at or before T are the first ones applied
(messages arrived in time order, up to T), the state at the last of their entries
is exactly that fresh store's: the engine decides from messages alone. When one
occurring after T was applied before one occurring at or before T (out of order),
no prefix of this store's history is that state: the answer is then the state
just before the first message occurring after T, and the moment names the
messages that occurred by T and were applied later (`missing`): a fresh store fed
only messages occurred by T would have applied them too.

Entries stored before messages were kept (`content` None) have no known time:
they are counted as in order (placed by their position) and named as `unknown`
(the what-if's inbox backfill gives them their contents). Refused messages change
no aggregate, so they never move the cut; but one that occurred by T and was judged
after the cut was judged on a state such a fresh store would not have had (it
might have been applied there), so it is named among the `missing` too (refusal
entries keep when their message occurred; an older one judged after the cut, with no
time, is `unknown`).

"In the order applied" matters with batches: a message a batch wakes is applied after
the batch, not right after what it waited for (services/engine.py), so the order is the
log's, which a store fed one message at a time in arrival order may not share.

Not covered: a parked message refused after waiting its time (services/parking.py)
was judged by the message clock of every message the engine had seen, some of
which may have occurred after T; the test streams keep within that wait.

A SQLite or PostgreSQL store with plain JSON states keeps an index of the entries'
times, and the cut is found by the store (indexed_cut.py): a process's first ask costs
what its later ones do. Elsewhere (the memory store, compressed or encrypted states)
the index is built here from the log once per process and then read on from where it
stopped (services/topic_log.py): an instant's cut is then a search in memory. Both
give the same moments (tests/integration/test_as_of_indexed.py).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from services.time_travel.indexed import APPLIED_TOPICS, NAMED, REFUSED_TOPICS
from services.time_travel.indexed_cut import indexed_cut
from services.topic_log import TopicLog


@dataclass(frozen=True)
class Entry:
    position: int  # notification id of the message's inbox entry
    message_id: str
    occurred_at: datetime | None  # None: stored before message contents were kept


@dataclass(frozen=True)
class Moment:
    """An instant and the log it covers: `position` None is the log's end (the state of now)."""

    instant: datetime
    position: int | None
    applied: int  # messages applied by then
    missing: list[str] = field(default_factory=list)  # occurred by the instant, applied after it
    missing_count: int = 0
    unknown: list[str] = field(default_factory=list)  # applied with no known time (old entries)
    unknown_count: int = 0

    @property
    def exact(self) -> bool:
        return not self.missing_count and not self.unknown_count

    @property
    def before_first(self) -> bool:
        return self.position == 0

    def note(self) -> str:
        """Why the answer may differ from a store fed only the messages occurred by the instant."""
        parts = []
        if self.missing_count:
            parts.append(
                f"{self.missing_count} message(s) occurred by {self.instant.isoformat()} but were applied "
                f"after one occurring later, so this state lacks them: {_named(self.missing, self.missing_count)}"
            )
        if self.unknown_count:
            parts.append(
                f"{self.unknown_count} message(s) were stored before their times were kept, so whether they "
                f"occurred by then is unknown (applied ones are taken as in order): "
                f"{_named(self.unknown, self.unknown_count)}"
            )
        return "; ".join(parts) if parts else "exact"

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.instant.isoformat(),
            "log_position": self.position,
            "messages_applied": self.applied,
            "exact": self.exact,
            "missing": self.missing,
            "missing_count": self.missing_count,
            "unknown_time": self.unknown,
            "unknown_time_count": self.unknown_count,
            "note": self.note(),
        }


def _named(ids: list[str], count: int) -> str:
    more = f" and {count - len(ids)} more" if count > len(ids) else ""
    return ", ".join(ids) + more


class MessageTimes:
    """The applied messages in the order they were applied, with when each occurred."""

    def __init__(
        self, recorder: Any, plain_json: bool = False, in_memory: bool = False, mapper: Any = None
    ) -> None:
        """`plain_json`: states are stored as JSON text (no compression or cipher), so the store can read them.

        `in_memory`: fold the entries here from the log even where the store could find the cut
        (what a store without the index does: tests and the bench compare both).
        `mapper`: the store's, to read states that are compressed or encrypted.
        """
        self._mapper = mapper
        self.entries: list[Entry] = []
        self._positions: list[int] = []
        # Running maximum of the known times: the first entry occurring after T is found by bisection.
        self._latest: list[datetime] = []
        self._unknown: list[str] = []  # messages applied with no known time
        self._refusals: list[Entry] = []
        self._refusal_positions: list[int] = []
        self._refused_ids: dict[Any, str] = {}  # RefusedAgain names no message id: its entry's Refused does
        self._log = TopicLog(recorder, APPLIED_TOPICS + REFUSED_TOPICS, self._fold)
        self._indexed = indexed_cut(recorder) if plain_json and not in_memory else None

    @property
    def indexed(self) -> bool:
        """Whether the store finds the cut (nothing is folded into memory)."""
        return self._indexed is not None

    def catch_up(self) -> None:
        if self._indexed is None:  # the store's index, where there is one, is always caught up
            self._log.catch_up()

    def _fold(self, note: Any) -> None:
        state = orjson.loads(_json(note.state, self._mapper))
        if note.topic in REFUSED_TOPICS:
            occurred = state.get("occurred_at")
        else:
            occurred = (state.get("content") or {}).get("occurred_at")
        self._add(note.id, note.topic, note.originator_id, state.get("message_id"), occurred)

    def _add(
        self, position: int, topic: str, originator_id: Any, message_id: str | None, occurred: str | None
    ) -> None:
        when = datetime.fromisoformat(occurred) if occurred else None
        if topic in REFUSED_TOPICS:
            message_id = message_id or self._refused_ids.get(originator_id, "?")
            self._refused_ids[originator_id] = message_id
            self._refusals.append(Entry(position, message_id, when))
            self._refusal_positions.append(position)
            return
        message_id = message_id or "?"
        self.entries.append(Entry(position, message_id, when))
        self._positions.append(position)
        before = self._latest[-1] if self._latest else None
        if when is None:
            self._unknown.append(message_id)
            self._latest.append(before or datetime.min.replace(tzinfo=UTC))
        else:
            self._latest.append(when if before is None or when > before else before)

    def cut(self, instant: datetime) -> Moment:
        """The log up to the last message applied before the first one occurring after `instant`."""
        if self._indexed is not None:
            return Moment(instant=instant, **asdict(self._indexed.cut(instant)))
        first_after = bisect_right(self._latest, instant)
        later = self.entries[first_after:]
        missing = [e.message_id for e in later if e.occurred_at is not None and e.occurred_at <= instant]
        unknown = list(self._unknown)
        if first_after == len(self.entries):
            position: int | None = None
        else:
            position = self._positions[first_after - 1] if first_after else 0
            # A refusal changed nothing: only one judged after the cut may differ in a fresh store.
            judged_after = self._refusals[bisect_right(self._refusal_positions, position) :]
            missing += [r.message_id for r in judged_after if r.occurred_at and r.occurred_at <= instant]
            unknown += [r.message_id for r in judged_after if r.occurred_at is None]
        return Moment(
            instant=instant,
            position=position,
            applied=first_after,
            missing=missing[:NAMED],
            missing_count=len(missing),
            unknown=unknown[:NAMED],
            unknown_count=len(unknown),
        )


def _json(state: bytes, mapper: Any) -> bytes:
    """A stored state as JSON: decrypted and decompressed as the store's mapper wrote it."""
    if getattr(mapper, "cipher", None):
        state = mapper.cipher.decrypt(state)
    if getattr(mapper, "compressor", None):
        state = mapper.compressor.decompress(state)
    return state


class BadInstant(ValueError):
    """An instant that is not an ISO 8601 date and time with its zone."""


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its zone (`2026-01-05T10:00:00Z`, `...+01:00`); a bare time is refused.

    A time without a zone would be read in whichever zone the server runs in: the
    same command would answer differently on two machines.
    """
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInstant(f"{text!r} is not an ISO 8601 date and time (e.g. 2026-01-05T10:00:00Z)") from None
    if instant.tzinfo is None:
        raise BadInstant(f"{text!r} has no zone: add Z or an offset such as +01:00")
    return instant.astimezone(UTC)
