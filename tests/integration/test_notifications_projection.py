"""The notifications projection: one message per customer-visible change, coalesced until sent.

Each test drives the engine with real messages, catches the projection up
(as `antrian notifications dispatch` does) and compares the outbox and the
line views with rows written by hand. Between steps a dispatcher may send
what is due, which is what decides whether a later change merges into a
draft or becomes a new notification.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from projections.notifications.channels import DeliveryFailed, FileChannel
from projections.notifications.dispatcher import Dispatcher
from projections.notifications.projection import NotificationsProjection
from projections.runner import ProjectionRunner
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore
from tests.messages import (
    apply,
    back_in_stock_requested,
    contact,
    day,
    order_placed,
    po_confirmed,
    po_delayed,
    po_placed,
    stock_received,
    substitute_accepted,
    substitutes_declared,
    supplier_registered,
    ts,
)
from tests.support.read_side import project, rows

pytestmark = pytest.mark.integration

# Given supplier S1 with 10 A on PO1 expected day 7 (+2 days assumed lateness: 14 January)
SUPPLY = (supplier_registered("m1", skus=("A", "B")), po_placed("m2", "PO1", (("A", 10),), expected=day(7)))
PLACED = order_placed("m3", "O1", (("1", "A", 5),), at=ts(1))
DELAYED = po_delayed("m4", "PO1", day(10), at=ts(2))  # 17 January
BACK_ON_TIME = po_confirmed("m5", "PO1", day(7), at=ts(3))  # 14 January again
WAITING_SINCE_14 = (
    "A on order O1 is not in stock yet. 5 unit(s) wait at position 1 in the queue; expected 14 January 2026."
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def read_store(request: pytest.FixtureRequest, tmp_path) -> Iterator[ReadStore]:
    if request.param == "sqlite":
        store: ReadStore = SqliteReadStore(tmp_path / "read.sqlite")
    else:
        store = PostgresReadStore(*request.getfixturevalue("postgres_schema"))
    yield store
    store.close()


class Failing:
    """A channel that refuses everything, like a receiver that is down."""

    def send(self, key: str, body: bytes) -> None:
        raise DeliveryFailed("HTTP 503 Service Unavailable")


def catch_up(engine, store: ReadStore, *messages) -> ProjectionRunner:
    apply(engine, *messages)
    return project(engine, [NotificationsProjection()], store)


def outbox(store: ReadStore) -> list[tuple]:
    with store.reading() as tx:
        return [
            tuple(row)
            for row in tx.all(
                "SELECT idempotency_key, kind, status, attempts, subject, body FROM notifications "
                "ORDER BY created_from, idempotency_key"
            )
        ]


def send_all(store: ReadStore, tmp_path, channel=None) -> None:
    clock = lambda: datetime(2026, 1, 6, tzinfo=UTC)  # noqa: E731
    Dispatcher(store, channel or FileChannel(tmp_path / "sent.jsonl"), clock=clock).dispatch()


def test_backordered_then_the_eta_moved_before_dispatch_is_one_backordered_message_with_the_latest_date(
    memory_engine, read_store
):
    runner = catch_up(memory_engine, read_store, *SUPPLY, PLACED, DELAYED)

    assert outbox(read_store) == [
        (
            "O1:1:v2",
            "backordered",
            "pending",
            0,
            "Order O1: A is backordered",
            "A on order O1 is not in stock yet. 5 unit(s) wait at position 1 in the queue; expected 17 January 2026.",
        )
    ]
    assert rows(runner, "SELECT * FROM notifications_lines") == [
        {
            "order_key": "e0d5baa5-09d4-5320-ae90-d241238fc71a",
            "line_id": "1",
            "sku": "A",
            "quantity": 5,
            "ready": 0,
            "waiting": 5,
            "position": 1,
            "eta": "2026-01-17",
            "needs_purchase": 0,
            "offer_sku": None,
            "offer_quantity": 0,
            "substitute_sku": None,
            "cancelled": 0,
            "cancel_reason": None,
            "cancel_automatic": 0,
            "cancel_eta": None,
            "version": 2,  # the order's own: its promise moved on the Stock
            "eta_version": 7,  # the Stock version of that promise
            "place_version": 4,  # and of its place: where it joined
        }
    ]
    assert rows(runner, "SELECT * FROM notifications_orders") == [
        {
            "order_key": "e0d5baa5-09d4-5320-ae90-d241238fc71a",
            "order_id": "O1",
            "customer_id": "cust-O1",
            "email": "customer@example.com",
            "locale": "en",
            "shipping_preference": "partial",
        }
    ]


def test_a_later_date_after_the_customer_was_told_is_a_new_message_saying_from_which_date(
    memory_engine, read_store, tmp_path
):
    catch_up(memory_engine, read_store, *SUPPLY, PLACED)
    send_all(read_store, tmp_path)

    catch_up(memory_engine, read_store, DELAYED)

    assert outbox(read_store) == [
        ("O1:1:v2", "backordered", "delivered", 1, "Order O1: A is backordered", WAITING_SINCE_14),
        (
            "O1:1:stock:A:v7",
            "eta_later",
            "pending",
            0,
            "Order O1: A will arrive later than promised",
            "The expected date for A on order O1 moved from 14 January 2026 to 17 January 2026. "
            "5 unit(s) wait at position 1 in the queue; expected 17 January 2026.",
        ),
    ]


def test_a_date_that_moved_and_came_back_before_dispatch_tells_the_customer_nothing(
    memory_engine, read_store, tmp_path
):
    catch_up(memory_engine, read_store, *SUPPLY, PLACED)
    send_all(read_store, tmp_path)

    catch_up(memory_engine, read_store, DELAYED, BACK_ON_TIME)

    assert [(key, kind, status) for key, kind, status, *_ in outbox(read_store)] == [
        ("O1:1:v2", "backordered", "delivered"),
        ("O1:1:stock:A:v7", "eta_later", "superseded"),
    ]
    send_all(read_store, tmp_path)
    assert (tmp_path / "sent.jsonl").read_text().count("\n") == 1


def test_an_indonesian_order_cancelled_past_its_maximum_wait_hears_once_why_in_indonesian(
    memory_engine, read_store
):
    # Given a customer who waits at most 5 days (until 11 January) and a first date of 14 January
    placed = order_placed(
        "m3", "O1", (("1", "A", 5),), at=ts(1), max_wait_days=5, contact=contact("budi@example.co.id", "id")
    )

    catch_up(memory_engine, read_store, *SUPPLY, placed)

    assert outbox(read_store) == [
        (
            "O1:1:v2",
            "cancelled",
            "pending",
            0,
            "Pesanan O1: A dibatalkan",
            "5 dari 5 unit A pada pesanan O1 dibatalkan: tanggal paling awal yang bisa kami janjikan "
            "(14 Januari 2026) melewati batas waktu tunggu yang Anda pilih. Pembatalan tidak dikenai biaya.",
        )
    ]


SUBSTITUTION = (
    stock_received("s1", "B", 5),
    supplier_registered("s2", skus=("A", "B")),
    substitutes_declared("s3", "A", ["B"]),
    order_placed("s4", "O1", (("1", "A", 5),), accept_substitutes=True),
)


def test_an_offer_accepted_before_dispatch_is_one_allocated_message_naming_the_substitute(
    memory_engine, read_store
):
    catch_up(memory_engine, read_store, *SUBSTITUTION, substitute_accepted("s5", "O1", "1", at=ts(1)))

    assert outbox(read_store) == [
        (
            "O1:1:v2",
            "allocated",
            "pending",
            0,
            "Order O1: A is ready to ship",
            "5 of 5 unit(s) of A on order O1 are reserved for you and ready to ship. "
            "They are sent as B, the substitute you accepted.",
        )
    ]


def test_an_offer_sent_and_then_accepted_makes_two_messages(memory_engine, read_store, tmp_path):
    catch_up(memory_engine, read_store, *SUBSTITUTION)
    send_all(read_store, tmp_path)

    catch_up(memory_engine, read_store, substitute_accepted("s5", "O1", "1", at=ts(1)))

    assert [(key, kind, status, subject) for key, kind, status, _, subject, _ in outbox(read_store)] == [
        ("O1:1:v2", "substitute_offered", "delivered", "Order O1: a substitute for A is available"),
        ("O1:1:v4", "allocated", "pending", "Order O1: A is ready to ship"),
    ]


def test_every_watcher_hears_once_that_a_sku_is_back_in_stock_in_their_language(memory_engine, read_store):
    catch_up(
        memory_engine,
        read_store,
        supplier_registered("m1", skus=("A",)),
        back_in_stock_requested("w1", "A", "w1"),
        back_in_stock_requested("w2", "A", "w2", contact=contact("sari@example.co.id", "id")),
        stock_received("r1", "A", 7, at=ts(1)),
        stock_received("r2", "A", 3, at=ts(2)),
    )

    # Then one message each for the first arrival (A's 6th event); the second arrival has no watchers left
    assert outbox(read_store) == [
        (
            "bis:A:w1:v6",
            "back_in_stock",
            "pending",
            0,
            "A is back in stock",
            "A is back in stock: 7 unit(s) available now. They are not held for you, so order soon.",
        ),
        (
            "bis:A:w2:v6",
            "back_in_stock",
            "pending",
            0,
            "A tersedia kembali",
            "A tersedia kembali: 7 unit tersedia sekarang. Stok tidak kami simpan khusus untuk Anda, "
            "jadi segera pesan.",
        ),
    ]


def test_a_notification_that_was_attempted_is_never_rewritten_and_a_newer_one_replaces_its_retry(
    memory_engine, read_store, tmp_path
):
    # Given the backorder message failed once (its key may have reached the receiver)
    catch_up(memory_engine, read_store, *SUPPLY, PLACED)
    send_all(read_store, tmp_path, channel=Failing())

    # When the date moves, then the receiver is back
    catch_up(memory_engine, read_store, DELAYED)
    before_dispatch = outbox(read_store)
    send_all(read_store, tmp_path)

    # Then the failed message kept its words, a new one said the news, and only the new one went out
    assert before_dispatch[0] == (
        "O1:1:v2",
        "backordered",
        "failed",
        1,
        "Order O1: A is backordered",
        WAITING_SINCE_14,
    )
    assert [(key, kind, status) for key, kind, status, *_ in outbox(read_store)] == [
        ("O1:1:v2", "backordered", "superseded"),
        ("O1:1:stock:A:v7", "eta_later", "delivered"),
    ]


def test_a_rebuild_composes_nothing_again_and_keeps_what_customers_were_told(
    memory_engine, read_store, tmp_path
):
    runner = catch_up(memory_engine, read_store, *SUPPLY, PLACED)
    send_all(read_store, tmp_path)
    catch_up(memory_engine, read_store, DELAYED)
    told, views = outbox(read_store), runner.export()

    runner.start_rebuild()
    project(memory_engine, [NotificationsProjection()], read_store)
    runner.finish_rebuild()

    assert outbox(read_store) == told
    assert runner.export() == views
    # And the views still move on: the next change composes against what was told
    catch_up(memory_engine, read_store, BACK_ON_TIME)
    assert [status for _, _, status, *_ in outbox(read_store)] == ["delivered", "superseded"]


def test_ids_containing_the_key_separator_never_share_an_idempotency_key(memory_engine, read_store):
    catch_up(
        memory_engine,
        read_store,
        stock_received("m1", "A", 5),
        order_placed("m2", "a:b", (("c", "A", 1),)),
        order_placed("m3", "a", (("b:c", "A", 1),)),
    )

    assert [key for key, *_ in outbox(read_store)] == ["a%3Ab:c:v2", "a:b%3Ac:v2"]


def test_an_order_shipped_complete_is_told_its_ready_units_wait_for_the_other_lines(
    memory_engine, read_store
):
    placed = order_placed("m3", "O1", (("1", "B", 1), ("2", "A", 1)), shipping="complete")

    catch_up(memory_engine, read_store, *SUPPLY, stock_received("m2b", "B", 1), placed)

    assert [(key, kind, body) for key, kind, _, _, _, body in outbox(read_store)] == [
        (
            "O1:1:v2",
            "allocated",
            "1 of 1 unit(s) of B on order O1 are reserved for you and ready to ship. "
            "As you asked, your order ships once every line is ready.",
        ),
        (
            "O1:2:v3",
            "backordered",
            "A on order O1 is not in stock yet. 1 unit(s) wait at position 1 in the queue; expected 14 January 2026.",
        ),
    ]
