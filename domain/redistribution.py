"""Redistribution (redistribute-v1): a higher tier takes recent allocations from lower tiers.

SAP's backorder processing "redistributes" confirmed quantities from less important
customers to more important ones. Here it is bounded so that nobody who was told
their units are ready loses them after they could reasonably be picked: only units
allocated less than `within_hours` before the decision (decision time, never the
wall clock) are taken, never from a line of the same or a higher tier, never units
held as a substitute (they would be asked of another SKU), never units already
shipped (a reservation holds only what has not shipped). Units are taken from the
lowest tier first, the most recently allocated first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from domain.allocation import Fill, take_units
from domain.values import Reservation, Tier

REDISTRIBUTE_V1 = "redistribute-v1"
LOWEST_RANK = max(tier.rank for tier in Tier)  # a line of the lowest tier takes from nobody


def may_give(reservation: Reservation, taker: Tier, at: datetime, within_hours: int) -> bool:
    """Whether units of this reservation may go to a line of tier `taker` decided at `at`."""
    return (
        within_hours > 0
        and reservation.tier.rank > taker.rank
        and reservation.substitute_for is None
        and reservation.allocated_at is not None
        and at - reservation.allocated_at < timedelta(hours=within_hours)
    )


def plan_takes(
    reservations: Mapping[str, Reservation], taker: Tier, needed: int, at: datetime, within_hours: int
) -> list[Fill]:
    """Units to take for a line of tier `taker` that would wait for `needed`: lowest tier first,
    then most recently allocated, then line key (so a tie decides the same on replay)."""
    if needed <= 0 or within_hours <= 0 or taker.rank == LOWEST_RANK:
        return []
    after, rank = (
        at - timedelta(hours=within_hours),
        taker.rank,
    )  # may_give's test, hoisted: it runs per request
    givers = [
        (key, reservation)
        for key, reservation in reservations.items()
        if reservation.allocated_at is not None
        and reservation.allocated_at > after
        and reservation.tier.rank > rank
        and reservation.substitute_for is None
    ]
    givers.sort(key=lambda item: (-item[1].tier.rank, -(item[1].allocated_at or at).timestamp(), item[0]))
    return take_units(givers, needed)


def takes_reason(takes: list[Fill], order_id: str, line_id: str, tier: Tier, within_hours: int) -> str:
    units = sum(take.quantity for take in takes)
    return (
        f"{tier.value} line {order_id}/{line_id} would wait: took {units} unit(s) from "
        f"{len(takes)} lower-tier line(s) allocated less than {within_hours}h before, "
        "lowest tier and most recent first; they wait again at their policy place"
    )
