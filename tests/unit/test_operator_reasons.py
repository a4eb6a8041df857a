"""Why an operator decided: version 2 of SkuConfigured, SubstituteAccepted and SubstituteDeclined.

Version 1 recorded who answered a substitute offer or changed a SKU's settings (the
message's caller) but never why. Version 2 requires a reason; the domain events keep it,
and events stored before it was kept load with none.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from domain.order import Order
from domain.stock import Stock
from infra.bootstrap import build_engine
from infra.settings import Settings
from services import contracts as c
from services.contract_values import MAX_TEXT_LENGTH
from services.errors import MessageRejected
from services.parsing import parse_message
from tests import messages as m

V1 = {
    "SkuConfigured": (m.sku_configured("k", "A", reorder_point=4, safety_stock=1), c.SkuConfigured),
    "SubstituteAccepted": (m.substitute_accepted("a", "o1"), c.SubstituteAccepted),
    "SubstituteDeclined": (m.substitute_declined("d", "o1"), c.SubstituteDeclined),
}
V2 = {
    "SkuConfigured": c.SkuConfiguredV2,
    "SubstituteAccepted": c.SubstituteAcceptedV2,
    "SubstituteDeclined": c.SubstituteDeclinedV2,
}


def v2(raw: dict[str, Any], reason: Any = "customer phoned") -> dict[str, Any]:
    return {**raw, "schema_version": 2, "reason": reason}


def rejection(raw: dict[str, Any]) -> MessageRejected:
    with pytest.raises(MessageRejected) as error:
        parse_message(raw)
    return error.value


@pytest.mark.parametrize("kind", sorted(V1))
def test_version_1_is_still_accepted_and_version_2_is_its_own_contract_with_the_reason(kind):
    raw, v1_class = V1[kind]

    assert type(parse_message(raw)) is v1_class
    parsed = parse_message(v2(raw))
    assert type(parsed) is V2[kind] and parsed.reason == "customer phoned"
    assert {1, 2} <= set(c.BY_TYPE[kind])


@pytest.mark.parametrize("kind", sorted(V1))
def test_version_2_requires_a_reason(kind):
    raw, _ = V1[kind]
    without = {k: v for k, v in v2(raw).items() if k != "reason"}

    error = rejection(without)

    assert (error.message_id, error.field) == (raw["message_id"], "reason")


@pytest.mark.parametrize("kind", sorted(V1))
@pytest.mark.parametrize(
    "reason",
    ["", "   ", "x" * (MAX_TEXT_LENGTH + 1), "bad\u200bzero width", 5, None],
    ids=["empty", "blank", "too long", "invisible", "number", "null"],
)
def test_a_bad_reason_is_refused_naming_the_field(kind, reason):
    raw, _ = V1[kind]

    assert rejection(v2(raw, reason)).field == "reason"


@pytest.mark.parametrize("kind", sorted(V1))
def test_a_reason_in_version_1_is_refused_not_ignored(kind):
    raw, _ = V1[kind]

    assert rejection({**raw, "reason": "why"}).field == "reason"


# ------------------------------------------------------------------ the domain events keep it
SHOP = [
    m.sku_configured("c-a", "A"),
    m.stock_received("r-b", "B", 5),
    m.substitutes_declared("s-a", "A", ["B"]),
    m.order_placed("p-1", "o1", (("1", "A", 2),), accept_substitutes=True),
    m.order_placed("p-2", "o2", (("1", "A", 1),), accept_substitutes=True),
]
ANSWERS = [
    m.substitute_accepted("acc", "o1", at=m.ts(hours=1)),
    m.substitute_declined("dec", "o2", at=m.ts(hours=1)),
    m.sku_configured("cfg", "A", reorder_point=3, safety_stock=1, policy="fifo-v1", at=m.ts(hours=2)),
]


def decided(answers: list[dict[str, Any]]) -> Any:
    engine = build_engine(Settings(store="memory"))
    for raw in [*SHOP, *answers]:
        outcome = engine.handle_raw(raw)
        assert outcome.status.value == "applied", outcome
    return engine


def answer_events(engine: Any) -> dict[str, Any]:
    """The events each answer recorded: Order.SubstituteAccepted / Declined and Stock.Configured."""
    found = {}
    for aggregate_id in (engine.get_order("o1").id, engine.get_order("o2").id, engine.get_stock("A").id):
        for event in engine.events.get(aggregate_id):
            if isinstance(event, Order.SubstituteAccepted | Order.SubstituteDeclined | Stock.Configured):
                found[type(event).__name__] = event
    return found


def test_the_events_of_version_2_keep_the_reason_and_otherwise_equal_version_1s():
    as_v1 = answer_events(decided(ANSWERS))
    as_v2 = answer_events(decided([v2(raw, f"because {raw['message_id']}") for raw in ANSWERS]))

    assert {name: e.reason for name, e in as_v1.items()} == {
        "SubstituteAccepted": None,
        "SubstituteDeclined": None,
        "Configured": None,
    }
    assert {name: e.reason for name, e in as_v2.items()} == {
        "SubstituteAccepted": "because acc",
        "SubstituteDeclined": "because dec",
        "Configured": "because cfg",
    }

    def without_reason(e: Any) -> dict[str, Any]:
        return {k: v for k, v in vars(e).items() if k not in ("reason", "timestamp")}

    assert {n: without_reason(e) for n, e in as_v1.items()} == {
        n: without_reason(e) for n, e in as_v2.items()
    }


def test_an_event_with_a_reason_is_stored_and_read_back_and_one_stored_before_reads_as_none():
    engine = decided([v2(raw, "asked by phone") for raw in ANSWERS])
    records = [
        n
        for n in engine.recorder.select_notifications(start=1, limit=1000)
        if n.topic.endswith(("Order.SubstituteAccepted", "Order.SubstituteDeclined", "Stock.Configured"))
    ]
    assert len(records) == 4  # A configured twice: first by SkuConfigured version 1
    for record in records:
        event = engine.mapper.to_domain_event(record)
        assert engine.mapper.to_stored_event(event).state == record.state
        older = orjson.loads(record.state)
        del older["reason"]  # as stored before the reason was kept
        before = StoredEvent(
            record.originator_id, record.originator_version, record.topic, orjson.dumps(older)
        )
        assert engine.mapper.to_domain_event(before).reason is None
    assert {engine.mapper.to_domain_event(r).reason for r in records} == {None, "asked by phone"}
