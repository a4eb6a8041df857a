"""Outbound contracts: every stored event type is published through an explicit, versioned mapping.

The scenario below runs real messages through an in-memory engine and
reaches all 42 published event types (but the retired one), so each mapping is exercised on
events the domain really produces.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import typing
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import orjson
import pytest
from pydantic import ValidationError

import domain
import services
from domain.base import Aggregate
from domain.order import Order
from domain.order_lines import LineSpec
from domain.planning_run import PLANNING_RUN_EVENTS, PlanningRun
from domain.stock import stock_id
from domain.values import Contact, DecisionRef, Locale, ShippingPreference, SupplierPriority, Tier
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.dead_letters import DeadLetter
from services.inbox import AppliedMessage, RefusedMessage
from services.notices import NoticeLedger
from services.outbound import (
    BY_DOMAIN_EVENT,
    DEAD_LETTERS,
    PAYLOADS,
    PUBLISHED_AGGREGATES,
    RETIRED_EVENT_TYPES,
    UNPUBLISHED,
    CausationTracker,
    OutboundEventV1,
    UnmappedEvent,
    attribute_causation,
    decode,
    domain_event_classes,
    encode,
    headers,
    to_outbound,
)
from services.outbound import contract as oc
from services.parking import PARKING_LOT_EVENTS, ParkingLot
from services.parsing import parse_message
from tests import messages as m

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = [
    m.supplier_registered("s-1", "S1", ["A", "B", m.terms("C", 3, moq=10)]),
    m.sku_configured("k-1", "A", reorder_point=5, safety_stock=2),
    m.substitutes_declared("k-2", "A", ["B"]),
    m.stock_received("r-1", "A", 3),
    m.stock_received("r-2", "B", 10),
    m.order_placed("o-1", "O1", [("1", "A", 2)], tier="gold"),
    m.order_placed("o-2", "O2", [("1", "A", 4)], accept_substitutes=True),
    m.order_placed("o-3", "O3", [("1", "A", 3)], accept_substitutes=True),
    m.substitute_accepted("a-1", "O2", "1", at=m.ts(0, 1)),
    m.substitute_declined("d-1", "O3", "1", at=m.ts(0, 1)),
    m.po_placed("p-1", "PO-1", [("A", 10)], expected=m.day(7), at=m.ts(0, 2)),
    m.po_confirmed("p-2", "PO-1", m.day(8), at=m.ts(0, 3)),
    m.line_released_ahead("ra-1", "O3", "1", at=m.ts(0, 4)),
    m.line_release_withdrawn("rw-1", "O3", "1", at=m.ts(0, 5)),
    m.po_delayed("p-3", "PO-1", m.day(10), at=m.ts(1)),
    m.po_placed("p-4", "PO-2", [("A", 5)], expected=m.day(20), at=m.ts(1, 1)),
    m.po_cancelled("p-5", "PO-2", at=m.ts(1, 2)),
    m.order_placed("o-4", "O4", [("1", "A", 20)], max_wait_days=3, at=m.ts(1, 3)),  # expires
    m.stock_adjusted("c-1", "A", 0, at=m.ts(2), reason="damaged"),  # revokes
    m.back_in_stock_requested("w-1", "A", at=m.ts(2, 1)),
    m.stock_received("r-3", "A", 10, po="PO-1", supplier_id="S1", at=m.ts(10)),
    m.stock_received("r-4", "A", 20, at=m.ts(10, 1)),
    m.order_shipped("sh-1", "O1", [("1", None)], at=m.ts(10, 2)),
    m.order_cancelled("x-1", "O3", at=m.ts(10, 3)),
    m.po_confirmed("p-6", "PO-1", m.day(9), at=m.ts(9)),  # read after its goods came: late
    m.warehouse_configured("h-1", "main", capacity_units=500, capacity_volume="12.5", at=m.ts(10, 4)),
    m.supplier_registered("s-2", "S1", ["A", "B"], at=m.ts(11)),  # drops C
    # eta-v3's failover: D's PO from S1 slips past S1's failover threshold, its line moves to S2
    m.supplier_registered(
        "s-3", "S1", ["A", "B", {**m.terms("D"), "failover_after_days": 2}], at=m.ts(11, 1), schema_version=2
    ),
    m.supplier_registered("s-4", "S2", [m.terms("D", 2, priority="backup")], at=m.ts(11, 2)),
    m.sku_configured("k-3", "D", at=m.ts(11, 3), schema_version=3, reason="failover", eta_policy="eta-v3"),
    m.po_placed("p-7", "PO-3", [("D", 10)], expected=m.day(20), at=m.ts(11, 4)),
    m.order_placed("o-5", "O5", [("1", "D", 5)], at=m.ts(11, 5)),
    m.po_delayed("p-8", "PO-3", m.day(30), at=m.ts(12)),  # 10 days late: failover suggested
    m.order_cancelled("x-2", "O5", at=m.ts(12, 1)),  # nobody left to serve: reduced
]


SENT = {"idempotency_key": "O1:1:v2", "kind": "backordered", "order_id": "O1", "line_id": "1", "sku": "A"}


@pytest.fixture(scope="module")
def run():
    engine = build_engine(Settings(store="memory"))
    before = m.apply(engine, *SCENARIO[:7])
    # a notification delivered between two messages: its Notice is caused by none
    sent = orjson.dumps(SENT).decode()
    NoticeLedger(engine).record("O1:1:v2", "line:O1:1", sent, datetime(2026, 1, 6, tzinfo=UTC))
    after = m.apply(engine, *SCENARIO[7:])
    notifications = engine.recorder.select_notifications(start=1, limit=10_000)
    expected_causes = [o.message_id for o in before for _ in range(o.events)]
    expected_causes += [None] + [o.message_id for o in after for _ in range(o.events)]
    return engine, notifications, expected_causes


@pytest.fixture(scope="module")
def published(run):
    engine, notifications, _ = run
    envelopes = []
    for notification, cause in attribute_causation(notifications):
        envelope = to_outbound(engine.mapper.to_domain_event(notification), notification.id, cause)
        envelopes.append((engine.mapper.to_domain_event(notification), envelope))
    return envelopes


# ------------------------------------------------------------ completeness
def _aggregates() -> list[type]:
    """Every aggregate class in domain/ and services/, imported or not yet."""
    for package in (domain, services):
        for module in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            importlib.import_module(module.name)
    found, todo = [], list(Aggregate.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith(("domain.", "services.")):
            found.append(cls)
    return found


def _unmapped(aggregates: list[type]) -> list[str]:
    return [
        cls.__qualname__
        for aggregate in aggregates
        for cls in domain_event_classes(aggregate)
        if cls not in BY_DOMAIN_EVENT and cls not in UNPUBLISHED and cls not in DEAD_LETTERS
    ]


def test_every_stored_event_type_has_an_outbound_mapping_or_is_declared_internal():
    aggregates = _aggregates()
    internal = {AppliedMessage, RefusedMessage, DeadLetter, ParkingLot, PlanningRun}
    assert set(PUBLISHED_AGGREGATES) | internal == set(aggregates)
    assert _unmapped(aggregates) == [], "add an outbound mapping in services/outbound/ for these events"
    assert len(BY_DOMAIN_EVENT) == 47


def test_a_new_event_without_a_mapping_would_fail_the_completeness_check_and_the_mapping():
    class Probe(Aggregate):
        def __init__(self) -> None:
            pass

        class Frobbed(Aggregate.Event):
            pass

    assert [name.rpartition("<locals>.")[2] for name in _unmapped([Probe])] == ["Probe.Frobbed"]
    with pytest.raises(UnmappedEvent, match="no outbound mapping"):
        to_outbound(Probe.Frobbed(originator_id=uuid4(), originator_version=1, timestamp=m.BASE), 1, None)


def test_the_event_classes_found_are_exactly_the_event_decorators_in_the_source():
    declared: dict[str, set[str]] = {}
    for path in [*sorted((ROOT / "domain").rglob("*.py")), *sorted((ROOT / "services").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for item in node.body:
                for deco in getattr(item, "decorator_list", []):
                    if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "event":
                        spec = deco.args[0]  # @event("Name") or @event(Name), a declared class
                        name = spec.value if isinstance(spec, ast.Constant) else spec.id
                        declared.setdefault(node.name, set()).add(name)
    found = {a.__name__: {c.__name__ for c in domain_event_classes(a)} for a in _aggregates()}
    assert found == declared


def test_the_inbox_record_and_dead_letters_are_not_outbound_events():
    assert UNPUBLISHED == {
        AppliedMessage.Applied,
        RefusedMessage.Refused,
        RefusedMessage.RefusedAgain,
        RefusedMessage.CorrectionApplied,
        AppliedMessage.ContentRecorded,
        RefusedMessage.ContentRecorded,
        *PARKING_LOT_EVENTS,
        *PLANNING_RUN_EVENTS,
    }
    assert DEAD_LETTERS == {DeadLetter.Recorded, DeadLetter.Retried}
    applied = AppliedMessage(message_id="m-1", message_type="OrderPlaced", fingerprint="f")
    assert to_outbound(applied.collect_events()[0], 1, None) is None
    assert to_outbound(_letter().collect_events()[0], 2, None) is None


def _letter(offset: int = 41) -> DeadLetter:
    return DeadLetter.of(f"antrian.orders:2:{offset}", b"{not json", b"O-1", None, None, None, "not JSON")


def test_event_types_are_unique_and_named_after_a_published_aggregate():
    assert len(PAYLOADS) == 47
    for mapping in BY_DOMAIN_EVENT.values():
        aggregate, _, name = mapping.payload.EVENT_TYPE.partition(".")
        assert aggregate in {"Order", "Stock", "Supplier", "Notice", "Warehouse"} and name
        assert mapping.domain_event.__qualname__.startswith(aggregate + ".")


def test_contract_literals_list_every_value_of_the_domain_enums():
    pairs = [
        (oc.TierV1, Tier),
        (oc.LocaleV1, Locale),
        (oc.ShippingPreferenceV1, ShippingPreference),
        (oc.SupplierPriorityV1, SupplierPriority),
    ]
    for literal, enum in pairs:
        assert set(typing.get_args(literal)) == {e.value for e in enum}, enum.__name__


# ------------------------------------------------------- real events, mapped
def test_a_small_scenario_reaches_every_published_event_type_but_the_retired_ones(published):
    assert {envelope.event_type for _, envelope in published if envelope} == set(
        PAYLOADS
    ) - RETIRED_EVENT_TYPES


def test_an_eta_revision_stored_on_an_order_by_an_older_version_is_still_published():
    order = Order(
        order_id="O1",
        customer_id="c",
        tier=Tier.STANDARD,
        placed_at=datetime(2026, 1, 5, tzinfo=UTC),
        shipping=ShippingPreference.PARTIAL,
        accept_substitutes=False,
        max_wait_days=None,
        contact=Contact(email="c@example.com", locale=Locale.EN),
        lines=[LineSpec(line_id="1", sku="A", quantity=2)],
        message_id="m",
    )
    ref = DecisionRef(sku="A", stock_version=3, policy="eta-v1", message_id="m", inputs={}, reason="r")
    order._line_backordered(
        line_id="1",
        quantity=2,
        position=1,
        eta=date(2026, 1, 9),
        needs_purchase=False,
        decision=ref,
        eta_decision=ref,
    )
    order._eta_revised(
        line_id="1", old=date(2026, 1, 9), new=date(2026, 1, 12), needs_purchase=False, decision=ref
    )
    envelope = to_outbound(order.collect_events()[-1], notification_id=9, causation_message_id="m")
    assert envelope is not None and envelope.event_type == "Order.EtaRevised"
    assert (envelope.data.previous_eta, envelope.data.eta) == (date(2026, 1, 9), date(2026, 1, 12))


def test_every_envelope_round_trips_through_encode_and_decode(published):
    for _, envelope in published:
        if envelope is None:
            continue
        raw = encode(envelope)
        assert isinstance(raw, bytes)
        assert decode(raw) == envelope
        assert orjson.loads(raw)["data"] == envelope.data.model_dump(mode="json")


def test_envelope_fields_come_from_the_stored_event_and_its_log_position(run, published):
    _, notifications, _ = run
    by_id = {n.id: n for n in notifications}
    for event, envelope in published:
        if envelope is None:
            assert type(event) is AppliedMessage.Applied
            continue
        assert envelope.schema_version == 1
        assert envelope.aggregate_id == event.originator_id
        assert envelope.aggregate_version == event.originator_version
        assert envelope.occurred_at == event.timestamp
        assert envelope.aggregate_type == type(event).__qualname__.partition(".")[0]
        assert by_id[envelope.notification_id].originator_id == event.originator_id


def test_payloads_are_explicit_json_with_iso_dates_and_decimal_strings(published):
    data = {}
    for _, e in published:
        if e:
            data.setdefault(e.event_type, orjson.loads(encode(e))["data"])
    assert data["Order.Placed"]["order_id"] == "O1" and data["Order.Placed"]["customer_tier"] == "gold"
    assert data["Stock.Registered"]["sku"] in {"A", "B", "C"}
    assert data["Supplier.Registered"]["supplier_id"] == "S1"
    assert data["Supplier.Registered"]["terms"][0]["unit_cost"] == "1.50"
    assert data["Supplier.PurchaseOrderPlaced"]["expected_date"] == "2026-01-12"
    requested = data["Stock.LineRequested"]
    assert "request" not in requested and "plan" not in requested  # stored shape does not leak
    assert requested["decision"]["as_of"].endswith("Z")


def test_order_decisions_reference_the_stock_event_they_concern(published):
    stock = {
        (e.aggregate_id, e.aggregate_version): e for _, e in published if e and e.aggregate_type == "Stock"
    }
    kinds = set()
    for _, e in published:
        ref = getattr(e.data, "decision", None) if e and e.aggregate_type == "Order" else None
        if ref is None:
            continue
        assert ref.as_of is None
        target = stock[(stock_id(ref.sku), ref.stock_version)]
        assert target.causation_message_id == ref.message_id or ref.policy == "substitute-v1"
        if ref.policy == "substitute-v1":  # decided on the order, from the Stock version it read
            kinds.add("substitute offer")
        elif e.event_type == "Order.LineCancelled" and not e.data.automatic:
            assert target.event_type in {"Stock.Released", "Stock.Withdrawn"}
            kinds.add("customer cancellation")
        else:
            held = target.data.decision
            assert (held.policy, held.message_id, held.reason, held.inputs) == (
                ref.policy,
                ref.message_id,
                ref.reason,
                ref.inputs,
            )
            kinds.add("stock decision")
    assert kinds == {"substitute offer", "customer cancellation", "stock decision"}


def test_identically_shaped_payloads_are_told_apart_by_event_type(published):
    allocated = next(e for _, e in published if e and e.event_type == "Order.LineAllocated")
    as_json = orjson.loads(encode(allocated))
    assert type(OutboundEventV1.model_validate(as_json).data).__name__ == "OrderLineAllocatedV1"
    relabelled = OutboundEventV1.model_validate({**as_json, "event_type": "Order.BackorderFilled"})
    assert type(relabelled.data).__name__ == "OrderBackorderFilledV1"
    with pytest.raises(ValidationError, match="carries OrderBackorderFilledV1"):
        OutboundEventV1(**{**dict(allocated), "event_type": "Order.BackorderFilled"})


def test_unknown_fields_wrong_aggregate_and_mutation_are_refused(published):
    envelope = next(e for _, e in published if e)
    as_json = orjson.loads(encode(envelope))
    with pytest.raises(ValidationError):
        decode(orjson.dumps({**as_json, "extra": 1}))
    with pytest.raises(ValidationError):
        decode(orjson.dumps({**as_json, "data": {**as_json["data"], "extra": 1}}))
    with pytest.raises(ValidationError, match="does not match"):
        decode(orjson.dumps({**as_json, "aggregate_type": "Order"}))
    with pytest.raises(ValidationError):
        decode(orjson.dumps({**as_json, "schema_version": 2}))
    with pytest.raises(ValidationError):
        envelope.notification_id = 7  # type: ignore[misc]


def test_headers_name_event_type_schema_version_notification_and_cause(published):
    envelope = next(e for _, e in published if e and e.event_type == "Order.Placed")
    assert headers(envelope) == [
        ("event_type", b"Order.Placed"),
        ("schema_version", b"1"),
        ("notification_id", str(envelope.notification_id).encode()),
        ("causation_message_id", b"o-1"),
    ]
    unknown = envelope.model_copy(update={"causation_message_id": None})
    assert [name for name, _ in headers(unknown)] == ["event_type", "schema_version", "notification_id"]


# ------------------------------------------------------------------ causation
def test_each_event_is_attributed_to_the_message_that_caused_it(run, published):
    _, _, expected_causes = run
    causes = [e.causation_message_id for _, e in published]
    assert causes == expected_causes
    for _, e in published:
        decision = getattr(e.data, "decision", None)
        if decision is not None:
            assert decision.message_id == e.causation_message_id
        if e.event_type in {"Order.Placed", "Order.LineShipped", "Order.SubstituteDeclined"}:
            assert e.data.message_id == e.causation_message_id


def test_reading_the_log_page_by_page_gives_the_same_causes_and_a_safe_position(run):
    _, notifications, expected_causes = run
    tracker = CausationTracker()
    ready = []
    for start in range(0, len(notifications), 7):
        page = notifications[start : start + 7]
        ready.extend(tracker.feed_all(page))
        assert all(held.id > tracker.safe_position for held in tracker.held)
        assert tracker.safe_position <= page[-1].id
        assert all(n.id <= tracker.safe_position for n, _ in ready)
    assert [cause for _, cause in ready] == expected_causes
    assert tracker.held == () and tracker.safe_position == notifications[-1].id


def test_events_of_a_transaction_whose_inbox_record_has_not_arrived_are_held_back(run):
    engine, notifications, expected_causes = run
    *log, last_inbox = notifications
    assert last_inbox.topic == "services.inbox:AppliedMessage.Applied"
    released = list(attribute_causation(log, engine.mapper))
    waiting = expected_causes.count(SCENARIO[-1]["message_id"])  # the last message's events
    assert [cause for _, cause in released] == expected_causes[:-waiting]
    tracker = CausationTracker(start_after=0)
    tracker.feed_all(log)
    assert len(tracker.held) == waiting
    assert tracker.safe_position == tracker.held[0].id - 1
    assert [cause for _, cause in tracker.feed(last_inbox)] == [SCENARIO[-1]["message_id"]] * waiting


def test_feeding_the_log_out_of_order_is_refused(run):
    _, notifications, _ = run
    tracker = CausationTracker(start_after=notifications[3].id)
    with pytest.raises(ValueError, match="log order"):
        tracker.feed(notifications[2])


def test_the_envelope_schema_says_which_payload_each_event_type_carries():
    schema = OutboundEventV1.model_json_schema(mode="serialization")
    defs = schema["$defs"]
    assert schema["properties"]["event_type"]["enum"] == list(PAYLOADS)
    assert {r["$ref"].rsplit("/", 1)[1] for r in schema["properties"]["data"]["anyOf"]} == {
        p.__name__ for p in PAYLOADS.values()
    }
    for rule, (event_type, payload) in zip(schema["allOf"], PAYLOADS.items(), strict=True):
        assert rule["if"]["properties"]["event_type"]["const"] == event_type
        name = rule["then"]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert name == payload.__name__ and defs[name]["x-event-type"] == event_type
    assert set(schema["required"]) >= {"schema_version", "causation_message_id", "data"}


def test_natural_keys_are_published_on_creation_events_and_others_join_on_aggregate_id():
    assert "order_id" in PAYLOADS["Order.Placed"].model_fields
    assert "sku" in PAYLOADS["Stock.Registered"].model_fields
    assert "supplier_id" in PAYLOADS["Supplier.Registered"].model_fields
    assert "order_id" not in PAYLOADS["Order.LineAllocated"].model_fields
    assert BY_DOMAIN_EVENT[Order.Placed].payload is PAYLOADS["Order.Placed"]


def test_a_dead_letter_is_released_at_once_without_a_cause_and_does_not_disturb_the_messages():
    engine = build_engine(Settings(store="memory"))
    outcomes = m.apply(engine, *SCENARIO[:3])
    engine.save(_letter())  # its own transaction, no inbox record
    outcomes += m.apply(engine, *SCENARIO[3:6])
    notifications = engine.recorder.select_notifications(start=1, limit=10_000)

    ready = list(attribute_causation(notifications))

    letters = [(n, cause) for n, cause in ready if n.topic == "services.dead_letters:DeadLetter.Recorded"]
    assert [cause for _, cause in letters] == [None]
    others = [cause for n, cause in ready if (n, cause) not in letters]
    assert others == [o.message_id for o in outcomes for _ in range(o.events)]
    tracker = CausationTracker()
    tracker.feed_all(notifications[: notifications.index(letters[0][0]) + 1])
    assert tracker.held == () and tracker.safe_position == letters[0][0].id


def test_messages_applied_as_one_batch_are_still_attributed_message_by_message(run):
    _, _, expected_causes = run
    engine = build_engine(Settings(store="memory"))
    outcomes = engine.handle_batch([parse_message(raw) for raw in SCENARIO])
    assert all(o.status.value == "applied" for o in outcomes)
    notifications = engine.recorder.select_notifications(start=1, limit=10_000)
    assert [cause for _, cause in attribute_causation(notifications)] == [c for c in expected_causes if c]
