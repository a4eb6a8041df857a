"""Telling a history again with another policy: which messages change, which come in, which stay out."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.whatif_outcome import units_moved
from services.contracts import BY_TYPE
from services.parsing import parse_message
from services.whatif_rewrite import Change, UnknownSetting, config_version, rewritten, skus_of
from tests import messages as m

NEWEST = max(v for v, cls in BY_TYPE["SkuConfigured"].items() if "allocation_policy" in cls.model_fields)
HISTORY = [
    m.sku_configured("k-1", "A", reorder_point=4, safety_stock=1, policy="priority-fifo-v1"),
    m.stock_received("r-1", "A", 3, at=m.ts(hours=1)),
    m.order_placed("o-1", "o1", (("1", "A", 2), ("2", "B", 1)), at=m.ts(days=1)),
    m.stock_received("r-2", "B", 3, at=m.ts(days=2)),
    m.order_placed("o-2", "o2", (("1", "A", 2),), at=m.ts(days=3)),
]


def _ids(messages: list[dict]) -> list[str]:
    return [message["message_id"] for message in messages]


def test_a_configured_sku_has_its_configuration_rewritten_at_the_newest_version_holding_the_fields() -> None:
    told = list(rewritten(HISTORY, Change("fifo-v1", frozenset({"A"}))))
    assert _ids(told) == _ids(HISTORY)
    config = told[0]
    assert config["allocation_policy"] == "fifo-v1"
    assert config["schema_version"] == NEWEST == config_version({})
    assert (config["reorder_point"], config["safety_stock"]) == (4, 1)
    assert parse_message(config).schema_version == NEWEST  # a valid message of that version
    assert told[1:] == HISTORY[1:]


def test_a_sku_never_configured_gets_a_configuration_right_before_its_first_message() -> None:
    told = list(rewritten(HISTORY, Change("fifo-v1")))
    assert _ids(told) == ["k-1", "r-1", "whatif:config:2", "o-1", "r-2", "o-2"]
    injected = told[2]
    assert (injected["sku"], injected["allocation_policy"], injected["occurred_at"]) == (
        "B",
        "fifo-v1",
        m.ts(days=1),
    )
    parse_message(injected)


def test_before_the_window_nothing_changes_and_after_it_nothing_is_told() -> None:
    change = Change(
        "fifo-v1",
        frozenset({"A"}),
        start=datetime.fromisoformat(m.ts(days=1)),
        end=datetime.fromisoformat(m.ts(days=2)),
    )
    told = list(rewritten(HISTORY, change))
    assert told[:2] == HISTORY[:2]  # the real configuration, and what came before the window
    # A switches at its first message in the window, keeping the reorder point it had
    assert _ids(told) == ["k-1", "r-1", "whatif:config:1", "o-1", "r-2"]
    assert (told[2]["allocation_policy"], told[2]["reorder_point"], told[2]["safety_stock"]) == (
        "fifo-v1",
        4,
        1,
    )


def test_a_field_no_version_holds_is_refused_naming_it() -> None:
    with pytest.raises(UnknownSetting, match="--set no_such_field"):
        config_version({"no_such_field": 1})


def test_every_sku_a_message_names_is_found() -> None:
    assert list(skus_of(m.supplier_registered("s-1", "S1", ("A", "B")))) == ["A", "B"]
    assert list(skus_of(m.substitutes_declared("d-1", "A", ["C", "D"]))) == ["A", "C", "D"]


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=5))
def test_units_redistributed_are_read_from_any_shape_of_decision(quantities: list[int]) -> None:
    moves = [{"order_id": "o", "line_id": "1", "quantity": q} for q in quantities]
    assert units_moved(
        {"taken": moves, "decision": {"policy": "redistribute-v1", "inputs": [{"quantity": 99}]}}
    ) == sum(quantities)
    assert units_moved({"quantity": 7, "moves": moves}) == 7
