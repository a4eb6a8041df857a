"""What customers were told is kept with the event store: an outbox restored from it sends nothing twice.

Each delivery is recorded as a `Notice` beside the events. A read store
lost and rebuilt from the event store alone takes those back in: what was
delivered stays delivered, what was never sent is still sent, and the
dispatcher asks the event store before it sends anything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from projections.notifications.channels import FileChannel
from projections.notifications.dispatcher import Dispatcher, Report
from projections.notifications.projection import NotificationsProjection
from projections.store import ReadStore, SqliteReadStore
from services.engine import Engine
from services.notices import NoticeLedger, notice_id
from tests.messages import (
    apply,
    day,
    order_placed,
    po_confirmed,
    po_delayed,
    po_placed,
    supplier_registered,
    ts,
)
from tests.support.read_side import project

pytestmark = pytest.mark.integration

SUPPLY = (supplier_registered("m1", skus=("A",)), po_placed("m2", "PO1", (("A", 10),), expected=day(7)))
PLACED = (
    order_placed("m3", "O1", (("1", "A", 5),), at=ts(1)),
    order_placed("m4", "O2", (("1", "A", 2),), at=ts(1, 1)),
)
DELAYED = po_delayed("m5", "PO1", day(10), at=ts(2))  # both lines later
BACK_ON_TIME = po_confirmed("m6", "PO1", day(7), at=ts(3))  # both earlier again


def fresh_store(path: Path) -> ReadStore:
    return SqliteReadStore(path)


def dispatch(engine: Engine, store: ReadStore, sent: Path) -> Report:
    clock = lambda: datetime(2026, 1, 9, tzinfo=UTC)  # noqa: E731
    return Dispatcher(store, FileChannel(sent), clock=clock, ledger=NoticeLedger(engine)).dispatch()


def sent_keys(sent: Path) -> list[str]:
    return (
        [orjson.loads(line)["idempotency_key"] for line in sent.read_text().splitlines()]
        if sent.exists()
        else []
    )


def statuses(store: ReadStore) -> dict[str, str]:
    with store.reading() as tx:
        return dict(tx.all("SELECT idempotency_key, status FROM notifications WHERE status <> 'superseded'"))


def test_a_delivery_is_recorded_with_the_event_store_exactly_as_it_was_sent(open_durable, tmp_path):
    engine = open_durable()
    store = fresh_store(tmp_path / "read.sqlite")
    apply(engine, *SUPPLY, *PLACED)
    project(engine, [NotificationsProjection()], store)

    assert dispatch(engine, store, tmp_path / "sent.jsonl").delivered == 2

    sent = {
        orjson.loads(line)["idempotency_key"]: line
        for line in (tmp_path / "sent.jsonl").read_text().splitlines()
    }
    for key, line in sent.items():
        notice = engine.repository.get(notice_id(key))
        assert orjson.loads(notice.payload) == orjson.loads(line)
        assert notice.delivered_at == datetime(2026, 1, 9, tzinfo=UTC)


def test_an_outbox_restored_from_the_event_store_alone_sends_nothing_twice_and_still_sends_what_was_never_sent(
    open_durable, tmp_path
):
    # Given two customers told they wait, then told their dates moved (four deliveries)
    engine = open_durable()
    sent = tmp_path / "sent.jsonl"
    store = fresh_store(tmp_path / "read.sqlite")
    apply(engine, *SUPPLY, *PLACED)
    project(engine, [NotificationsProjection()], store)
    dispatch(engine, store, sent)
    apply(engine, DELAYED)
    project(engine, [NotificationsProjection()], store)
    dispatch(engine, store, sent)
    assert len(sent_keys(sent)) == 4
    # and a change nobody was told of yet (composed, not sent) when the read store is lost
    apply(engine, BACK_ON_TIME)
    project(engine, [NotificationsProjection()], store)
    told = statuses(store)
    store.close()

    # When the read store is rebuilt from the event store alone and the dispatcher runs
    restored = fresh_store(tmp_path / "restored.sqlite")
    project(engine, [NotificationsProjection()], restored)
    report = dispatch(engine, restored, sent)

    # Then the four deliveries are known as delivered, and only the two untold changes go out
    assert report.delivered == 2
    keys = sent_keys(sent)
    assert len(keys) == len(set(keys)) == 6
    assert {k for k, s in statuses(restored).items() if s == "delivered"} == set(keys)
    assert [s for s in statuses(restored).values() if s != "delivered"] == []
    # and what each customer last heard matches the outbox that was lost
    with restored.reading() as tx:
        bodies = dict(tx.all("SELECT idempotency_key, body FROM notifications WHERE status = 'delivered'"))
    assert {k for k, s in told.items() if s == "delivered"} <= set(bodies)
    assert all("14 January" in bodies[k] for k in keys[-2:])  # the last news: back on the 14th


def test_a_notification_the_event_store_knows_as_delivered_is_not_sent_again_by_the_dispatcher(
    open_durable, tmp_path
):
    # Given a delivery recorded with the event store whose outbox row still says pending
    # (the dispatcher stopped between recording it and marking the outbox)
    engine = open_durable()
    store = fresh_store(tmp_path / "read.sqlite")
    apply(engine, *SUPPLY, PLACED[0])
    project(engine, [NotificationsProjection()], store)
    with store.reading() as tx:
        ((key, subject_key, payload),) = tx.all(
            "SELECT idempotency_key, subject_key, payload FROM notifications"
        )
    NoticeLedger(engine).record(key, subject_key, payload, datetime(2026, 1, 8, tzinfo=UTC))

    # When the dispatcher runs (before the projection took the notice in)
    report = dispatch(engine, store, tmp_path / "sent.jsonl")

    # Then nothing is sent and the outbox says delivered, at the recorded time
    assert (report.delivered, report.told_before) == (0, 1)
    assert sent_keys(tmp_path / "sent.jsonl") == []
    with store.reading() as tx:
        assert tx.one("SELECT status, delivered_at FROM notifications WHERE idempotency_key = ?", (key,))[
            0
        ] == ("delivered")
