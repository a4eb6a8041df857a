"""Schema evolution: OrderPlaced version 2 beside version 1, and versions nobody wrote refused by name."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking

from domain.allocation import DEFAULT_POLICY
from domain.order import Order
from domain.replenishment import REPLENISH_POLICIES
from services.contracts import (
    BY_TYPE,
    MESSAGE_TYPES,
    Message,
    OrderPlaced,
    OrderPlacedV2,
    ReplenishPolicy,
    SkuConfiguredV5,
    type_of,
    version_of,
)
from services.deciding import Decider, no_letters
from services.errors import MessageRejected
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m


def rejection(raw: dict[str, Any]) -> MessageRejected:
    with pytest.raises(MessageRejected) as error:
        parse_message(raw)
    return error.value


def decided_order(placed: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The Order events a fresh store decides for `placed` after three units of A arrived."""
    app: Application[Any] = Application()
    decider = Decider(app.repository, DEFAULT_POLICY, lambda ids: {})
    messages = [parse_message(m.stock_received("r1", "A", 3, at=m.ts(0, 1))), parse_message(placed)]
    decided = decider.decide(messages, Tracking("feed", 2), no_letters)
    assert [o.status for o in decided.outcomes] == [Status.APPLIED, Status.APPLIED]
    return [
        (type(e).__qualname__, {k: v for k, v in vars(e).items() if k != "timestamp"})
        for e in decided.processing.events
        if isinstance(e, Order.Event)
    ]


def test_both_versions_of_order_placed_are_accepted_each_by_its_own_contract():
    v1 = parse_message(m.order_placed("o1", "O1", tier="gold"))
    v2 = parse_message(m.order_placed_v2("o1", "O1", tier="gold"))

    assert (type(v1), v1.schema_version) == (OrderPlaced, 1)
    assert (type(v2), v2.schema_version) == (OrderPlacedV2, 2)
    assert set(BY_TYPE["OrderPlaced"]) == {1, 2, 3}


def test_an_order_sent_as_version_2_places_exactly_the_order_version_1_places():
    # Given the same order written in both versions
    order = ("O1", [("1", "A", 2), ("2", "A", 4)])
    # When each is decided on a store holding three units of A
    as_v1 = decided_order(m.order_placed("o1", *order, tier="platinum", at=m.ts(0, 2)))
    as_v2 = decided_order(m.order_placed_v2("o1", *order, tier="platinum", at=m.ts(0, 2)))
    # Then the order's events are the same, allocation and backorder included
    assert as_v1 == as_v2
    assert {name for name, _ in as_v1} >= {"Order.Placed", "Order.LineAllocated", "Order.LineBackordered"}


def test_version_2_requires_the_customer_tier_that_version_1_defaulted_to_standard():
    v2 = m.order_placed_v2("t-1", "O1")
    del v2["customer"]["tier"]

    error = rejection(v2)

    assert (error.message_id, error.field) == ("t-1", "customer.tier")
    assert parse_message(m.order_placed("t-2", "O1", tier=None)).customer_tier.value == "standard"


def test_version_2_is_refused_in_the_shape_of_version_1_and_the_other_way_round():
    assert rejection({**m.order_placed("s-1", "O1"), "schema_version": 2}).field == "customer"
    v2_without_version = {k: v for k, v in m.order_placed_v2("s-2", "O1").items() if k != "schema_version"}
    assert rejection(v2_without_version).field in {"customer_id", "customer"}


@pytest.mark.parametrize(
    ("raw", "supported"),
    [
        (m.order_placed("v-4", "O1", schema_version=4), "1, 2, 3"),
        (m.stock_received("v-2", schema_version=2), "1"),
        (m.order_cancelled("v-0", "O1", schema_version=0), "1"),
    ],
)
def test_a_version_no_contract_has_is_refused_naming_the_supported_versions(raw, supported):
    error = rejection(raw)

    assert error.field == "schema_version"
    assert f"schema_version {raw['schema_version']} of {raw['type']} is not supported" in str(error)
    assert str(error).endswith(f"supported: {supported}")


def test_a_version_that_is_not_a_json_integer_is_refused_as_such_not_as_unsupported():
    error = rejection(m.order_placed_v2("x-1", "O1", schema_version="2"))

    assert error.field == "schema_version" and "must be a JSON integer" in str(error)


def test_the_union_checks_each_message_against_the_contract_of_its_type_and_version():
    members = [get_args(member) for member in get_args(get_args(Message)[0])]

    tags = {tag.tag: contract for contract, tag in members}

    assert tags == {f"{type_of(c)}.v{version_of(c)}": c for c in MESSAGE_TYPES}


# ------------------------------------------------------------ SkuConfigured version 5
def sku_configured_v5(mid: str, **kw: Any) -> dict[str, Any]:
    return {"schema_version": 5, **m.sku_configured(mid, "A", reason="expedite for waiting customers", **kw)}


def test_sku_configured_version_5_names_the_replenishment_rule_and_keeps_version_4s_settings():
    parsed = parse_message(sku_configured_v5("k5", replenish_policy="replenish-v3", reserve={"standard": 2}))

    assert isinstance(parsed, SkuConfiguredV5)
    assert (parsed.replenish_policy, parsed.reserve) == ("replenish-v3", {"standard": 2})
    assert parse_message(sku_configured_v5("k6")).replenish_policy is None  # type: ignore[union-attr]


def test_an_unknown_replenishment_policy_in_version_5_is_refused_naming_the_field():
    error = rejection(sku_configured_v5("k5", replenish_policy="replenish-v9"))

    assert error.field == "replenish_policy" and "replenish-v3" in str(error)


def test_version_5_accepts_exactly_the_released_replenishment_rules():
    assert get_args(ReplenishPolicy) == REPLENISH_POLICIES
