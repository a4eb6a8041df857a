"""The outbox: every notification composed, with its delivery status. Kept across rebuilds.

What customers were told is not derivable from the log (it depends on when
the dispatcher ran), so these tables survive `projections rebuild`. The
per-subject cursor records the last aggregate version composed, so a
rebuild replays old changes into the rebuildable views without composing
them again: nobody is notified twice.

A notification that is pending and was never attempted is still a draft:
a newer change re-decides it from the latest view (`compose.what_to_say`).
Once the dispatcher has claimed it (`sending`, its first attempt not yet
counted), its key may already be at the receiver, so it is never
rewritten; a later change makes a new notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import orjson

from projections.event import ProjectedEvent
from projections.notifications.compose import PUSH_TOLD, Kind, nothing_told, what_to_say
from projections.notifications.templates import Message, render_back_in_stock, render_line
from projections.notifications.views import LineView
from projections.store import Tx


class Status(StrEnum):
    PENDING = "pending"  # waiting for the dispatcher (a draft while attempts = 0)
    SENDING = "sending"  # claimed, its send started; the attempt is counted with its outcome
    DELIVERED = "delivered"
    FAILED = "failed"  # will be retried at next_attempt_at
    DEAD = "dead"  # gave up after the maximum attempts; last_error says why
    SUPERSEDED = "superseded"  # a newer notification about the same thing replaced it


NOTIFICATIONS = "notifications"
CURSORS = "notifications_cursors"
# Per line: the queue place in the latest notification composed for it (sent or still a draft),
# what a push by higher tiers is measured against without composing anything.
PLACES = "notifications_told_places"

KEPT_TABLES = {
    NOTIFICATIONS: (
        "idempotency_key TEXT PRIMARY KEY, subject_key TEXT NOT NULL, kind TEXT NOT NULL, "
        "order_id TEXT, line_id TEXT, sku TEXT NOT NULL, customer_id TEXT NOT NULL, "
        "recipient TEXT NOT NULL, locale TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, "
        "payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, "
        "next_attempt_at TEXT, last_error TEXT, delivered_at TEXT, "
        "created_from BIGINT NOT NULL, updated_from BIGINT NOT NULL, aggregate_version INTEGER NOT NULL, "
        "changed_at TEXT NOT NULL"
    ),
    CURSORS: "subject_key TEXT PRIMARY KEY, last_version INTEGER NOT NULL",
    PLACES: "subject_key TEXT PRIMARY KEY, position INTEGER",
}
INDEXES = (
    f"CREATE INDEX IF NOT EXISTS notifications_due ON {NOTIFICATIONS} (status, next_attempt_at)",
    f"CREATE INDEX IF NOT EXISTS notifications_subject ON {NOTIFICATIONS} (subject_key, created_from)",
    # GET /orders/{id} lists what its customer was sent: without it, a scan of every notification.
    f"CREATE INDEX IF NOT EXISTS notifications_order ON {NOTIFICATIONS} (order_id, created_from, idempotency_key)",
)


@dataclass(frozen=True)
class Recipient:
    customer_id: str
    email: str
    locale: str


@dataclass(frozen=True)
class Draft:
    """What one notification would say, before it is merged into the outbox."""

    subject_key: str
    key: str  # idempotency key if this becomes a new notification
    kind: Kind
    message: Message
    payload: dict[str, Any]
    sku: str
    order_id: str | None = None
    line_id: str | None = None


def first_time(tx: Tx, subject_key: str, version: int) -> bool:
    """Advance the subject's cursor; False when `version` was composed before (a rebuild replaying)."""
    row = tx.one(f"SELECT last_version FROM {CURSORS} WHERE subject_key = ?", (subject_key,))
    if row is not None and version <= row[0]:
        return False
    tx.execute(
        f"INSERT INTO {CURSORS} (subject_key, last_version) VALUES (?, ?) "
        "ON CONFLICT (subject_key) DO UPDATE SET last_version = excluded.last_version",
        (subject_key, version),
    )
    return True


def line_subject(order_id: str, line_id: str) -> str:
    return f"line:{_part(order_id)}:{_part(line_id)}"


def compose_line(
    tx: Tx, event: ProjectedEvent, order: dict[str, Any], line_id: str, now: LineView, source: str = "v"
) -> None:
    """Create, re-decide or withdraw the line's draft after one change to it.

    `source` names the stream the change came from, whose versions count the
    cursor: "v" for the order's own, another for a Stock's promises, so a
    rebuild skips what each stream already composed, whatever the interleaving.
    """
    subject_key = line_subject(order["order_id"], line_id)
    cursor = subject_key if source == "v" else f"{subject_key}:{source}"
    if not first_time(tx, cursor, event.aggregate_version):
        return
    _decide_line(tx, event, order, line_id, now, f"{source}{event.aggregate_version}")


def _place_told(tx: Tx, subject_key: str, position: int | None) -> None:
    tx.execute(
        f"INSERT INTO {PLACES} (subject_key, position) VALUES (?, ?) "
        "ON CONFLICT (subject_key) DO UPDATE SET position = excluded.position",
        (subject_key, position),
    )


def pushed_far_enough(tx: Tx, order_id: str, line_id: str, version: int, sku: str, position: int) -> bool:
    """Whether a line a higher tier moved back to `position` is worth composing for.

    Every push moves the Stock's cursor for the line (so a rebuild never composes it
    again); only a place PUSH_TOLD or more behind the one in its latest notification
    is composed: a draft still unsent keeps the place it says until then.
    """
    subject_key = line_subject(order_id, line_id)
    if not first_time(tx, f"{subject_key}:{stock_source(sku)}", version):
        return False
    row = tx.one(f"SELECT position FROM {PLACES} WHERE subject_key = ?", (subject_key,))
    return row is not None and row[0] is not None and position >= row[0] + PUSH_TOLD


def compose_pushed(
    tx: Tx, event: ProjectedEvent, order: dict[str, Any], line_id: str, now: LineView, sku: str
) -> None:
    """Compose for a line `pushed_far_enough` said is worth it (its cursor already moved)."""
    _decide_line(tx, event, order, line_id, now, f"{stock_source(sku)}{event.aggregate_version}")


def took_back_delivery(
    tx: Tx, event: ProjectedEvent, sent: dict[str, Any], subject_key: str, at: str
) -> bool:
    """A delivery recorded with the event store, into the outbox; False if the outbox knew it already.

    Only an outbox restored from the event store lacks it: the row is written
    as it was sent, and the caller re-decides the line's draft against it.
    """
    key = sent["idempotency_key"]
    known = tx.one(f"SELECT status FROM {NOTIFICATIONS} WHERE idempotency_key = ?", (key,))
    if known is not None and known[0] == Status.DELIVERED.value:
        return False
    recipient = sent["recipient"]
    tx.execute(
        f"INSERT INTO {NOTIFICATIONS} (idempotency_key, subject_key, kind, order_id, line_id, sku, "
        "customer_id, recipient, locale, subject, body, payload, status, attempts, delivered_at, created_from, "
        "updated_from, aggregate_version, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?) "
        "ON CONFLICT (idempotency_key) DO UPDATE SET kind = excluded.kind, subject = excluded.subject, "
        "body = excluded.body, payload = excluded.payload, status = excluded.status, "
        f"attempts = CASE WHEN {NOTIFICATIONS}.attempts > 0 THEN {NOTIFICATIONS}.attempts ELSE 1 END, "
        "delivered_at = excluded.delivered_at, next_attempt_at = NULL, updated_from = excluded.updated_from",
        (
            key,
            subject_key,
            sent["kind"],
            sent.get("order_id"),
            sent.get("line_id"),
            sent["sku"],
            recipient["customer_id"],
            recipient["email"],
            sent["locale"],
            sent["subject"],
            sent["body"],
            orjson.dumps(sent).decode(),
            Status.DELIVERED.value,
            at,
            event.notification_id,
            event.notification_id,
            event.aggregate_version,
            event.business_time,
        ),
    )
    return True


def redecide_line(tx: Tx, event: ProjectedEvent, order: dict[str, Any], line_id: str, now: LineView) -> None:
    """The line's draft against what its customer is now known to have been told."""
    _decide_line(tx, event, order, line_id, now, f"told{event.notification_id}")


def _decide_line(
    tx: Tx, event: ProjectedEvent, order: dict[str, Any], line_id: str, now: LineView, suffix: str
) -> None:
    subject_key = line_subject(order["order_id"], line_id)
    told = last_told(tx, subject_key) or nothing_told(now)
    kind = what_to_say(told, now)
    draft_key = _draft_key(tx, subject_key)
    _place_told(tx, subject_key, (now if kind is not None else told).position)
    if kind is None:
        if draft_key is not None:
            _supersede(tx, draft_key, "nothing new for the customer since the last notification")
        return
    recipient = Recipient(order["customer_id"], order["email"], order["locale"])
    complete = order["shipping_preference"] == "complete"
    message = render_line(kind, recipient.locale, order["order_id"], told, now, ships_complete=complete)
    key = f"{subject_key.removeprefix('line:')}:{suffix}"
    payload = {"order_id": order["order_id"], "line_id": line_id, "line": now.as_dict()}
    draft = Draft(subject_key, key, kind, message, payload, now.sku, order["order_id"], line_id)
    _save(tx, event, recipient, draft, draft_key)


def compose_back_in_stock(
    tx: Tx, event: ProjectedEvent, sku: str, recipient: Recipient, available: int
) -> None:
    subject_key = f"bis:{_part(sku)}:{_part(recipient.customer_id)}"
    if not first_time(tx, subject_key, event.aggregate_version):
        return
    message = render_back_in_stock(recipient.locale, sku, available)
    key = f"{subject_key}:v{event.aggregate_version}"
    draft = Draft(subject_key, key, Kind.BACK_IN_STOCK, message, {"available": available}, sku)
    _save(tx, event, recipient, draft, _draft_key(tx, subject_key))


def stock_source(sku: str) -> str:
    """The `source` of a change to a line's promise or place made by the SKU's Stock."""
    return f"stock:{_part(sku)}:v"


def _part(identifier: str) -> str:
    """An id as one part of a key: ':' and '%' escaped, so two different ids never make one key."""
    return quote(identifier, safe="")


def last_told(tx: Tx, subject_key: str) -> LineView | None:
    """The line as the latest notification that left the outbox (attempted, or being sent) described it."""
    row = tx.one(
        f"SELECT payload FROM {NOTIFICATIONS} WHERE subject_key = ? AND (attempts > 0 OR status = ?) "
        "ORDER BY created_from DESC LIMIT 1",
        (subject_key, Status.SENDING.value),
    )
    return None if row is None else LineView.from_dict(orjson.loads(row[0])["line"])


def _draft_key(tx: Tx, subject_key: str) -> str | None:
    row = tx.one(
        f"SELECT idempotency_key FROM {NOTIFICATIONS} WHERE subject_key = ? AND status = ? AND attempts = 0",
        (subject_key, Status.PENDING.value),
    )
    return None if row is None else row[0]


def _save(tx: Tx, event: ProjectedEvent, recipient: Recipient, draft: Draft, draft_key: str | None) -> None:
    key = draft_key or draft.key
    payload = orjson.dumps(
        {
            "idempotency_key": key,
            "kind": draft.kind.value,
            "locale": recipient.locale,
            "recipient": {"customer_id": recipient.customer_id, "email": recipient.email},
            "subject": draft.message.subject,
            "body": draft.message.body,
            "sku": draft.sku,
            **draft.payload,
        }
    ).decode()
    if draft_key is not None:
        tx.execute(
            f"UPDATE {NOTIFICATIONS} SET kind = ?, subject = ?, body = ?, payload = ?, updated_from = ?, "
            "aggregate_version = ?, changed_at = ? WHERE idempotency_key = ?",
            (
                draft.kind.value,
                draft.message.subject,
                draft.message.body,
                payload,
                event.notification_id,
                event.aggregate_version,
                event.business_time,
                key,
            ),
        )
        return
    tx.execute(
        f"INSERT INTO {NOTIFICATIONS} (idempotency_key, subject_key, kind, order_id, line_id, sku, "
        "customer_id, recipient, locale, subject, body, payload, status, attempts, created_from, "
        "updated_from, aggregate_version, changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) "
        # Known already: composed before the outbox was lost, and its delivery taken back in.
        "ON CONFLICT (idempotency_key) DO NOTHING",
        (
            key,
            draft.subject_key,
            draft.kind.value,
            draft.order_id,
            draft.line_id,
            draft.sku,
            recipient.customer_id,
            recipient.email,
            recipient.locale,
            draft.message.subject,
            draft.message.body,
            payload,
            Status.PENDING.value,
            event.notification_id,
            event.notification_id,
            event.aggregate_version,
            event.business_time,
        ),
    )


def _supersede(tx: Tx, key: str, why: str) -> None:
    tx.execute(
        f"UPDATE {NOTIFICATIONS} SET status = ?, last_error = ? WHERE idempotency_key = ?",
        (Status.SUPERSEDED.value, why, key),
    )


LISTED = (
    "idempotency_key, status, attempts, kind, order_id, line_id, sku, customer_id, recipient, locale, "
    "subject, body, next_attempt_at, last_error, delivered_at, changed_at"
)


def listing(tx: Tx, status: Status | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Notifications in the order they were composed, optionally of one status."""
    where, params = ("WHERE status = ?", [status.value]) if status else ("", [])
    bounded = " LIMIT ?" if limit else ""
    return tx.dicts(
        f"SELECT {LISTED} FROM {NOTIFICATIONS} {where} ORDER BY created_from, idempotency_key{bounded}",
        (*params, *([limit] if limit else [])),
    )


def status_counts(tx: Tx) -> dict[str, int]:
    """How many notifications have each delivery status (for the metrics)."""
    return {
        status: count
        for status, count in tx.all(f"SELECT status, COUNT(*) FROM {NOTIFICATIONS} GROUP BY status")
    }
