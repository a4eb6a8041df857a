"""Which part of the log an instant covers, and what an as-of answer says it cannot know."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.inbox import AppliedMessage
from services.parsing import parse_message
from services.time_travel.moment import BadInstant, parse_instant
from services.time_travel.views import TimeTravel
from tests import messages as m
from tests.conftest import make_engine

pytestmark = pytest.mark.integration


def fed(*messages):
    engine = make_engine("memory")
    for raw in messages:
        engine.handle_batch([parse_message(raw)])
    return engine


def test_a_refusal_judged_after_a_later_message_was_applied_is_named_as_missing():
    # Given an order cancelled at 10:30, and a shipment of 10:10 that arrived after the cancel (refused)
    engine = fed(
        m.stock_received("r1", "A", 5, at=m.ts(hours=0)),
        m.order_placed("o", "o1", (("1", "A", 2),), at=m.ts(minutes=5)),
        m.order_cancelled("c", "o1", at=m.ts(minutes=30)),
        m.order_shipped("s", "o1", at=m.ts(minutes=10)),
    )
    # When the state as of 10:20 is asked
    moment = TimeTravel(engine).moment(m.BASE + timedelta(minutes=20))
    # Then it is the state before the cancel, and it names the shipment a fresh store would have applied
    assert (moment.exact, moment.missing) == (False, ["s"])
    assert "so this state lacks them: s" in moment.note()


def test_entries_stored_before_contents_were_kept_are_named_as_of_unknown_time():
    # Given a message applied before the inbox kept contents (its entry has none)
    engine = fed(m.stock_received("r1", "A", 5, at=m.ts(hours=0)))
    engine.save(AppliedMessage(message_id="old-1", message_type="StockReceived", fingerprint="0" * 64))
    # When any instant is asked
    moment = TimeTravel(engine).moment(m.BASE + timedelta(hours=1))
    # Then the answer is marked not exact, naming it
    assert (moment.exact, moment.unknown, moment.unknown_count) == (False, ["old-1"], 1)
    assert "stored before their times were kept" in moment.note()


def test_a_refusal_stored_without_its_time_matters_only_when_judged_after_the_cut():
    from services.inbox import RefusedMessage

    # Given a refusal stored before refusals kept their message's time, between two receipts
    engine = fed(m.stock_received("r1", "A", 5, at=m.ts(hours=1)))
    engine.save(RefusedMessage("old-x", "OrderShipped", "0" * 64, "nothing allocated", None))
    engine.handle_batch([parse_message(m.stock_received("r2", "A", 2, at=m.ts(hours=3)))])
    travel = TimeTravel(engine)
    # Then an instant after everything is exact (it changed nothing, and nothing comes after it) ...
    assert travel.moment(m.BASE + timedelta(hours=4)).exact
    # ... and one cut before it names it: a fresh store might have applied it
    assert travel.moment(m.BASE + timedelta(hours=2)).unknown == ["old-x"]


def test_an_instant_before_the_first_message_covers_none_of_the_log():
    engine = fed(m.stock_received("r1", "A", 5, at=m.ts(hours=1)))
    travel = TimeTravel(engine)

    moment = travel.moment(m.BASE)

    assert (moment.position, moment.applied, moment.before_first) == (0, 0, True)
    assert travel.queue("A", moment) is None


def test_an_instant_after_every_message_is_the_log_s_end():
    engine = fed(m.stock_received("r1", "A", 5, at=m.ts(hours=1)))

    moment = TimeTravel(engine).moment(m.BASE + timedelta(days=400))

    assert (moment.position, moment.exact) == (None, True)


def test_instants_are_read_with_their_zone_and_given_in_utc():
    assert parse_instant("2026-01-05T11:00:00+01:00") == m.BASE


@pytest.mark.parametrize("text", ["2026-01-05T10:00:00", "2026-01-05", "tomorrow", ""])
def test_an_instant_without_a_zone_or_not_a_date_and_time_is_refused(text):
    with pytest.raises(BadInstant):
        parse_instant(text)


def test_each_store_finds_an_aggregate_s_version_at_an_instant(store):
    # Given two receipts an hour apart on each store (memory, SQLite, PostgreSQL)
    for raw in (
        m.stock_received("r1", "A", 5, at=m.ts(hours=1)),
        m.stock_received("r2", "A", 2, at=m.ts(hours=2)),
    ):
        store.handle_batch([parse_message(raw)])
    travel = TimeTravel(store)
    # When the stock is read between them, and after both
    between = travel.stock("A", travel.moment(m.BASE + timedelta(hours=1, minutes=30)))
    after = travel.stock("A", travel.moment(m.BASE + timedelta(hours=3)))
    # Then it holds the first receipt only, then both
    assert between is not None and after is not None
    assert (between.on_hand_total, after.on_hand_total) == (5, 7)
    assert between.version < after.version
