"""bench/allocation's world and policy settings: what the bench sends the engine."""

from __future__ import annotations

from bench.allocation.policies import VARIANTS, reserve_for
from bench.allocation.sending import T0, still
from bench.allocation.world import as_v3
from bench.workload import order_placed
from services.contracts import OrderPlacedV2
from services.parsing import parse_message


def test_an_order_made_version_3_is_version_2_with_a_channel_and_a_customer_group():
    v3 = as_v3(
        order_placed(still(T0, "o"), "SO-1", [("A", 2)], tier="gold", customer_id="CU-0007"),
        "marketplace",
    )
    assert v3["channel"] == "marketplace" and v3["customer"]["group"] == "G-07"
    as_v2 = {k: v for k, v in v3.items() if k != "channel"} | {"schema_version": 2}
    as_v2["customer"] = {k: v for k, v in v3["customer"].items() if k != "group"}
    parsed = parse_message(as_v2)
    assert isinstance(parsed, OrderPlacedV2) and parsed.customer.tier.value == "gold"


def test_tier_reserve_keeps_the_top_tiers_expected_demand_over_the_lead_time_from_every_lower_tier():
    assert reserve_for(0.5, 14) == {"gold": 7, "standard": 7}
    reserve = next(v for v in VARIANTS if v.policy == "tier-reserve-v1")
    message = reserve.configure("m-1", "2026-01-05T10:00:00Z", "A", 0.3, 14)
    assert message["schema_version"] == 4 and message["reserve"] == {"gold": 5, "standard": 5}
    assert "schema_version" not in VARIANTS[0].configure("m-2", "2026-01-05T10:00:00Z", "A", 0.3, 14)
