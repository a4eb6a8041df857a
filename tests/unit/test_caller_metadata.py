"""Who handed a message in is metadata: kept with the inbox entry, never part of the message."""

from __future__ import annotations

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from infra.persistence import OrjsonTranscoder, PydanticMapper
from services.contracts import with_caller
from services.inbox import AppliedMessage, fingerprint
from services.outbound import HEADER_CAUSATION_BY, header_value
from services.parsing import parse_message
from tests import messages as m

RAW = orjson.dumps(m.substitute_accepted("a-1", "o1", "1"))


def test_a_caller_changes_neither_the_fingerprint_nor_the_equality_of_a_message():
    plain = parse_message(RAW)
    handed_in = with_caller(parse_message(RAW), "token:ops")

    assert handed_in.by == "token:ops" and plain.by is None
    assert fingerprint(handed_in) == fingerprint(plain)
    assert handed_in == plain
    assert "by" not in handed_in.model_dump() and "_by" not in handed_in.model_dump_json()


def test_the_inbox_entry_of_an_applied_message_names_its_caller():
    entry = AppliedMessage.of(with_caller(parse_message(RAW), "kafka:antrian.orders"))

    (created,) = entry.collect_events()

    assert created.by == "kafka:antrian.orders"


def test_an_inbox_entry_stored_before_callers_were_kept_still_loads_with_no_caller():
    mapper = PydanticMapper(transcoder=OrjsonTranscoder())
    entry = AppliedMessage.of(parse_message(RAW))
    (created,) = entry.collect_events()
    state = orjson.loads(mapper.to_stored_event(created).state)
    del state["by"]
    old = StoredEvent(entry.id, 1, get_topic(AppliedMessage.Applied), orjson.dumps(state))

    loaded = mapper.to_domain_event(old)

    assert loaded.by is None and loaded.message_id == "a-1"


def test_the_causation_by_header_is_read_back_as_text_and_absent_as_none():
    assert header_value([(HEADER_CAUSATION_BY, b"token:ops")], HEADER_CAUSATION_BY) == "token:ops"
    assert header_value([], HEADER_CAUSATION_BY) is None
    assert header_value(None, HEADER_CAUSATION_BY) is None


def test_a_projection_reading_kafka_takes_the_caller_from_the_causation_by_header():
    from collections import namedtuple

    from infra.kafka.projections import _event

    record = namedtuple("Record", "topic partition offset value headers")
    envelope = {
        "notification_id": 7,
        "event_type": "Stock.Received",
        "aggregate_type": "Stock",
        "aggregate_id": "a",
        "aggregate_version": 2,
        "occurred_at": "2026-01-05T10:00:00Z",
        "causation_message_id": "r-1",
        "data": {},
    }
    headers = [("event_type", b"Stock.Received"), (HEADER_CAUSATION_BY, b"kafka:antrian.inventory")]

    event = _event(record("t", 0, 3, orjson.dumps(envelope), headers), "t:0")

    assert event.caused_by == "kafka:antrian.inventory" and event.causation_message_id == "r-1"
