"""The policies the bench compares, how each SKU is configured for them, and which the engine knows.

The new policies of issue 17 (`tier-reserve-v1`, `quota-v1`, redistribution) are configured
through `SkuConfigured` version 4 (docs: /work/notes/issue17-design.md); an engine without
them is told nothing it cannot read: the variant is skipped, saying why (`missing`).

Settings, chosen by rules a planner could apply from the forecast (`World.rates`), never
from outcomes:
- tier reserve (v1 and v2, the same levels; v2 keeps back only the share of the lead time still
  to wait for the next delivery): gold and standard lines may not take a SKU's last
  `ceil(platinum units a day x lead time)` free units: the top tier's expected demand over
  the time a replenishment takes (critical-level rationing with one level for every lower tier).
  `--reserve-days` replaces the lead time in that rule, to try other levels.
- quota: a customer may have at most `QUOTA_UNITS` units of a SKU allocated per ISO week (the
  largest line one orders); what exceeds it waits for units no line within its quota waits
  for (`beyond: unwanted`). Lines are 1-4 units, so only a customer who orders the same SKU
  again within the week meets it: the few frequent buyers of the world (world.py).
- promises: the rationing policies (tier reserve, quota) promise with eta-v5 (eta-v4's promises,
  walked from the line that joins when nothing ahead of it moved), which counts the units a
  reserve keeps back ahead of the lines it keeps them from and promises a line over its quota no
  earlier than the next period; the others with the engine's default (eta-v2).
- redistribute: priority-fifo-v1, and a higher-tier line may take units allocated to a
  lower-tier line less than `REDISTRIBUTE_HOURS` ago.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Msg = dict[str, Any]
QUOTA_UNITS = 4
REDISTRIBUTE_HOURS = 24
REASON = "allocation bench"


@dataclass(frozen=True)
class Variant:
    """One column of the bench: a name, and the SkuConfigured fields that set a SKU up for it."""

    name: str
    policy: str
    needs: tuple[str, ...]  # SkuConfigured version 4 fields it needs (none: version 1 will do)
    fields: Callable[[float, float], Msg]  # (platinum units a day, days of it to keep back) -> extra fields

    def configure(
        self, message_id: str, occurred_at: str, sku: str, platinum_rate: float, days: float
    ) -> Msg:
        message: Msg = {
            "type": "SkuConfigured",
            "message_id": message_id,
            "occurred_at": occurred_at,
            "sku": sku,
            "allocation_policy": self.policy,
        }
        if self.needs:
            message |= {"schema_version": 4, "reason": REASON, **self.fields(platinum_rate, days)}
        if self.policy in RATIONED:  # promises that know the rules the policy holds lines back by
            message["eta_policy"] = RATIONED_ETA
        return message


def reserve_for(platinum_rate: float, days: float) -> dict[str, int]:
    """The top tier's expected demand over the lead time, kept back from every lower tier."""
    level = math.ceil(platinum_rate * days)
    return {"gold": level, "standard": level}


VARIANTS: tuple[Variant, ...] = (
    Variant("fifo-v1", "fifo-v1", (), lambda _r, _l: {}),
    Variant("priority-fifo-v1", "priority-fifo-v1", (), lambda _r, _l: {}),
    Variant(
        "tier-reserve-v1", "tier-reserve-v1", ("reserve",), lambda r, days: {"reserve": reserve_for(r, days)}
    ),
    Variant(
        "tier-reserve-v2", "tier-reserve-v2", ("reserve",), lambda r, days: {"reserve": reserve_for(r, days)}
    ),
    Variant(
        "quota-v1",
        "quota-v1",
        ("quota",),
        lambda _r, _l: {
            "quota": {"units": QUOTA_UNITS, "period": "week", "per": "customer", "beyond": "unwanted"}
        },
    ),
    Variant(
        f"priority-fifo-v1+redistribute-{REDISTRIBUTE_HOURS}h",
        "priority-fifo-v1",
        ("redistribute_within_hours",),
        lambda _r, _l: {"redistribute_within_hours": REDISTRIBUTE_HOURS},
    ),
)
BASELINE = "priority-fifo-v1"
RATIONED = ("tier-reserve-v1", "tier-reserve-v2", "quota-v1")  # promised with RATIONED_ETA
RATIONED_ETA = "eta-v5"
RESERVES = ("tier-reserve-v1", "tier-reserve-v2")  # the target is judged for each


def missing(variant: Variant) -> str | None:
    """Why this engine cannot run the variant (None: it can): the policy or the contract fields it lacks."""
    from domain.allocation import POLICIES
    from services.contracts import BY_TYPE

    if variant.policy not in POLICIES:
        return (
            f"the engine knows no allocation policy {variant.policy!r} (known: {', '.join(sorted(POLICIES))})"
        )
    if variant.needs:
        v4 = BY_TYPE.get("SkuConfigured", {}).get(4)
        if v4 is None:
            return "the engine has no SkuConfigured version 4"
        lacking = [f for f in variant.needs if f not in v4.model_fields]
        if lacking:
            return f"SkuConfigured version 4 has no {', '.join(lacking)}"
    return None


def order_v3_known() -> bool:
    """Whether the engine reads OrderPlaced version 3 (channel, customer.group)."""
    from services.contracts import BY_TYPE

    return 3 in BY_TYPE.get("OrderPlaced", {})
