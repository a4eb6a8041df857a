"""The dashboard's settings form sends SkuConfigured version 4 when an operator fills in rationing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.http.ui.messages import ActionError, build
from services.contracts import SkuConfiguredV4
from services.errors import MessageRejected
from services.parsing import parse_message

NOW = datetime(2026, 1, 5, 10, tzinfo=UTC)
FORM = {"action": "configure-sku", "sku": "A", "reorder_point": "4", "safety_stock": "2", "reason": "scarce"}


def test_a_filled_in_reserve_quota_and_window_are_sent_as_version_4_and_accepted():
    form = {
        **FORM,
        "allocation_policy": "quota-v1",
        "reserve_gold": "1",
        "reserve_standard": "3",
        "quota_units": "5",
        "quota_period": "month",
        "quota_per": "group",
        "quota_beyond": "unwanted",
        "redistribute_within_hours": "0",
    }
    sent = build(form, "ops", NOW).message
    assert sent is not None
    parsed = parse_message(sent)

    assert isinstance(parsed, SkuConfiguredV4)
    assert parsed.reserve == {"gold": 1, "standard": 3}
    assert parsed.quota is not None and (parsed.quota.units, parsed.quota.per) == (5, "group")
    assert parsed.redistribute_within_hours == 0


def test_a_form_without_rationing_is_still_version_2_and_a_rising_reserve_is_refused_naming_it():
    sent = build(FORM, "ops", NOW).message
    assert sent is not None and sent["schema_version"] == 2

    rising = build({**FORM, "reserve_gold": "5", "reserve_standard": "1"}, "ops", NOW).message
    assert rising is not None
    with pytest.raises(MessageRejected) as refused:
        parse_message(rising)
    assert refused.value.field == "reserve"
    with pytest.raises(ActionError, match="quota units"):
        build({**FORM, "quota_units": "lots"}, "ops", NOW)
