"""Parked messages in a durable store: they outlive the process, the lot is snapshotted, ops can list them."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from infra.cli.main import app
from services.outcomes import Status
from services.parking import LOT_ID
from services.parsing import parse_message
from tests import messages as m


def receipt_before_its_po(engine, mid: str = "r1", po: str = "po-1"):
    (outcome,) = engine.handle_batch(
        [parse_message(m.stock_received(mid, "A", 5, po=po, supplier_id="S1", at=m.ts(0, 1)))]
    )
    return outcome


def test_a_parked_message_outlives_its_engine_and_is_applied_when_what_it_waits_for_comes(open_durable):
    # Given a receipt parked for its purchase order by an engine that then stops
    first = open_durable()
    m.apply(first, m.supplier_registered("s1", "S1", ["A"]))
    assert receipt_before_its_po(first).status is Status.PARKED
    first.close()

    # When another engine on the same store reads the purchase order
    second = open_durable()
    assert second.parked_waiting() == 1
    m.apply(second, m.po_placed("p1", "po-1", [("A", 5)], at=m.ts(0, 2)))
    released = second.take_released()

    # Then the receipt is applied once, and nothing waits any more
    assert [(o.message_id, o.status) for o in released] == [("r1", Status.APPLIED)]
    assert second.get_stock("A").total_on_hand == 5
    assert second.parked_waiting() == 0 and second.dead_letters() == []


def test_the_lot_is_read_back_from_a_snapshot_with_the_same_messages_waiting(open_durable):
    # Given many messages parked and released on one store (one aggregate, many events)
    engine = open_durable()
    m.apply(engine, m.supplier_registered("s1", "S1", ["A"]))
    for i in range(70):
        receipt_before_its_po(engine, f"r{i}", f"po-{i}")
        if i % 2:
            m.apply(engine, m.po_placed(f"p{i}", f"po-{i}", [("A", 5)], at=m.ts(0, 2)))
            engine.take_released()
    waiting = [p.message_id for p in engine.parked_messages()]
    engine.close()

    # When the store is opened again
    reopened = open_durable()

    # Then the lot was snapshotted, and reads back with the same messages waiting, in the same order
    assert reopened.snapshots is not None and list(reopened.snapshots.get(LOT_ID))
    assert [p.message_id for p in reopened.parked_messages()] == waiting
    assert len(waiting) == 35 and waiting[0] == "r0"


def test_the_command_line_lists_what_waits_for_what_and_until_when(sqlite_file, monkeypatch):
    from infra.bootstrap import build_engine
    from infra.settings import Settings

    # Given a receipt parked for its purchase order in a SQLite store
    engine = build_engine(Settings(store="sqlite", sqlite_path=sqlite_file))
    m.apply(engine, m.supplier_registered("s1", "S1", ["A"]))
    receipt_before_its_po(engine)
    engine.close()
    monkeypatch.setenv("ANTRIAN_DB", str(sqlite_file))

    # When ops lists the parked messages, as text and as JSON
    text = CliRunner().invoke(app, ["parked"])
    as_json = CliRunner().invoke(app, ["parked", "--json"])

    # Then each says what it waits for, since when and when it becomes a dead letter
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "1 message(s) parked (each waits at most 240 minutes of message time)"
    assert lines[1] == (
        "  r1 (StockReceived) waits for purchase order po-1 since 2026-01-05T11:00:00+00:00,"
        " dead letter after 2026-01-05T15:00:00+00:00"
    )
    assert "no purchase order 'po-1'" in lines[2]
    (row,) = [orjson.loads(line) for line in as_json.output.splitlines()]
    assert row["awaits"] == "purchase order po-1" and row["woken"] is False
    assert row["dead_letter_after"].startswith("2026-01-05T15:00:00")
