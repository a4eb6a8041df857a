"""Dead letters retried on a SQLite store: by id, all of them, with corrections; each retry recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from infra.cli.main import app
from services.dead_letter_retry import Retrying, letter_ids, load_letter, retry_letters
from services.dead_letters import DeadLetter, RetryOutcome, dead_letter_id
from services.engine import Engine
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m
from tests.conftest import make_engine

NOW = datetime.now(UTC)
OPS = Retrying(by="ops", at=NOW, corrected={})
TOPIC = "antrian.inventory"


def refuse_into_letters(engine: Engine, *messages: dict) -> list[DeadLetter]:
    """What the Kafka consumer does with a partition's records: refusals kept as dead letters."""
    raws = [orjson.dumps(message) for message in messages]
    start = len(engine.dead_letters())

    def letters(outcomes):
        return [
            DeadLetter.of(
                f"{TOPIC}:0:{start + i}", raws[i], b"A", o.message_id, o.message_type, o.field, o.detail
            )
            for i, o in enumerate(outcomes)
            if o.status.refused
        ]

    engine.handle_batch([parse_message(raw) for raw in raws], dead_letters=letters)
    return [load_letter(engine, letter.originator_id) for letter in engine.dead_letters()[start:]]


@pytest.fixture
def engine(tmp_path: Path):
    built = make_engine("sqlite", tmp_path / "store.sqlite")
    yield built
    built.close()


def waited_in_vain(engine: Engine, *messages: dict) -> list[DeadLetter]:
    """Early messages park; a message from past their wait makes them dead letters (`parked:<id>`)."""
    start = len(engine.dead_letters())
    assert refuse_into_letters(engine, *messages) == []  # parked, not refused
    m.apply(engine, m.stock_received("later", "LATER", 1, at=m.ts(2)))
    return [load_letter(engine, letter.originator_id) for letter in engine.dead_letters()[start:]]


def receipt_before_its_po(engine: Engine) -> DeadLetter:
    m.apply(engine, m.supplier_registered("s1", "S1", ["A"]))
    (letter,) = waited_in_vain(
        engine, m.stock_received("r1", "A", 5, po="po-1", supplier_id="S1", at=m.ts(1))
    )
    assert letter.source == "parked:r1"
    return letter


def test_a_receipt_refused_only_because_its_po_had_not_arrived_goes_through_when_retried(engine):
    # Given a receipt dead-lettered because its purchase order had not arrived yet
    letter = receipt_before_its_po(engine)
    assert engine.get_stock("A").total_on_hand == 0
    # And the purchase order arrives later
    m.apply(engine, m.po_placed("p1", "po-1", [("A", 5)], at=m.ts(0, 2)))

    # When the letter is retried by its id
    (report,) = retry_letters(engine, [letter.id], OPS)

    # Then the receipt is applied and the letter resolved, with who did it, when and what became of it
    assert report.outcome is RetryOutcome.APPLIED
    assert engine.get_stock("A").total_on_hand == 5
    kept = load_letter(engine, letter.id)
    assert kept.resolved
    assert [(r.attempt, r.by, r.at, r.outcome) for r in kept.retries] == [
        (2, "ops", NOW, RetryOutcome.APPLIED)
    ]


def test_a_retry_refused_again_is_recorded_and_leaves_the_letter_open(engine):
    # Given the receipt's letter, and still no purchase order
    letter = receipt_before_its_po(engine)

    # When it is retried
    (report,) = retry_letters(engine, [letter.id], OPS)

    # Then it is refused again, with the reason, and kept open for the next retry
    assert report.outcome is RetryOutcome.REFUSED and report.reason
    kept = load_letter(engine, letter.id)
    assert not kept.resolved and kept.retries[0].outcome is RetryOutcome.REFUSED
    assert engine.get_stock("A").total_on_hand == 0


def test_retrying_a_resolved_letter_changes_nothing(engine):
    # Given a letter retried successfully
    letter = receipt_before_its_po(engine)
    m.apply(engine, m.po_placed("p1", "po-1", [("A", 5)], at=m.ts(0, 2)))
    retry_letters(engine, [letter.id], OPS)
    events_before = engine.recorder.max_notification_id()

    # When it is retried again
    (report,) = retry_letters(engine, [letter.id], Retrying(by="someone else", at=NOW, corrected={}))

    # Then nothing is stored and the stock was counted once
    assert report.outcome is None and report.reason == "resolved already"
    assert engine.recorder.max_notification_id() == events_before
    assert engine.get_stock("A").total_on_hand == 5
    assert [r.by for r in load_letter(engine, letter.id).retries] == ["ops"]


def test_retrying_all_skips_resolved_letters_and_retries_the_rest(engine):
    # Given two refused receipts for two POs, one resolved already, and both POs arrived since
    m.apply(engine, m.supplier_registered("s1", "S1", ["A"]))
    first, second = waited_in_vain(
        engine,
        m.stock_received("r1", "A", 5, po="po-1", supplier_id="S1", at=m.ts(1)),
        m.stock_received("r2", "A", 3, po="po-2", supplier_id="S1", at=m.ts(1, 1)),
    )
    m.apply(engine, m.po_placed("p1", "po-1", [("A", 5)], at=m.ts(0, 2)))
    retry_letters(engine, [first.id], OPS)
    m.apply(engine, m.po_placed("p2", "po-2", [("A", 3)], at=m.ts(0, 3)))

    # When every letter is retried
    reports = retry_letters(engine, letter_ids(engine), OPS, skip_resolved=True)

    # Then only the open one was judged, and both receipts are counted once
    assert [(r.letter_id, r.outcome) for r in reports] == [(second.id, RetryOutcome.APPLIED)]
    assert engine.get_stock("A").total_on_hand == 8


def test_a_corrected_message_is_judged_instead_of_the_original(engine):
    # Given an order for an unknown SKU, dead-lettered when its wait ran out
    m.apply(engine, m.supplier_registered("s1", "S1", ["A"]), m.stock_received("r1", "A", 4, at=m.ts(0, 1)))
    (letter,) = waited_in_vain(engine, m.order_placed("o1", "O1", [("1", "NOPE", 2)], at=m.ts(0, 2)))
    corrected = orjson.dumps(m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2)))

    # When it is retried with the corrected version (same message id)
    (report,) = retry_letters(engine, [letter.id], Retrying(by="ops", at=NOW, corrected={"o1": corrected}))

    # Then the correction is applied and the retry says it was corrected
    assert (report.outcome, report.corrected) == (RetryOutcome.APPLIED, True)
    assert engine.get_order("O1").lines["1"].allocated == {"A": 2}
    assert load_letter(engine, letter.id).retries[0].corrected


def test_a_letter_whose_message_was_applied_since_is_resolved_without_applying_it_twice(engine):
    # Given a receipt dead-lettered, then its PO, and the receipt judged again (`ingest --retry-refused`)
    letter = receipt_before_its_po(engine)
    m.apply(engine, m.po_placed("p1", "po-1", [("A", 5)], at=m.ts(0, 2)))
    receipt = m.stock_received("r1", "A", 5, po="po-1", supplier_id="S1", at=m.ts(1))
    outcome = engine.handle(parse_message(orjson.dumps(receipt)), retry=True)
    assert outcome.status is Status.APPLIED, outcome.detail

    # When the letter is retried
    (report,) = retry_letters(engine, [letter.id], OPS)

    # Then it is resolved as already applied, and the units counted once
    assert report.outcome is RetryOutcome.ALREADY_APPLIED
    assert load_letter(engine, letter.id).resolved
    assert engine.get_stock("A").total_on_hand == 5


def test_the_command_line_retries_by_id_shows_who_did_it_and_then_skips_it(engine, tmp_path, monkeypatch):
    # Given a store with the receipt's letter and its PO arrived since
    letter = receipt_before_its_po(engine)
    m.apply(engine, m.po_placed("p1", "po-1", [("A", 5)], at=m.ts(0, 2)))
    engine.close()
    monkeypatch.setenv("ANTRIAN_DB", str(tmp_path / "store.sqlite"))
    runner = CliRunner()

    # When an operator retries it by its source coordinates, then everything
    by_source = runner.invoke(app, ["dead-letters", "retry", "parked:r1", "--by", "sari"])
    everything = runner.invoke(app, ["dead-letters", "retry", "--all"])
    listed = runner.invoke(app, ["dead-letters"])

    # Then the first applies it, the second finds nothing to do, and the list says who and what
    assert by_source.exit_code == 0, by_source.output
    assert f"{letter.id} parked:r1: applied" in by_source.output
    assert everything.output.strip().endswith("nothing to retry")
    assert listed.output.splitlines()[0] == "1 dead letter(s), 1 resolved"
    assert f"  {letter.id} parked:r1: r1 (StockReceived)" in listed.output
    assert "retry 2 at " in listed.output and " by sari: applied" in listed.output


def test_the_command_line_takes_corrections_from_a_file(engine, tmp_path, monkeypatch):
    # Given an order for an unknown SKU, dead-lettered when its wait ran out, and a file with its corrected version
    m.apply(engine, m.supplier_registered("s1", "S1", ["A"]), m.stock_received("r1", "A", 4, at=m.ts(0, 1)))
    (letter,) = waited_in_vain(engine, m.order_placed("o1", "O1", [("1", "NOPE", 2)], at=m.ts(0, 2)))
    engine.close()
    fixed = tmp_path / "fixed.jsonl"
    fixed.write_bytes(orjson.dumps(m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2))) + b"\n")
    monkeypatch.setenv("ANTRIAN_DB", str(tmp_path / "store.sqlite"))

    # When every letter is retried with the file
    result = CliRunner().invoke(app, ["dead-letters", "retry", "--all", "--fixed", str(fixed), "--by", "ops"])

    # Then the corrected order is applied
    assert result.exit_code == 0, result.output
    assert f"{letter.id} parked:o1: applied (corrected)" in result.output
    reopened = make_engine("sqlite", tmp_path / "store.sqlite")
    try:
        assert reopened.get_order("O1").lines["1"].allocated == {"A": 2}
    finally:
        reopened.close()


def test_the_command_line_names_an_unknown_letter(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTRIAN_DB", str(tmp_path / "store.sqlite"))
    make_engine("sqlite", tmp_path / "store.sqlite").close()
    result = CliRunner().invoke(app, ["dead-letters", "retry", str(dead_letter_id("nowhere:0:0"))])
    assert result.exit_code == 1 and "no dead letter" in result.output


def test_dead_letters_asked_again_include_those_recorded_since_by_another_engine_on_the_store(tmp_path: Path):
    # Given two engines on one store, one of which has already read the letters once
    db = tmp_path / "letters.sqlite"
    reader, writer = make_engine("sqlite", db), make_engine("sqlite", db)
    try:
        m.apply(writer, m.stock_received("s-1", "A", 1), m.order_placed("o-1", "O1"))
        refuse_into_letters(writer, m.order_placed("a-1", "O1"))  # an order placed twice: refused
        assert [letter.message_id for letter in reader.dead_letters()] == ["a-1"]
        # When the other engine applies more messages and keeps two more refusals
        m.apply(writer, m.stock_received("a-2", "A", 5))
        refuse_into_letters(writer, m.order_placed("a-3", "O1"), m.order_placed("a-4", "O1"))
        # Then the reader's next ask has all three, in order, each once
        assert [letter.message_id for letter in reader.dead_letters()] == ["a-1", "a-3", "a-4"]
        assert [letter.message_id for letter in reader.dead_letters()] == ["a-1", "a-3", "a-4"]
    finally:
        reader.close()
        writer.close()
