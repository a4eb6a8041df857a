"""The replenishment worklist and supplier scorecards from real messages, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections import catalog
from projections.analytics.query import read_report
from projections.purchasing.scorecard import scorecard, scorecards
from projections.purchasing.worklist import replenishment
from projections.store import PostgresReadStore, ReadStore, SqliteReadStore
from simulation import DemoOptions, run_demo
from tests.integration.test_purchase_orders_read import given_the_history
from tests.messages import (
    apply,
    as_date,
    day,
    order_placed,
    po_cancelled,
    po_placed,
    sku_configured,
    stock_received,
    supplier_registered,
    terms,
    ts,
)
from tests.support.read_side import project

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def read_store(request, tmp_path) -> Iterator[ReadStore]:
    if request.param == "postgres":
        store: ReadStore = PostgresReadStore(*request.getfixturevalue("postgres_schema"))
    else:
        store = SqliteReadStore(tmp_path / "read.sqlite")
    yield store
    store.close()


# Given A is bought from S1 (7 days, at least 4) and should keep 2 + 3 in stock, and nothing is on hand
SUPPLY = (
    supplier_registered("s1", "S1", (terms("A", moq=4),)),
    sku_configured("c1", "A", reorder_point=2, safety_stock=3),
)


def test_a_suggestion_opens_grows_and_leaves_the_worklist_once_pos_answer_it(memory_engine, read_store):
    # When A is configured (5 suggested: nothing on hand) and o1 waits for 5 A: projected -5,
    # so 2 + 3 + 5 = 10 are suggested in all
    apply(memory_engine, *SUPPLY, order_placed("o1", "o1", (("1", "A", 5),)))
    project(memory_engine, catalog.build(), read_store)
    (item,) = replenishment(read_store)
    assert (item.sku, item.supplier_id, item.quantity, item.projected, item.need) == ("A", "S1", 10, -5, 10)
    assert (item.since.isoformat(), item.suggestions, item.partly_answered_by) == (
        "2026-01-05T10:00:00+00:00",
        2,
        None,
    )
    assert "below reorder point 2 + safety stock 3" in item.reason
    assert (item.covers.lines, item.covers.units) == (1, 5)

    # When o2 waits for 2 more on day 1 (2 more needed, 4 at least: the supplier's minimum)
    apply(memory_engine, order_placed("o2", "o2", (("1", "A", 2),), at=ts(1)))
    project(memory_engine, catalog.build(), read_store)
    (item,) = replenishment(read_store)
    assert (item.quantity, item.suggestions, item.since.date(), item.last_suggested_at.date()) == (
        14,
        3,
        as_date(day(0)),
        as_date(day(1)),
    )

    # When P1 brings 5: 14 - 5 = 9 outstanding, and the need is now 2 + 3 - (5 - 7) = 7
    apply(memory_engine, po_placed("p1", "P1", (("A", 5),), at=ts(2)))
    project(memory_engine, catalog.build(), read_store)
    (item,) = replenishment(read_store)
    assert (item.quantity, item.partly_answered_by) == (7, "S1/P1")
    assert memory_engine.get_stock("A").suggested == 7
    assert (item.covers.lines, item.covers.units) == (1, 2)  # o2's 2 units: P1 covers o1

    # When P2 brings 10: nothing is left to buy
    apply(memory_engine, po_placed("p2", "P2", (("A", 10),), at=ts(3)))
    project(memory_engine, catalog.build(), read_store)
    assert replenishment(read_store) == []
    assert memory_engine.get_stock("A").suggested == 0


def test_a_suggestion_made_again_after_it_was_answered_starts_anew(memory_engine, read_store):
    # Given a suggestion answered by P1, which is then cancelled
    apply(
        memory_engine,
        *SUPPLY,
        order_placed("o1", "o1", (("1", "A", 5),)),
        po_placed("p1", "P1", (("A", 10),), at=ts(1)),
        po_cancelled("p1x", "P1", at=ts(2)),
    )
    project(memory_engine, catalog.build(), read_store)

    (item,) = replenishment(read_store)

    # Then the worklist shows the new one: since its own day, counted once, answered by nobody yet
    assert (item.quantity, item.since.date(), item.suggestions, item.partly_answered_by) == (
        memory_engine.get_stock("A").suggested,
        as_date(day(2)),
        1,
        None,
    )


def test_the_worklist_holds_what_every_stock_still_has_suggested_at_the_end_of_a_demo(memory_engine):
    from simulation import generate_messages

    store = SqliteReadStore(":memory:")
    messages = list(generate_messages(DemoOptions(days=21, skus=6, orders_per_day=15), memory_engine))
    runner = project(memory_engine, catalog.build(), store)  # the shadow engine holds the whole stream
    skus = {m["sku"] for m in messages if m["type"] == "SkuConfigured"}
    expected = {sku: memory_engine.get_stock(sku).suggested for sku in skus}

    assert {i.sku: i.quantity for i in replenishment(runner.store)} == {
        s: q for s, q in expected.items() if q
    }


def test_the_scorecard_measures_punctuality_fill_and_open_pos(memory_engine, read_store):
    # Given the purchase-order history, and P5 (S1, 10 B due day 9) received 4 on time, then cancelled
    given_the_history(memory_engine)
    apply(
        memory_engine,
        po_placed("p5", "P5", (("B", 10),), expected=day(9), at=ts(8)),
        stock_received("r5", "B", 4, at=ts(9, hours=1), po="P5", supplier_id="S1"),
        po_cancelled("p5x", "P5", at=ts(9, hours=2), reason="rest not available"),
    )
    project(memory_engine, catalog.build(), read_store)

    s1, s2 = scorecards(read_store)

    # S1: P3 a day late, P5 on time; fill (10 + 4) / (10 + 10); P1 open and not yet past day 14
    assert (s1.supplier_id, s1.received_pos, s1.on_time_rate, s1.mean_delay_days, s1.p90_delay_days) == (
        "S1",
        2,
        0.5,
        0.5,
        1,
    )
    assert (s1.fill_rate, s1.open_pos, s1.late_open_pos) == (0.7, 1, 0)
    assert [(m.month, m.received_pos, m.fill_rate) for m in s1.months] == [("2026-01", 2, 0.7)]
    # S2: P4 came a day late, 3 of 8 so far: open, past its date, no fill judged yet
    assert (s2.received_pos, s2.on_time_rate, s2.fill_rate, s2.open_pos, s2.late_open_pos) == (
        1,
        0.0,
        None,
        1,
        1,
    )
    assert scorecard(read_store, "S2") == s2
    assert scorecard(read_store, "nobody") is None
    # The delay distribution counts the same first receipts: S1 one on time, one 1-2 days late; S2 one late
    assert {b.bucket: b.pos for b in s1.delay_distribution.buckets if b.pos} == {"on_time": 1, "late_1_2": 1}
    assert {b.bucket: b.pos for b in s2.delay_distribution.buckets if b.pos} == {"late_1_2": 1}
    assert sum(b.pos for b in s1.delay_distribution.buckets) == s1.received_pos
    # over the days of those receipts: P3 first on day 6, P5 on day 9
    assert (s1.delay_distribution.first_received_on, s1.delay_distribution.last_received_on) == (
        as_date(day(6)),
        as_date(day(9)),
    )


def test_the_scorecard_agrees_with_the_report_on_punctuality(memory_engine):
    run_demo(memory_engine, DemoOptions(days=28, skus=6, orders_per_day=15))
    runner = project(memory_engine, catalog.build())

    cards = {card.supplier_id: card for card in scorecards(runner.store)}
    with runner.store.reading() as tx:
        report = read_report(tx)

    assert report.suppliers, "the demo received no purchase order"
    for figures in report.suppliers:
        card = cards[figures.supplier_id]
        assert (card.received_pos, card.on_time_rate) == (figures.receipts, figures.on_time_rate)
        assert card.mean_delay_days == pytest.approx(figures.mean_delay_days)
        assert sum(m.received_pos for m in card.months) == card.received_pos
        on_time = sum(b.pos for b in card.delay_distribution.buckets if b.bucket in ("early", "on_time"))
        assert sum(b.pos for b in card.delay_distribution.buckets) == card.received_pos
        assert on_time == pytest.approx(card.received_pos * (card.on_time_rate or 0))
