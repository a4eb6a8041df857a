"""Batches: many messages, one transaction, and still each message all-or-nothing."""

from __future__ import annotations

from typing import ClassVar

from eventsourcing.persistence import Tracking

from domain.stock import Stock, stock_id
from infra.bootstrap import engine_env
from infra.settings import Settings
from services.engine import STOCK_SNAPSHOT_INTERVAL as EVERY
from services.engine import Engine
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m
from tests.conftest import TEST_ETA_POLICY, make_engine
from tests.state import snapshot_of

FEED = "antrian.orders:0"


def history() -> list[dict]:
    return [
        m.supplier_registered("s1", "S1", ["A", "B"]),
        m.stock_received("r1", "A", 3, at=m.ts(0, 1)),
        m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2)),
        m.order_placed("o2", "O2", [("1", "A", 4), ("2", "B", 1)], tier="gold", at=m.ts(0, 3)),
        m.po_placed("p1", "PO-1", [("A", 10)], at=m.ts(0, 4)),
        m.stock_received("r2", "A", 5, po="PO-1", at=m.ts(3)),
        m.order_cancelled("c1", "O2", ["2"], at=m.ts(3, 1)),
    ]


def parsed(raw: list[dict]) -> list:
    return [parse_message(message) for message in raw]


def test_a_batch_decides_exactly_what_the_messages_one_by_one_decide(store, tmp_path):
    # Given the same history applied one message at a time elsewhere
    reference = make_engine("memory")
    for message in history():
        assert reference.handle_raw(message).status is Status.APPLIED

    # When it is applied as one batch
    outcomes = store.handle_batch(parsed(history()))

    # Then every message is applied and the aggregates are the same
    assert [o.status for o in outcomes] == [Status.APPLIED] * len(history())
    assert _business(store) == _business(reference)


def test_a_refused_message_in_a_batch_leaves_no_trace_and_the_rest_apply(store):
    # Given a batch whose third message ships units nobody holds
    batch = history()
    batch.insert(3, m.order_shipped("bad", "O1", [("1", 99)], at=m.ts(0, 2, 30)))

    outcomes = store.handle_batch(parsed(batch), Tracking(FEED, 8))

    # Then only that one is refused, and the outcome equals the history without it
    assert [o.status for o in outcomes].count(Status.REJECTED) == 1
    assert outcomes[3].status is Status.REJECTED and outcomes[3].field
    reference = make_engine("memory")
    reference.handle_batch(parsed(history()))
    assert _business(store) == _business(reference)
    assert store.position(FEED) == 8


def test_a_redelivered_batch_changes_nothing_and_reports_duplicates(store):
    store.handle_batch(parsed(history()), Tracking(FEED, 7))
    before = snapshot_of(store)

    outcomes = store.handle_batch(parsed(history()), Tracking(FEED, 7))

    assert {o.status for o in outcomes} == {Status.DUPLICATE}
    assert snapshot_of(store) == before


def test_a_message_twice_in_one_batch_is_applied_once(store):
    first = history()[:3]
    outcomes = store.handle_batch(parsed([*first, first[2]]))

    assert [o.status for o in outcomes] == [Status.APPLIED] * 3 + [Status.DUPLICATE]
    assert store.get_order("O1").lines["1"].quantity == 2


def test_an_order_placed_twice_in_one_batch_is_refused_the_second_time(store):
    first = history()[:3]
    again = m.order_placed("o1-again", "O1", [("1", "A", 1)], at=m.ts(0, 5))

    outcomes = store.handle_batch(parsed([*first, again]))

    assert outcomes[-1].status is Status.REJECTED and outcomes[-1].field == "order_id"
    assert store.get_stock("A").allocated == 2


def test_a_batch_ending_in_a_refusal_still_records_its_position(store):
    again = m.order_placed("x", "O1", [("1", "A", 1)], at=m.ts(0, 5))  # placed twice: refused
    outcomes = store.handle_batch(parsed([*history(), again]), Tracking(FEED, 9))

    assert outcomes[-1].status is Status.REJECTED
    assert store.position(FEED) == 9


def _business(engine) -> dict:
    """Aggregate states, without the inbox's records of refused messages (tests/state.py)."""
    return snapshot_of(engine)


def test_dead_letters_of_a_batch_are_kept_with_its_position(store):
    # Given a batch with a refused message and a way to keep refusals as dead letters
    from services.dead_letters import DeadLetter

    again = m.order_placed("x", "O1", [("1", "A", 1)], at=m.ts(0, 5))  # placed twice: refused
    batch = [*history()[:3], again, *history()[3:]]

    def letters(outcomes):
        return [
            DeadLetter.of(f"feed:{i}", b"raw", None, o.message_id, o.message_type, o.field, o.detail)
            for i, o in enumerate(outcomes)
            if o.status is Status.REJECTED
        ]

    # When it is applied with its feed position
    outcomes = store.handle_batch(parsed(batch), Tracking(FEED, 12), letters)

    # Then the refusal is kept, with its reason, and the position moved past it
    assert [o.status for o in outcomes].count(Status.REJECTED) == 1
    (kept,) = store.dead_letters()
    assert kept.source == "feed:3" and kept.field == "order_id"
    assert store.position(FEED) == 12


def test_batches_snapshot_a_hot_sku_at_the_message_that_passes_each_200_events(store):
    # Given SKUs that gain a few events per order (a request, a promise, a suggestion)
    store.handle_batch(parsed([m.supplier_registered("s1", "S1", ["A", "B"])]))
    orders = [
        m.order_placed(f"o{i}", f"O{i}", [("1", "A", 1), ("2", "B", 1)], at=m.ts(0, i / 60))
        for i in range(300)
    ]
    # When they arrive in batches of 40 messages (some batches pass a multiple of 200 mid-way)
    for start in range(0, len(orders), 40):
        store.handle_batch(parsed(orders[start : start + 40]))

    # Then each stock was snapshotted once per multiple of 200 it passed, by the message that took it
    # past (a message adds a few events), not at the end of its batch: a decision is never re-run from
    # more than about 200 events before it
    for sku in ("A", "B"):
        snapshots = [s.originator_version for s in store.snapshots.get(stock_id(sku))]
        final = store.get_stock(sku).version
        assert final >= 2 * EVERY
        assert [v // EVERY for v in snapshots] == list(range(1, final // EVERY + 1))
        assert all(v % EVERY < 5 for v in snapshots)


class SnapshotsEveryTwenty(Engine):
    """The engine with a stock snapshot every 20 events, not every 200."""

    snapshotting_intervals: ClassVar = {**Engine.snapshotting_intervals, Stock: 20}


def test_two_engines_in_one_process_each_snapshot_at_their_own_interval():
    # Given an engine snapshotting a stock every 200 events and, built after it in the same process,
    # one snapshotting every 20 (as a what-if scratch store or a benchmark sits beside the real one)
    usual = make_engine("memory")
    often = SnapshotsEveryTwenty(engine_env(Settings(store="memory", default_eta_policy=TEST_ETA_POLICY)))
    for engine in (usual, often):
        engine.handle_batch(parsed([m.supplier_registered("s1", "S1", ["A"])]))
    orders = [m.order_placed(f"o{i}", f"O{i}", [("1", "A", 1)], at=m.ts(0, i / 60)) for i in range(250)]

    # When each takes the same orders in batches of 40, one engine's batch after the other's
    for start in range(0, len(orders), 40):
        for engine in (usual, often):
            engine.handle_batch(parsed(orders[start : start + 40]))

    # Then each snapshotted the stock at the message passing each multiple of its own interval
    for engine, every in ((usual, EVERY), (often, 20)):
        snapshots = [s.originator_version for s in engine.snapshots.get(stock_id("A"))]
        final = engine.get_stock("A").version
        assert final >= 2 * EVERY
        assert [v // every for v in snapshots] == list(range(1, final // every + 1))
        assert all(v % every < 5 for v in snapshots)
