"""When a SKU should be bought, how much, and from whom: the replenishment rules.

`eta-v1` (below, first) reacts; `replenish-v2` (`OrderUpTo`) buys ahead to an
order-up-to level, in the supplier's order multiples, within its weekly capacity;
`replenish-v3` (domain/expedite.py) first buys from the fastest source what waiting
customers would otherwise wait a primary's lead time for, then does what v2 does.
Each version's decisions name it, and replay re-runs the version recorded.

`eta-v1`:
A SKU is projected as its free units plus what is on order less what customers
wait for. Below its reorder point (or below zero) it needs enough to reach the
reorder point plus the safety stock; what was suggested and not yet ordered
counts towards that, and a supplier's minimum order quantity rounds it up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from domain.eta import best_source, source_rank
from domain.values import InboundLine, Source


@dataclass(frozen=True)
class SupplyPosition:
    """What a SKU has, expects and owes, as the rule sees it."""

    available: int
    inbound: int
    waiting: int
    reorder_point: int
    safety_stock: int
    suggested: int  # suggested before and not yet ordered

    @property
    def projected(self) -> int:
        return self.available + self.inbound - self.waiting

    @property
    def need(self) -> int:
        projected = self.projected
        if projected < self.reorder_point or projected < 0:
            return self.reorder_point + self.safety_stock - projected
        return 0

    def to_buy(self, sources: Sequence[Source]) -> tuple[Source, int] | None:
        """The best source and the units to suggest from it, if more are needed than suggested."""
        source = best_source(sources)
        if source is None or self.need <= self.suggested:
            return None
        return source, max(self.need - self.suggested, source.minimum_order_quantity)

    @property
    def reason(self) -> str:
        return (
            f"projected {self.projected} (on hand free {self.available} + inbound "
            f"{self.inbound} - waiting {self.waiting}) is below reorder point "
            f"{self.reorder_point} + safety stock {self.safety_stock}"
        )

    @property
    def inputs(self) -> dict[str, Any]:
        return {"projected": self.projected, "need": self.need, "already_suggested": self.suggested}


# ------------------------------------------------------------------ replenish-v2
REPLENISH_V1 = "eta-v1"  # the rule above: its decisions were recorded under the ETA policy's name
REPLENISH_V2 = "replenish-v2"
REPLENISH_V3 = "replenish-v3"  # replenish-v2 after expediting for waiting customers: domain/expedite.py
REPLENISH_POLICIES = (REPLENISH_V1, REPLENISH_V2, REPLENISH_V3)
"""Every released replenishment rule: what a SKU may be configured to use (SkuConfigured version 5)."""


def uses_v2(order_up_to: int | None, sources: Iterable[Source]) -> bool:
    """A SKU replenishes under `replenish-v2` once it has a setting only that version understands:
    an order-up-to level, or a source with an order multiple or a weekly capacity."""
    return bool(order_up_to) or any(s.order_multiple > 1 or s.capacity_per_week is not None for s in sources)


def preferred(sources: Iterable[Source]) -> list[Source]:
    """Sources best first, as `best_source` ranks them."""
    return sorted(sources, key=source_rank)


def order_quantity(units: int, source: Source) -> int:
    """The smallest order of at least `units` the supplier takes: its minimum, in whole multiples."""
    wanted = max(units, source.minimum_order_quantity, 1)
    step = max(1, source.order_multiple)
    return -(-wanted // step) * step


def order_within(units: int, source: Source) -> int:
    """The largest order of at most `units` the supplier takes, in whole multiples: 0 when that is
    below its minimum (what fits in a warehouse, ordered on the supplier's terms)."""
    step = max(1, source.order_multiple)
    most = max(0, units) // step * step
    return most if most >= max(1, source.minimum_order_quantity) else 0


def order_terms(source: Source, room: int | None) -> str:
    """A suggestion's reason names the terms its quantity was fitted to (`room`: left this week)."""
    terms = f"minimum {source.minimum_order_quantity}, multiples of {source.order_multiple}"
    if source.capacity_per_week is not None:
        terms += f", {source.capacity_per_week}/week with {max(0, room or 0)} free that week"
    return terms


def trimmed(by_supplier: Mapping[str, int], total: int, preference: Sequence[str]) -> dict[str, int]:
    """`by_supplier` cut down to `total` units, the least preferred supplier's first
    (suppliers no longer a source before any)."""
    left = {s: q for s, q in by_supplier.items() if q > 0}
    excess = sum(left.values()) - max(0, total)
    rank = {s: i for i, s in enumerate(preference)}
    for supplier in sorted(left, key=lambda s: (-rank.get(s, len(rank)), s)):
        if excess <= 0:
            break
        cut = min(excess, left[supplier])
        left[supplier] -= cut
        excess -= cut
    return {s: q for s, q in sorted(left.items()) if q > 0}


def consumed(
    by_supplier: Mapping[str, int], supplier_id: str, units: int, total: int, preference: Sequence[str]
) -> dict[str, int]:
    """What is still suggested per supplier after `units` were ordered from `supplier_id`:
    its own suggestion first, then the rest trimmed to the new `total`."""
    left = dict(by_supplier)
    if supplier_id in left:
        left[supplier_id] = max(0, left[supplier_id] - units)
    return trimmed(left, total, preference)


@dataclass(frozen=True)
class Suggestion:
    """One supplier's share of what a SKU should buy, and why."""

    supplier_id: str
    quantity: int
    reason: str
    inputs: dict[str, Any]


@dataclass(frozen=True)
class OrderUpTo:
    """What `replenish-v2` sees of a SKU.

    The projected position is free units plus open supply less what customers wait
    for. With an order-up-to level, a SKU whose position falls to its reorder point
    (or below zero) is brought up to that level; without one, as `eta-v1`, a position
    below the reorder point is brought up to reorder point plus safety stock. What
    was suggested and not yet ordered counts. Each supplier is asked for whole order
    multiples, at least its minimum, and no more than its weekly capacity leaves free
    in the week an order placed today would arrive (open POs due that week and its
    outstanding suggestion use it up); the rest goes to the next source, the backup.
    When every source is full, the best one is asked anyway and the reason says the
    order will come past its capacity.

    A suggestion stands until it is ordered: an order for part of it lifts the position
    above the reorder point, and the rest is still wanted. It is reduced only to what
    the level still needs (`wanted`), when the position rises for other reasons.
    """

    available: int
    inbound: tuple[InboundLine, ...]
    waiting: int
    reorder_point: int
    safety_stock: int
    order_up_to: int | None
    suggested: int
    suggested_from: Mapping[str, int]
    sources: tuple[Source, ...]
    today: date
    standing: bool = False  # the reorder point was reached before: buy up to the level wherever it is

    @cached_property
    def inbound_units(self) -> int:
        return sum(line.quantity for line in self.inbound)

    @cached_property
    def projected(self) -> int:
        return self.available + self.inbound_units - self.waiting

    @property
    def gap(self) -> int:
        """Units up to the level from where the position stands, reorder point reached or not."""
        return max(0, self.target - self.projected)

    @property
    def target(self) -> int:
        level = self.order_up_to or self.reorder_point + self.safety_stock
        return max(level, self.reorder_point)

    @property
    def triggered(self) -> bool:
        projected = self.projected
        if projected < 0 or self.standing:
            return True
        return projected <= self.reorder_point if self.order_up_to else projected < self.reorder_point

    @property
    def need(self) -> int:
        return self.gap if self.triggered else 0

    def room(self, source: Source) -> int | None:
        """Units the source can still deliver in the week an order placed today would arrive."""
        if source.capacity_per_week is None:
            return None
        week = _week(self.today + timedelta(days=source.lead_time_days))
        due = sum(
            line.quantity
            for line in self.inbound
            if line.supplier_id == source.supplier_id and _week(line.expected) == week
        )
        return source.capacity_per_week - due - self.suggested_from.get(source.supplier_id, 0)

    def next_suggestion(self) -> Suggestion | None:
        """The next supplier's share, if more is needed than is suggested; None when enough is."""
        missing = self.need - self.suggested
        ranked = preferred(self.sources)
        if missing <= 0 or not ranked:
            return None
        for source in ranked:
            room = self.room(source)
            quantity = order_quantity(missing, source)
            if room is not None and quantity > room:
                quantity = max(0, room) // max(1, source.order_multiple) * max(1, source.order_multiple)
                if quantity <= 0 or quantity < source.minimum_order_quantity:
                    continue
            return self._suggest(source, quantity, missing, room, over_capacity=False)
        best = ranked[0]
        return self._suggest(
            best, order_quantity(missing, best), missing, self.room(best), over_capacity=True
        )

    def wanted(self) -> int:
        """What an outstanding suggestion is still worth: what the rule would suggest in all,
        nothing being suggested yet and the reorder point taken as reached (never less than `gap`)."""
        fresh = replace(self, suggested=0, suggested_from={}, standing=True)
        total = 0
        for _ in range(len(self.sources) + 1):
            step = fresh.next_suggestion()
            if step is None:
                break
            total += step.quantity
            taken = {**fresh.suggested_from}
            taken[step.supplier_id] = taken.get(step.supplier_id, 0) + step.quantity
            fresh = replace(fresh, suggested=total, suggested_from=taken)
        return total

    def kept(self, wanted: int) -> dict[str, int]:
        """The outstanding suggestion cut to `wanted`, the least preferred supplier's share first."""
        return trimmed(self.suggested_from, wanted, [s.supplier_id for s in preferred(self.sources)])

    def _suggest(
        self, source: Source, quantity: int, missing: int, room: int | None, over_capacity: bool
    ) -> Suggestion:
        terms = order_terms(source, room)
        if over_capacity:
            share = f"{quantity} from {source.supplier_id} past its weekly capacity: no source has room"
        elif quantity < missing:
            share = f"{quantity} from {source.supplier_id}, all its capacity allows; the rest from the next source"
        else:
            share = f"{quantity} from {source.supplier_id}"
        level = (
            f"order-up-to {self.target}"
            if self.order_up_to
            else f"reorder point + safety stock {self.target}"
        )
        reason = (
            f"projected {self.projected} (free {self.available} + inbound {self.inbound_units}"
            f" - waiting {self.waiting}) is at or below reorder point {self.reorder_point}: {level} needs "
            f"{self.need - self.suggested} more than the {self.suggested} suggested; {share} ({terms})"
        )
        inputs: dict[str, Any] = {
            "projected": self.projected,
            "reorder_point": self.reorder_point,
            "target": self.target,
            "need": self.need,
            "already_suggested": self.suggested,
            "suggested_from": dict(sorted(self.suggested_from.items())),
            "room": room,
            "over_capacity": over_capacity,
        }
        return Suggestion(source.supplier_id, quantity, reason, inputs)


def _week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week
