"""Critical-level rationing: units kept back for higher tiers (tier-reserve-v1, tier-reserve-v2).

Topkis (1968) and Arslan, Graves and Roemer (2007): when stock runs low, serving
a low-priority demand now costs a high-priority one later, so below a critical
level the low tier waits even though units are on hand. A SKU's `reserve` maps a
tier to the units a line of that tier may NOT take: it is served from free units
only while more than that many are free. The top tier (platinum) and tiers left
out keep back nothing. Levels never increase with tier (platinum <= gold <=
standard), or a higher tier could be held back where a lower one is not.

tier-reserve-v2 keeps back only what the higher tiers need until supply comes: a
level is the top tiers' demand over a replenishment lead time, so with the next
supply `d` days away of a lead time of `L`, it keeps back `ceil(level x d / L)`
(the whole level when nothing is on order, or `d >= L`). A static level holds units
back just before a delivery, when they are least needed, and leaves them on the
shelf while lower tiers wait; the scaled one gives them out as the delivery nears
and keeps more back again when a delay notice moves it away.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.values import Tier

Reserve = Mapping[str, int]  # tier value ("gold") -> units kept back from it


def kept_back(reserve: Reserve, tier: Tier) -> int:
    return reserve.get(tier.value, 0)


def scaled(reserve: Reserve, supply_in_days: int | None, lead_days: int | None) -> dict[str, int]:
    """The levels kept back with the next supply `supply_in_days` away (tier-reserve-v2)."""
    if supply_in_days is None or not lead_days or supply_in_days >= lead_days:
        return dict(reserve)
    days = max(0, supply_in_days)
    return {tier: -(-units * days // lead_days) for tier, units in reserve.items()}


def may_take(reserve: Reserve, tier: Tier, free: int) -> int:
    """Units a line of `tier` may take when `free` are free: what is above its level."""
    return max(0, free - kept_back(reserve, tier))


def reserve_problem(reserve: Reserve) -> str | None:
    """Why a reserve cannot be, or None: unknown tiers, negative levels, levels rising with tier."""
    known = {tier.value for tier in Tier}
    for name, units in reserve.items():
        if name not in known:
            return f"unknown tier {name!r}; known: {sorted(known)}"
        if units < 0:
            return f"{name}: {units} is negative"
    tiers = sorted(Tier, key=lambda t: t.rank)  # platinum first
    for higher, lower in zip(tiers, tiers[1:], strict=False):
        a, b = kept_back(reserve, higher), kept_back(reserve, lower)
        if a > b:
            return (
                f"{higher.value} keeps back {a}, more than {lower.value} ({b}): "
                "levels never increase with tier (platinum <= gold <= standard)"
            )
    return None


def held_reason(reserve: Reserve, tier: Tier, free: int, taken: int) -> str:
    """E.g. "3 free, 10 kept back for higher tiers: standard line waits"."""
    what = f"takes {taken}" if taken else "waits"
    return f"{free} free, {kept_back(reserve, tier)} kept back for higher tiers: {tier.value} line {what}"
