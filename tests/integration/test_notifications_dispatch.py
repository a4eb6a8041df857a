"""Delivering the outbox: a signed webhook, retries with backoff, dead letters, crashes, the file channel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from projections.notifications.channels import FileChannel, WebhookChannel
from projections.notifications.dispatcher import Dispatcher, RetryPolicy
from projections.notifications.projection import NotificationsProjection
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore
from tests.messages import apply, day, order_placed, po_placed, supplier_registered, ts
from tests.support.read_side import project
from tests.support.webhook_receiver import Receiver

pytestmark = pytest.mark.integration

SECRET = "s3cret"
POLICY = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=10))


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def outbox(request, memory_engine, tmp_path) -> Iterator[ReadStore]:
    """Three orders waiting for A: three pending 'backordered' notifications, on SQLite or PostgreSQL."""
    apply(
        memory_engine,
        supplier_registered("m1", skus=("A",)),
        po_placed("m2", "PO1", (("A", 10),), expected=day(7)),
        *(order_placed(f"o{n}", f"O{n}", (("1", "A", 2),), at=ts(n)) for n in (1, 2, 3)),
    )
    if request.param == "sqlite":
        store: ReadStore = SqliteReadStore(tmp_path / "read.sqlite")
    else:
        store = PostgresReadStore(*request.getfixturevalue("postgres_schema"))
    project(memory_engine, [NotificationsProjection()], store)
    yield store
    store.close()


def statuses(store: ReadStore) -> list[tuple]:
    with store.reading() as tx:
        return [
            tuple(row)
            for row in tx.all(
                "SELECT idempotency_key, status, attempts, next_attempt_at, last_error, delivered_at "
                "FROM notifications ORDER BY created_from"
            )
        ]


def payloads(store: ReadStore) -> dict[str, dict]:
    with store.reading() as tx:
        return {
            key: json.loads(payload)
            for key, payload in tx.all("SELECT idempotency_key, payload FROM notifications")
        }


def at(clock: Clock, seconds: float = 0) -> str:
    return (clock.now + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


KEYS = ["O1:1:v2", "O2:1:v2", "O3:1:v2"]


def test_the_webhook_posts_each_payload_signed_with_its_idempotency_key(outbox):
    clock = Clock()
    with Receiver(SECRET) as receiver:
        report = Dispatcher(outbox, WebhookChannel(receiver.url, SECRET), POLICY, clock).dispatch()

    assert report.delivered == 3 and receiver.refused == []
    assert receiver.deliveries == KEYS
    assert receiver.accepted == payloads(outbox)
    assert receiver.accepted["O1:1:v2"]["recipient"] == {
        "customer_id": "cust-O1",
        "email": "customer@example.com",
    }
    assert statuses(outbox) == [(key, "delivered", 1, None, None, at(clock)) for key in KEYS]


def test_a_wrong_secret_is_refused_by_the_receiver_and_kept_as_the_error(outbox):
    with Receiver(SECRET) as receiver:
        Dispatcher(outbox, WebhookChannel(receiver.url, "not the secret"), POLICY, Clock()).dispatch(limit=1)

    assert receiver.refused == ["O1:1:v2"] and receiver.deliveries == []
    assert statuses(outbox)[0][1:3] + statuses(outbox)[0][4:5] == (
        "failed",
        1,
        "HTTP 401 Unauthorized: no thanks",
    )


def test_failures_are_retried_with_exponential_backoff_until_the_receiver_accepts(outbox):
    clock = Clock()
    with Receiver(SECRET, answers=[500, 200, 200, 503]) as receiver:
        dispatcher = Dispatcher(outbox, WebhookChannel(receiver.url, SECRET), POLICY, clock)

        # The first attempt fails: due again after the base delay
        dispatcher.dispatch(limit=1)
        assert statuses(outbox)[0] == (
            "O1:1:v2",
            "failed",
            1,
            at(clock, 30),
            "HTTP 500 Internal Server Error: no thanks",
            None,
        )

        # Before then nothing of it is sent; at the due time the second attempt fails: twice the delay
        clock.advance(29)
        assert dispatcher.dispatch().keys == ["O2:1:v2", "O3:1:v2"]
        clock.advance(1)
        dispatcher.dispatch()
        assert statuses(outbox)[0][1:5] == (
            "failed",
            2,
            at(clock, 60),
            "HTTP 503 Service Unavailable: no thanks",
        )

        # The third attempt is delivered
        clock.advance(60)
        assert dispatcher.dispatch().delivered == 1

    assert statuses(outbox)[0] == (
        "O1:1:v2",
        "delivered",
        3,
        None,
        "HTTP 503 Service Unavailable: no thanks",
        at(clock),
    )
    assert receiver.deliveries == ["O2:1:v2", "O3:1:v2", "O1:1:v2"]


def test_a_notification_is_dead_after_the_maximum_attempts_with_the_last_error_kept(outbox):
    clock = Clock()
    with Receiver(SECRET) as receiver:
        down = receiver.url  # the port is free again once the receiver stops
    dispatcher = Dispatcher(outbox, WebhookChannel(down, SECRET, timeout=5), POLICY, clock)

    reports = []
    for wait in (0, 30, 60):
        clock.advance(wait)
        reports.append(dispatcher.dispatch())

    assert [(r.failed, r.dead) for r in reports] == [(3, 0), (3, 0), (0, 3)]
    key, status, attempts, next_at, error, delivered = statuses(outbox)[0]
    assert (status, attempts, next_at, delivered) == ("dead", 3, None, None)
    assert error.startswith("URLError: ") and "refused" in error.lower()
    clock.advance(3600)
    assert dispatcher.dispatch().keys == []


def test_after_a_crash_mid_batch_the_interrupted_sends_go_again_with_the_same_key_and_nothing_is_lost(outbox):
    class CrashAfter:
        """Sends through the webhook, then dies after the second send: the outcome is never recorded."""

        def __init__(self, channel: WebhookChannel) -> None:
            self.channel, self.sent = channel, 0

        def send(self, key: str, body: bytes) -> None:
            self.channel.send(key, body)
            self.sent += 1
            if self.sent == 2:
                raise SystemExit("killed")

    with Receiver(SECRET) as receiver:
        channel = WebhookChannel(receiver.url, SECRET)
        with pytest.raises(SystemExit):
            Dispatcher(outbox, CrashAfter(channel), POLICY, Clock()).dispatch()
        assert [row[1] for row in statuses(outbox)] == ["delivered", "sending", "sending"]

        restarted = Dispatcher(outbox, channel, POLICY, Clock())
        assert restarted.recover() == 2
        assert restarted.dispatch().delivered == 2

    assert [row[1] for row in statuses(outbox)] == ["delivered"] * 3
    assert sorted(receiver.accepted) == KEYS
    assert receiver.repeats() == {"O2:1:v2": 1}  # sent twice, recognised by its key


def test_the_file_channel_writes_each_key_once_even_when_the_outbox_forgot_it_was_sent(outbox, tmp_path):
    path = tmp_path / "notifications.jsonl"
    Dispatcher(outbox, FileChannel(path), POLICY, Clock()).dispatch()
    with outbox.transaction() as tx:  # as if the dispatcher died before recording the outcomes
        tx.execute("UPDATE notifications SET status = 'sending'")
    path.write_bytes(path.read_bytes() + b'{"idempotency_key": "torn')  # and mid-write

    restarted = Dispatcher(outbox, FileChannel(path), POLICY, Clock())
    restarted.recover()
    restarted.dispatch()

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["idempotency_key"] for line in lines] == KEYS
    assert lines == [payloads(outbox)[key] for key in KEYS]
    assert [row[1] for row in statuses(outbox)] == ["delivered"] * 3
