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
from tests.messages import apply, day, order_placed, po_delayed, po_placed, supplier_registered, ts
from tests.support.misbehaving_receiver import Server, redirect
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
    assert error.startswith("ConnectError: ") and "refused" in error.lower()
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
        # only the send in flight is left `sending`; the third was never started: no attempt counted
        assert [row[1:3] for row in statuses(outbox)] == [("delivered", 1), ("sending", 0), ("pending", 0)]

        restarted = Dispatcher(outbox, channel, POLICY, Clock())
        assert restarted.recover() == 1
        assert restarted.dispatch().delivered == 2

    assert [row[1:3] for row in statuses(outbox)] == [("delivered", 1), ("delivered", 2), ("delivered", 1)]
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


class DiesOnSend:
    """A dispatcher process that is killed (or a channel that raises) as it starts a send: nothing leaves."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def send(self, key: str, body: bytes) -> None:
        raise self.error


@pytest.mark.parametrize("death", [SystemExit("killed"), RuntimeError("a bug in the channel")], ids=str)
def test_a_dispatcher_dying_at_its_first_send_counts_no_attempt_for_the_notifications_it_never_sent(
    outbox, death
):
    clock = Clock()
    with pytest.raises(type(death)):
        Dispatcher(outbox, DiesOnSend(death), POLICY, clock).dispatch()

    # Only the notification whose send had started is `sending`; the others are as they were
    assert [row[:3] for row in statuses(outbox)] == [
        ("O1:1:v2", "sending", 0),
        ("O2:1:v2", "pending", 0),
        ("O3:1:v2", "pending", 0),
    ]

    with Receiver(SECRET) as receiver:
        restarted = Dispatcher(outbox, WebhookChannel(receiver.url, SECRET), POLICY, clock)
        assert restarted.recover() == 1
        assert restarted.dispatch().delivered == 3

    # The interrupted send counts as one attempt, the never-started ones as none
    assert [row[1:3] for row in statuses(outbox)] == [("delivered", 2), ("delivered", 1), ("delivered", 1)]
    assert receiver.deliveries == KEYS


def test_notifications_a_killed_dispatcher_never_sent_are_not_given_up_at_the_maximum_attempts(outbox):
    clock = Clock()
    # Given three notifications that failed twice (the maximum is 3 attempts)
    with Receiver(SECRET, answers=[500] * 6) as receiver:
        dispatcher = Dispatcher(outbox, WebhookChannel(receiver.url, SECRET), POLICY, clock)
        dispatcher.dispatch()
        clock.advance(30)
        dispatcher.dispatch()
    assert [row[1:3] for row in statuses(outbox)] == [("failed", 2)] * 3

    # When the dispatcher making the third attempts is killed as it starts the first of them
    clock.advance(60)
    with pytest.raises(SystemExit):
        Dispatcher(outbox, DiesOnSend(SystemExit("killed")), POLICY, clock).dispatch()

    # Then after a restart only that one used up its last attempt; the two never sent are delivered
    with Receiver(SECRET) as receiver:
        restarted = Dispatcher(outbox, WebhookChannel(receiver.url, SECRET), POLICY, clock)
        assert restarted.recover() == 1
        report = restarted.dispatch()
    assert (report.delivered, report.dead) == (2, 0)
    first, second, third = statuses(outbox)
    assert first[1:3] == ("dead", 3) and first[4].startswith("interrupted")
    assert [second[1:3], third[1:3]] == [("delivered", 3), ("delivered", 3)]
    assert receiver.deliveries == KEYS[1:]


def test_a_change_while_a_notification_is_being_sent_is_told_as_a_change_from_what_it_says(
    outbox, memory_engine
):
    # Given the dispatcher died while sending O1's first notification (its attempt not counted yet)
    with pytest.raises(SystemExit):
        Dispatcher(outbox, DiesOnSend(SystemExit("killed")), POLICY, Clock()).dispatch()

    # When the purchase order is delayed before a dispatcher starts again
    apply(memory_engine, po_delayed("m9", "PO1", day(10), at=ts(4)))
    project(memory_engine, [NotificationsProjection()], outbox)

    # Then O1 (whose customer may already have the first message) gets a new one saying the date moved,
    # while O2 and O3, never sent, are still one draft each, re-decided with the new date
    with outbox.reading() as tx:
        composed = [tuple(row) for row in tx.all("SELECT idempotency_key, kind, status FROM notifications")]
    assert sorted(composed) == [
        ("O1:1:stock:A:v11", "eta_later", "pending"),
        ("O1:1:v2", "backordered", "sending"),
        ("O2:1:v2", "backordered", "pending"),
        ("O3:1:v2", "backordered", "pending"),
    ]
    assert "17 January" in payloads(outbox)["O2:1:v2"]["body"]


def test_a_redirect_is_not_followed_and_the_notification_is_failed_not_delivered(outbox):
    clock = Clock()
    with Server(redirect(302)) as moved:
        report = Dispatcher(outbox, WebhookChannel(moved.url, SECRET), POLICY, clock).dispatch(limit=1)

    assert (report.delivered, report.failed) == (0, 1)
    assert statuses(outbox)[0] == (
        "O1:1:v2",
        "failed",
        1,
        at(clock, 30),
        "HTTP 302 redirect to /moved not followed",
        None,
    )
    # one POST with the payload, and no GET of the place it pointed to
    assert [(method, path) for method, path, _ in moved.requests] == [("POST", "/notifications")]
    assert json.loads(moved.requests[0][2]) == payloads(outbox)["O1:1:v2"]
