"""Delivering the outbox: claim, send, record, retry with backoff, give up after N attempts.

Notifications are claimed one at a time, just before each is sent: the
claim (status `sending`) is committed, then the channel is called, then the
outcome is committed in its own transaction together with the attempt it
cost (attempts + 1). An attempt is never counted ahead of its send, so a
dispatcher that dies mid-batch leaves the rest of the batch untouched
(still due, no attempt counted), and at most one notification `sending`:
the one whose send had started. `recover()` records that one as an
interrupted attempt and makes it due again; it goes out with the same
idempotency key, which the receiver (or the file channel) recognises. So a
notification may be sent twice but is never delivered twice. Run one
dispatcher per outbox.

Each delivery is also recorded with the event store (services/notices.py,
through a `Ledger`) before the outbox marks it delivered, and a claimed
notification whose key the ledger knows is marked delivered without being
sent: an outbox restored from the event store alone sends nothing twice.

The wall clock is used only to schedule retries and stamp deliveries, never
in decisions, and is injectable so tests control time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from projections.notifications.channels import Channel, DeliveryFailed
from projections.notifications.outbox import NOTIFICATIONS, Status
from projections.store import ReadStore

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """One fixed ISO form, so timestamps compare as text in SQL on both engines."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        """Exponential: base, 2 x base, 4 x base, ... capped; `attempts` made so far (>= 1)."""
        return min(self.max_delay, self.base_delay * (1 << (attempts - 1)))


class Ledger(Protocol):
    """Where deliveries are kept beside the event store (services.notices.NoticeLedger)."""

    def delivered_at(self, idempotency_key: str) -> datetime | None: ...

    def record(
        self, idempotency_key: str, subject_key: str, payload: str, delivered_at: datetime
    ) -> None: ...


@dataclass
class Report:
    outcomes: Counter[Status] = field(default_factory=Counter)
    keys: list[str] = field(default_factory=list)  # claimed, in order
    told_before: int = 0  # claimed, found delivered in the ledger, not sent again

    @property
    def delivered(self) -> int:
        return self.outcomes[Status.DELIVERED]

    @property
    def failed(self) -> int:
        return self.outcomes[Status.FAILED]

    @property
    def dead(self) -> int:
        return self.outcomes[Status.DEAD]

    @property
    def superseded(self) -> int:
        return self.outcomes[Status.SUPERSEDED]


@dataclass(frozen=True)
class Claimed:
    key: str
    subject_key: str
    created_from: int
    payload: str
    attempts: int  # counting the one being made; written with its outcome

    @classmethod
    def row(cls, key: str, subject_key: str, created_from: int, payload: str, attempts: int) -> Claimed:
        """The stored row (attempts made before) as the attempt about to be recorded."""
        return cls(key, subject_key, created_from, payload, attempts + 1)


class Dispatcher:
    def __init__(
        self,
        store: ReadStore,
        channel: Channel,
        policy: RetryPolicy | None = None,
        clock: Clock = wall_clock,
        batch: int = 20,
        ledger: Ledger | None = None,
        progress: Callable[[Report], None] | None = None,
    ) -> None:
        """`progress` is shown the report after each notification claimed (a log line's source)."""
        self.store = store
        self.channel = channel
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.batch = batch
        self.ledger = ledger
        self.progress = progress

    def recover(self) -> int:
        """Make notifications a crashed dispatcher left `sending` due again; returns how many.

        Each had its send started (it was claimed just before), so it counts as an attempt.
        """
        with self.store.transaction() as tx:
            left = [
                Claimed.row(*row) for row in tx.all(_SELECT + " WHERE status = ?", (Status.SENDING.value,))
            ]
        for claimed in left:
            self._failed(
                claimed, "interrupted: the dispatcher stopped before recording the outcome", due_now=True
            )
        return len(left)

    def dispatch(self, limit: int | None = None) -> Report:
        """Send what is due, batch by batch, until nothing is due or `limit` were claimed."""
        report = Report()
        while limit is None or len(report.keys) < limit:
            room = self.batch if limit is None else min(self.batch, limit - len(report.keys))
            report.outcomes[Status.SUPERSEDED] += self._supersede_stale_failures()
            sent = 0
            while sent < room and (claimed := self._claim_next()) is not None:
                report.keys.append(claimed.key)
                self._deliver(claimed, report)
                sent += 1
                if self.progress is not None:
                    self.progress(report)
            if sent < room:
                break
        return report

    def _supersede_stale_failures(self) -> int:
        """A failed notification with a newer one about the same line is not worth retrying."""
        with self.store.transaction() as tx:
            stale = tx.all(
                f"SELECT idempotency_key FROM {NOTIFICATIONS} AS older WHERE status = ? AND EXISTS ("
                f"SELECT 1 FROM {NOTIFICATIONS} AS newer WHERE newer.subject_key = older.subject_key "
                "AND newer.created_from > older.created_from AND newer.status <> ?)",
                (Status.FAILED.value, Status.SUPERSEDED.value),
            )
            tx.executemany(
                f"UPDATE {NOTIFICATIONS} SET status = ?, next_attempt_at = NULL WHERE idempotency_key = ?",
                [(Status.SUPERSEDED.value, key) for (key,) in stale],
            )
        return len(stale)

    def _claim_next(self) -> Claimed | None:
        """The oldest due notification, marked `sending` (no attempt counted yet), or None.

        Claimed right before its send, never a batch ahead: what is not being
        sent stays as it was, and the payload is read in the claiming
        transaction (under the writer lock), so it is the one sent.
        """
        now = stamp(self.clock())
        with self.store.transaction() as tx:
            row = tx.one(
                _SELECT + " WHERE status IN (?, ?) AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                "ORDER BY created_from, idempotency_key LIMIT 1",
                (Status.PENDING.value, Status.FAILED.value, now),
            )
            if row is None:
                return None
            claimed = Claimed.row(*row)
            tx.execute(
                f"UPDATE {NOTIFICATIONS} SET status = ? WHERE idempotency_key = ?",
                (Status.SENDING.value, claimed.key),
            )
        return claimed

    def _deliver(self, claimed: Claimed, report: Report) -> None:
        told = self.ledger.delivered_at(claimed.key) if self.ledger is not None else None
        if told is not None:
            self._delivered(claimed, claimed.attempts, told)
            report.told_before += 1
            return
        try:
            self.channel.send(claimed.key, claimed.payload.encode())
        except DeliveryFailed as error:
            report.outcomes[self._failed(claimed, str(error))] += 1
            return
        at = self.clock()
        if self.ledger is not None:  # before the outbox: a crash in between re-sends the same key
            self.ledger.record(claimed.key, claimed.subject_key, claimed.payload, at)
        self._delivered(claimed, claimed.attempts, at)
        report.outcomes[Status.DELIVERED] += 1

    def _delivered(self, claimed: Claimed, attempts: int, at: datetime) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                f"UPDATE {NOTIFICATIONS} SET status = ?, attempts = ?, delivered_at = ?, next_attempt_at = NULL "
                "WHERE idempotency_key = ?",
                (Status.DELIVERED.value, attempts, stamp(at), claimed.key),
            )

    def _failed(self, claimed: Claimed, error: str, due_now: bool = False) -> Status:
        """Retry later, give up, or drop it when a newer notification about the same thing exists."""
        now = self.clock()
        with self.store.transaction() as tx:
            newer = tx.one(
                f"SELECT 1 FROM {NOTIFICATIONS} WHERE subject_key = ? AND created_from > ? AND status <> ? LIMIT 1",
                (claimed.subject_key, claimed.created_from, Status.SUPERSEDED.value),
            )
            if newer is not None:
                status, retry_at = Status.SUPERSEDED, None
            elif claimed.attempts >= self.policy.max_attempts:
                status, retry_at = Status.DEAD, None
            else:
                status = Status.FAILED
                retry_at = stamp(now if due_now else now + self.policy.delay(claimed.attempts))
            tx.execute(
                f"UPDATE {NOTIFICATIONS} SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ? "
                "WHERE idempotency_key = ?",
                (status.value, claimed.attempts, error, retry_at, claimed.key),
            )
        return status


_SELECT = f"SELECT idempotency_key, subject_key, created_from, payload, attempts FROM {NOTIFICATIONS}"
