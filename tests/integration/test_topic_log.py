"""A TopicLog reads its topics' notifications once each, as the log grows (SQLite store)."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.utils import get_topic

from domain.stock import Stock
from services.topic_log import TopicLog
from tests import messages as m
from tests.conftest import make_engine


def test_each_notification_of_the_topic_is_folded_once_however_often_it_is_asked(tmp_path: Path):
    engine = make_engine("sqlite", tmp_path / "log.sqlite")
    try:
        seen: list[int] = []
        log = TopicLog(engine.recorder, [get_topic(Stock.Received)], lambda note: seen.append(note.id))
        # Given an empty log, and then other events only: nothing is folded
        log.catch_up()
        m.apply(engine, m.supplier_registered("s-1", "S1", ["A"]))
        log.catch_up()
        assert seen == []
        # When receipts are appended between asks, among other events
        m.apply(engine, m.stock_received("r-1", "A", 5), m.order_placed("o-1", "O1", (("1", "A", 1),)))
        log.catch_up()
        log.catch_up()
        m.apply(engine, m.stock_received("r-2", "A", 2))
        log.catch_up()
        # Then each receipt is folded once, in log order, and only receipts are
        everything = engine.recorder.select_notifications(1, 10_000, topics=[get_topic(Stock.Received)])
        assert seen == [note.id for note in everything] and len(seen) == 2
    finally:
        engine.close()
