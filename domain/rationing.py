"""Critical-level rationing: units kept back for higher tiers (tier-reserve-v1).

Topkis (1968) and Arslan, Graves and Roemer (2007): when stock runs low, serving
a low-priority demand now costs a high-priority one later, so below a critical
level the low tier waits even though units are on hand. A SKU's `reserve` maps a
tier to the units a line of that tier may NOT take: it is served from free units
only while more than that many are free. The top tier (platinum) and tiers left
out keep back nothing. Levels never increase with tier (platinum <= gold <=
standard), or a higher tier could be held back where a lower one is not.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.values import Tier

Reserve = Mapping[str, int]  # tier value ("gold") -> units kept back from it


def kept_back(reserve: Reserve, tier: Tier) -> int:
    return reserve.get(tier.value, 0)


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
