"""What upstream systems really send, through `antrian ingest` on the SQLite default.

Each test reproduces a defect found by feeding the engine real traffic: one
absurd value that stopped ingest for good, a receipt that made a SKU
unreadable, a re-sent file that changed state, two writers that lost orders.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from infra.bootstrap import build_engine
from infra.settings import Settings
from services.contract_values import MAX_UNITS
from tests import messages as m
from tests.support.process import COMMAND, antrian, write_jsonl

pytestmark = pytest.mark.e2e


def shop() -> list[dict]:
    return [
        m.supplier_registered("s", "S1", ["TEA-1"]),
        m.sku_configured("cfg", "TEA-1"),
        m.stock_received("r0", "TEA-1", 3),
    ]


ABSURD = [
    '{"message_id":"p1","type":"StockReceived","occurred_at":"9999-12-31T23:59:59Z","sku":"TEA-1","quantity":1}',
    '{"message_id":"p2","type":"StockReceived","occurred_at":"9999-12-31T23:00:00-05:00","sku":"TEA-1","quantity":1}',
    '{"message_id":"p3","type":"StockReceived","occurred_at":"0001-01-01T00:00:00+05:00","sku":"TEA-1","quantity":1}',
    json.dumps(m.order_placed("p4", "O-P4", [("1", "TEA-1", 1)], max_wait_days=2**62)),
    json.dumps(m.po_placed("p5", "PO-P5", [("TEA-1", 5)], supplier_id="S1", expected="9999-12-31")),
    json.dumps(m.supplier_registered("p6", "S2", [m.terms("TEA-1", 10**9)])),
    json.dumps(m.stock_received("p7", "TEA-1", 18446744073709551615)),
]


def test_absurd_values_are_refused_one_by_one_and_every_valid_line_around_them_is_applied(tmp_path):
    # Given a file where each absurd message (each once stopped ingest for good) sits between valid ones
    valid = [m.stock_received(f"ok{i}", "TEA-1", 1, at=m.ts(1, i)) for i in range(len(ABSURD) + 1)]
    lines: list[object] = [*shop()]
    for good, bad in zip(valid, ABSURD, strict=False):
        lines += [good, bad]
    lines.append(valid[-1])
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    db = tmp_path / "s.sqlite"

    # When it is ingested, twice
    first = antrian("ingest", str(source), db=db)
    again = antrian("ingest", str(source), db=db)

    # Then every absurd line is refused with its field, the rest applied, and no run stopped
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr + again.stderr
    assert f"applied {len(shop()) + len(valid)}, already applied 0, rejected {len(ABSURD)}" in first.stdout
    for field in ("occurred_at", "max_wait_days", "expected_date", "lead_time_days", "quantity"):
        assert f"field {field}" in first.stderr or f"field terms.0.{field}" in first.stderr, field
    assert again.returncode == 0 and f"already applied {len(shop()) + len(valid)}" in again.stdout
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    try:
        assert engine.get_stock("TEA-1").total_on_hand == 3 + len(valid)
    finally:
        engine.close()


def test_a_sku_that_received_the_most_units_a_receipt_may_carry_many_times_stays_readable(tmp_path):
    # Given a SKU that received MAX_UNITS 250 times (past a snapshot, taken every 200 events)
    db = tmp_path / "s.sqlite"
    receipts = [m.stock_received(f"r{i}", "TEA-1", MAX_UNITS, at=m.ts(1, 0, i)) for i in range(250)]
    source = write_jsonl(tmp_path / "in.jsonl", [m.sku_configured("cfg", "TEA-1"), *receipts])
    assert antrian("ingest", str(source), db=db).returncode == 0

    # When a new process reads it back (from the snapshot and the events after it) and orders against it
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    try:
        stock = engine.get_stock("TEA-1")
        assert stock.total_on_hand == 250 * MAX_UNITS
        outcome = engine.handle_raw(m.order_placed("o1", "O1", [("1", "TEA-1", MAX_UNITS)], at=m.ts(2)))
    finally:
        engine.close()

    # Then the order is allocated: nothing accepted made the state unreadable
    assert outcome.status.value == "applied", outcome


def test_a_cancel_that_came_before_its_order_waits_for_it_and_a_re_sent_file_changes_nothing(tmp_path):
    # Given a file whose first line cancels order o-5 and whose second line places it
    db = tmp_path / "s.sqlite"
    cancel = m.order_cancelled("c-5", "o-5", at=m.ts(1))
    place = m.order_placed("p-5", "o-5", [("1", "TEA-1", 1)], at=m.ts(1, 1))
    setup = write_jsonl(tmp_path / "shop.jsonl", shop())
    source = write_jsonl(tmp_path / "in.jsonl", [cancel, place])
    assert antrian("ingest", str(setup), db=db).returncode == 0

    # When it is ingested, and then sent again
    first = antrian("ingest", str(source), db=db)
    again = antrian("ingest", str(source), db=db)

    # Then the cancel waits for its order and applies once it is placed; the second run changes nothing
    assert (
        "applied 2, already applied 0, rejected 0, parked 1 "
        "(1 applied once what they waited for came, 0 rejected after waiting, 0 still waiting)"
    ) in first.stdout, first.stdout + first.stderr
    assert "applied 0, already applied 2, rejected 0" in again.stdout, again.stdout + again.stderr
    assert first.returncode == again.returncode == 0
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    try:
        assert engine.get_order("o-5").lines["1"].status.value == "cancelled"
    finally:
        engine.close()
    assert not (tmp_path / "s.rejected.jsonl").exists()


def test_a_corrected_message_under_the_id_of_a_waiting_one_is_judged_again(tmp_path):
    # Given an order waiting for a SKU nobody knows (a typo upstream)
    db = tmp_path / "s.sqlite"
    wrong = m.order_placed("o-7", "O7", [("1", "TEA-9", 1)], at=m.ts(1))
    assert antrian("ingest", str(write_jsonl(tmp_path / "a.jsonl", [*shop(), wrong])), db=db).returncode == 0

    # When upstream sends the corrected order under the same message id
    fixed = {**wrong, "lines": [{"line_id": "1", "sku": "TEA-1", "quantity": 1}]}
    result = antrian("ingest", str(write_jsonl(tmp_path / "b.jsonl", [fixed, wrong])), db=db)

    # Then the correction applies (and no longer waits), and the old content sent again is refused
    assert "applied 1, already applied 0, rejected 1" in result.stdout, result.stdout + result.stderr
    assert "message_id was already used by a different OrderPlaced message" in result.stderr


ORDERS = 1500


def test_two_processes_ingesting_one_store_at_once_never_refuse_a_valid_message(tmp_path):
    # Given one store, a file of orders and cancellations and a file of receipts, for the same SKUs
    db = tmp_path / "s.sqlite"
    skus = ["A", "B", "C"]
    setup = [m.sku_configured(f"cfg-{s}", s) for s in skus]
    assert antrian("ingest", str(write_jsonl(tmp_path / "setup.jsonl", setup)), db=db).returncode == 0
    orders: list[object] = []
    for i in range(ORDERS):
        orders.append(m.order_placed(f"o{i}", f"SO-{i}", [("1", skus[i % 3], 2)], at=m.ts(1, 0, i)))
        if i % 4 == 3:
            orders.append(m.order_cancelled(f"c{i}", f"SO-{i - 1}", at=m.ts(1, 0, i)))
    receipts = [m.stock_received(f"r{i}", skus[i % 3], 1, at=m.ts(1, 0, i)) for i in range(2 * ORDERS)]
    files = [
        write_jsonl(tmp_path / "orders.jsonl", orders),
        write_jsonl(tmp_path / "receipts.jsonl", receipts),
    ]

    # When both are ingested at the same time, in small batches, by two processes
    command = [*COMMAND, "--db", str(db)]
    runs = [
        subprocess.Popen(
            [*command, "ingest", "--batch", "7", str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for f in files
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    results = [(run.returncode, *output) for run, output in zip(runs, outputs, strict=True)]

    # Then every message of both files is applied, none refused
    for (code, out, err), expected in zip(results, (len(orders), len(receipts)), strict=True):
        assert code == 0, err
        assert f"applied {expected}, already applied 0, rejected 0" in out.decode(), out + err
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    try:
        assert sum(engine.get_stock(s).total_on_hand for s in skus) == 2 * ORDERS
        cancelled = {engine.get_order(f"SO-{i}").lines["1"].status.value for i in range(2, ORDERS, 4)}
        assert cancelled == {"cancelled"}
    finally:
        engine.close()


def test_an_order_dated_in_2099_is_refused_on_arrival_and_moves_nobody_elses_promise(tmp_path):
    # Given a SKU with a waiting line whose promise comes from a purchase order
    db = tmp_path / "s.sqlite"
    waiting = m.order_placed("o1", "O1", [("1", "TEA-1", 5)], at=m.ts(1))
    po = m.po_placed("po", "PO-1", [("TEA-1", 5)], supplier_id="S1", expected=m.day(9), at=m.ts(1))
    future = m.order_placed("o2", "O2", [("1", "TEA-1", 1)], at="2099-01-01T00:00:00Z")
    source = write_jsonl(tmp_path / "in.jsonl", [*shop(), waiting, po, future])

    # When the file is ingested
    result = antrian("ingest", str(source), db=db)

    # Then the order from the future is refused, naming its time, and the promise stands
    assert "rejected 1" in result.stdout and "field occurred_at" in result.stderr, result.stderr
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    try:
        assert engine.get_order("O1").lines["1"].eta.year == 2026
    finally:
        engine.close()
