"""The adversarial corpus (tests/adversarial/corpus.py) through every way in: the engine, `antrian ingest`, Kafka.

Each nasty line must be refused as a whole, naming its field and why, and change
nothing; the valid line after it must be applied as if the nasty one never came.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from services.contracts import BY_TYPE
from services.dead_letters import dead_letter_id
from services.engine import Engine
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m
from tests.adversarial.corpus import (
    ACCEPTED_BUT_SUSPICIOUS,
    TYPES,
    Case,
    _template,
    cases,
    early_cases,
    seed,
    valid_line,
)
from tests.conftest import make_engine
from tests.state import snapshot_of
from tests.support.process import antrian

CASES = cases()
PARSE = [c for c in CASES if c.stage == "parse"]
ENGINE = [c for c in CASES if c.stage != "parse"]  # refused by a rule, or by the inbox (a reused id)


def _close(engine: Engine) -> None:
    close = getattr(engine, "close", None)
    if close is not None:
        close()


def _lines() -> list[tuple[bytes, Case | None]]:
    """The seeded shop, then each nasty line followed by a valid one; None marks a valid line."""
    lines: list[tuple[bytes, Case | None]] = [(orjson.dumps(message), None) for message in seed()]
    for i, case in enumerate(CASES):
        lines += [(case.raw, case), (orjson.dumps(valid_line(i)), None)]
    return lines


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Engine]:
    """An engine that saw the seed and the valid lines only, never a nasty one."""
    engine = make_engine("sqlite", tmp_path / "reference.sqlite")
    m.apply(engine, *seed(), *(valid_line(i) for i in range(len(CASES))))
    yield engine
    _close(engine)


def _mismatch(case: Case, status: Status, field: str | None, detail: str, expected: Status) -> str | None:
    if status is expected and field == case.field and case.reason in detail:
        return None
    return (
        f"{case.name}: expected {expected.value}, field {case.field!r}, reason containing {case.reason!r}; "
        f"got {status.value}, field {field!r}: {detail[:300]}"
    )


# ------------------------------------------------------------------ the corpus itself
def test_the_corpus_holds_over_a_hundred_nasty_lines_with_unique_names_and_no_newline_in_any():
    assert len(CASES) >= 110
    # (lines naming what the shop does not know yet wait instead: early_cases())
    assert len(PARSE) >= 100 and len([c for c in CASES if c.stage == "rule"]) >= 9
    assert len(early_cases()) >= 10
    names = [c.name for c in [*CASES, *ACCEPTED_BUT_SUSPICIOUS]]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert [c.name for c in CASES if b"\n" in c.raw or b"\r" in c.raw] == []
    assert {c.stage for c in CASES} == {"parse", "rule", "inbox"}


def test_every_message_type_is_broken_and_each_unbroken_template_is_a_valid_message():
    assert set(TYPES) == set(BY_TYPE)
    for type_ in TYPES:
        assert parse_message(_template(type_, "template")).type == type_  # type: ignore[attr-defined]
        assert any(type_ in c.name for c in CASES), f"no case breaks a {type_}"


# ------------------------------------------------------------------ in process, on SQLite
def test_every_nasty_line_is_refused_naming_its_field_and_the_valid_line_after_it_is_applied(
    tmp_path, reference
):
    # Given a small shop: a supplier, SKUs, stock, orders (one waiting, one shipped), a PO
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    m.apply(engine, *seed())
    wrong: list[str] = []
    try:
        for i, case in enumerate(CASES):
            before = snapshot_of(engine)
            on_hand = engine.get_stock("A").total_on_hand

            # When a nasty line comes
            outcome = engine.handle_raw(case.raw)

            # Then it is refused whole, naming its field and why, and nothing changed
            problem = _mismatch(case, outcome.status, outcome.field, outcome.detail, Status.REJECTED)
            if problem:
                wrong.append(problem)
            if snapshot_of(engine) != before:
                wrong.append(f"{case.name}: changed the business state")

            # And the valid line after it is applied: one more unit of A
            valid = engine.handle_raw(orjson.dumps(valid_line(i)))
            if valid.status is not Status.APPLIED or engine.get_stock("A").total_on_hand != on_hand + 1:
                wrong.append(f"{case.name}: the valid line after it was {valid.status.value}: {valid.detail}")
        assert wrong == [], "\n".join(wrong)

        # And the shop is exactly the one that never saw a nasty line
        assert snapshot_of(engine) == snapshot_of(reference)
    finally:
        _close(engine)


def test_a_refused_line_sent_again_is_refused_again_with_the_same_field_and_changes_nothing(tmp_path):
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    m.apply(engine, *seed())
    try:
        for case in ENGINE:
            engine.handle_raw(case.raw)
        before = snapshot_of(engine)
        again = {case.name: engine.handle_raw(case.raw) for case in ENGINE}
        expected = {c.name: Status.REFUSED_BEFORE if c.stage == "rule" else Status.REJECTED for c in ENGINE}
        assert {name: o.status for name, o in again.items()} == expected
        assert {name: o.field for name, o in again.items()} == {c.name: c.field for c in ENGINE}
        assert snapshot_of(engine) == before
    finally:
        _close(engine)


def test_a_line_naming_what_the_shop_does_not_know_yet_waits_naming_its_field_and_changes_nothing(tmp_path):
    # Given the seeded shop
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    m.apply(engine, *seed())
    wrong: list[str] = []
    try:
        for i, case in enumerate(early_cases()):
            before = snapshot_of(engine)
            # When a line names an order, SKU, supplier or PO it does not know
            outcome = engine.handle_raw(case.raw)
            # Then it waits, naming its field and why, and the shop is unchanged
            problem = _mismatch(case, outcome.status, outcome.field, outcome.detail, Status.PARKED)
            if problem:
                wrong.append(problem)
            if snapshot_of(engine) != before:
                wrong.append(f"{case.name}: changed the business state")
            valid = engine.handle_raw(orjson.dumps(valid_line(i)))  # minutes later: none waited its time
            if valid.status is not Status.APPLIED:
                wrong.append(f"{case.name}: the valid line after it was {valid.status.value}")
        assert wrong == [], "\n".join(wrong)
        assert engine.parked_waiting() == len(early_cases())
    finally:
        _close(engine)


# ------------------------------------------------------------------ antrian ingest


def _refusals_on_stderr(stderr: str, source: Path) -> dict[int, str]:
    """Line number -> the refusal printed for it (one line each)."""
    found: dict[int, str] = {}
    prefix = f"{source}:"
    for line in stderr.splitlines():
        if line.startswith(prefix):
            number, _, said = line[len(prefix) :].partition(": ")
            assert int(number) not in found, f"line {number} reported twice"
            found[int(number)] = said
    return found


def _check_report(
    said: dict[int, str], nasty: dict[int, Case], again: bool = False, *, wrong: list[str]
) -> None:
    assert set(said) == set(nasty), f"refusals reported for lines {sorted(set(said) ^ set(nasty))}"
    for number, case in nasty.items():
        verb = "refused before" if again and case.stage == "rule" else "rejected"
        where = f"field {case.field}: " if case.field else ""
        if not said[number].startswith(f"{verb} message ") or where not in said[number]:
            wrong.append(
                f"line {number} ({case.name}): expected '{verb}' and '{where}', got {said[number][:300]}"
            )
        if case.reason not in said[number]:
            wrong.append(f"line {number} ({case.name}): {case.reason!r} not in {said[number][:300]}")


def _business_state(db: Path) -> dict[Any, Any]:
    engine = make_engine("sqlite", db)
    try:
        return snapshot_of(engine)
    finally:
        _close(engine)


@pytest.mark.e2e
def test_the_corpus_through_antrian_ingest_refuses_each_nasty_line_and_applies_every_valid_one(
    tmp_path, reference
):
    # Given one JSONL file: the seeded shop, then each nasty line followed by a valid one
    lines = _lines()
    source = tmp_path / "adversarial.jsonl"
    source.write_bytes(b"".join(raw + b"\n" for raw, _ in lines))
    nasty = {number: case for number, (_, case) in enumerate(lines, start=1) if case is not None}
    valid = len(lines) - len(nasty)
    db = tmp_path / "s.sqlite"
    rejected_file = tmp_path / "s.rejected.jsonl"

    # When it is ingested
    first = antrian("ingest", str(source), db=db)

    # Then every valid line is applied, every nasty one is refused on its own line of stderr
    assert first.returncode == 0, first.stderr[-3000:]
    summary = f"applied {valid}, already applied 0, rejected {len(nasty)} (kept in {rejected_file})"
    assert summary in first.stdout, first.stdout
    wrong: list[str] = []
    _check_report(_refusals_on_stderr(first.stderr, source), nasty, wrong=wrong)

    # And the rejected file holds one record per nasty line, with its field, reason and original text
    kept = [orjson.loads(line) for line in rejected_file.read_bytes().splitlines()]
    assert [k["source"] for k in kept] == [f"{source}:{number}" for number in nasty]
    for record, case in zip(kept, nasty.values(), strict=True):
        if record["field"] != case.field or case.reason not in record["reason"]:
            wrong.append(f"{case.name}: kept as field {record['field']!r}: {record['reason'][:300]}")
        if record["original"] != case.raw.decode("utf-8", "replace"):
            wrong.append(f"{case.name}: its original text was not kept as sent")
    assert wrong == [], "\n".join(wrong)

    # And the store holds the shop that never saw a nasty line
    after_first = _business_state(db)
    assert after_first == snapshot_of(reference)

    # When the same file is ingested again
    second = antrian("ingest", str(source), db=db)

    # Then nothing new is applied; parse refusals are rejected again, rule refusals refused before
    assert second.returncode == 0, second.stderr[-3000:]
    rules = len([c for c in nasty.values() if c.stage == "rule"])
    summary = (
        f"applied 0, already applied {valid}, rejected {len(nasty) - rules} (kept in {rejected_file}), "
        f"refused before {rules}"
    )
    assert summary in second.stdout, second.stdout
    _check_report(_refusals_on_stderr(second.stderr, source), nasty, again=True, wrong=wrong)
    assert wrong == [], "\n".join(wrong)
    assert _business_state(db) == after_first


# ------------------------------------------------------------------ the Kafka consumer
def _publish(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """As tests/integration/test_kafka_inbound.py `publish` does (one key: one partition, in order),
    and checks that every record was written, the 1 MB one too, each at its offset."""
    from kafka import KafkaProducer

    from tests.support.kafka_topics import create_topic

    create_topic(bootstrap, topic)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        sent = [producer.send(topic, key=b"k", value=value) for value in values]
        producer.flush(timeout=60)
        assert [future.get(timeout=60).offset for future in sent] == list(range(len(values)))
    finally:
        producer.close(timeout=10)


def _consume_all(inbound: Any, records: int, timeout: float = 180) -> Any:
    """Poll until every record is counted (a fresh broker's group join can outlast a few idle polls)."""
    inbound.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            inbound.poll_once()
            stats = inbound.stats
            if stats.applied + stats.duplicates + stats.dead_letters >= records:
                break
        inbound.settle()
        return inbound.stats
    finally:
        inbound.consumer.close()


@pytest.mark.kafka
def test_the_corpus_through_the_kafka_consumer_dead_letters_each_nasty_record_with_its_reason(
    kafka_bootstrap, tmp_path, reference
):
    from infra.kafka.inbound import InboundConsumer, feed_name
    from tests.integration.test_kafka_inbound import consumer_for

    # Given a topic: the seeded shop, then each nasty record followed by a valid one
    lines = _lines()
    topic = f"t-{uuid.uuid4().hex[:10]}.inbound"
    _publish(kafka_bootstrap, topic, [raw for raw, _ in lines])
    nasty = {offset: case for offset, (_, case) in enumerate(lines) if case is not None}
    engine = make_engine("sqlite", tmp_path / "s.sqlite")

    try:
        # When the engine consumes it
        inbound = InboundConsumer(engine, consumer_for(kafka_bootstrap, f"{topic}-g"), [topic])
        stats = _consume_all(inbound, len(lines))

        # Then every valid record is applied and every nasty one is a dead letter with its field and reason
        assert (stats.applied, stats.duplicates, stats.dead_letters) == (
            len(lines) - len(nasty),
            0,
            len(nasty),
        )
        letters = {letter.source: letter for letter in engine.dead_letters()}
        assert set(letters) == {f"{topic}:0:{offset}" for offset in nasty}
        wrong = [
            f"{case.name}: dead letter with field {letter.field!r}: {letter.reason[:300]}"
            for offset, case in nasty.items()
            if (letter := letters[f"{topic}:0:{offset}"]).field != case.field
            or case.reason not in letter.reason
        ]
        assert wrong == [], "\n".join(wrong)

        # And the shop is the one that never saw a nasty record; the whole partition was read
        kept = {dead_letter_id(source) for source in letters}
        assert {k: v for k, v in snapshot_of(engine).items() if k not in kept} == snapshot_of(reference)
        assert engine.position(feed_name(topic, 0)) == len(lines)
    finally:
        _close(engine)


# ------------------------------------------------------------------ what is not refused yet
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name,
            marks=pytest.mark.xfail(strict=True, reason=f"accepted and applied today ({case.reason})"),
        )
        for case in ACCEPTED_BUT_SUSPICIOUS
    ],
)
def test_a_suspicious_line_the_engine_still_applies_is_refused_naming_its_field(case, memory_engine):
    m.apply(memory_engine, *seed())
    outcome = memory_engine.handle_raw(case.raw)
    assert (outcome.status, outcome.field) == (Status.REJECTED, case.field), outcome
