"""Allocation policies: pure, named and versioned.

A released version never changes behaviour. To change how stock is shared,
add a new version and keep the old one registered, so that every decision
already in the log still replays to the same answer.

Invariants every policy keeps:
- it never allocates more than the units it is given;
- new lines get free stock only when nobody is waiting (stock that arrives
  goes to the queue first), so a later line never overtakes an earlier
  eligible one except where the policy's ordering says so (tiers).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.base import Value
from domain.errors import UnknownPolicy
from domain.queue import SortKey, units_before
from domain.values import LineRequest, QueueEntry, Reservation, Tier


class RequestPlan(Value):
    allocate: int
    backorder: int
    position: int | None  # 1-based place in the queue, if backordered
    units_ahead: int


class Fill(Value):
    order_id: str
    line_id: str
    quantity: int


@dataclass(frozen=True)
class AllocationPolicy:
    name: str
    key: SortKey
    description: str

    def position_for(self, queue: Sequence[QueueEntry], request: LineRequest) -> int:
        """0-based index where the request joins the queue."""
        return bisect_right(queue, self.key(request), key=self.key)

    def plan_request(
        self, available: int, queue: Sequence[QueueEntry], waiting: int, request: LineRequest
    ) -> RequestPlan:
        allocate = min(available, request.quantity) if not queue else 0
        backorder = request.quantity - allocate
        if not backorder:
            return RequestPlan(allocate=allocate, backorder=0, position=None, units_ahead=0)
        index = self.position_for(queue, request)
        if index and queue[index - 1].key == (request.order_id, request.line_id):
            index -= 1  # the line already waits (units taken back): it keeps its place
        return RequestPlan(
            allocate=allocate,
            backorder=backorder,
            position=index + 1,
            units_ahead=units_before(queue, index, waiting),
        )

    def plan_fill(self, units: int, queue: Sequence[QueueEntry]) -> list[Fill]:
        """Hand `units` to waiting lines in queue order; the last one may be partial."""
        fills: list[Fill] = []
        for entry in queue:
            if units <= 0:
                break
            quantity = min(units, entry.quantity)
            fills.append(Fill(order_id=entry.order_id, line_id=entry.line_id, quantity=quantity))
            units -= quantity
        return fills

    def plan_revoke(self, shortfall: int, reservations: Mapping[str, Reservation]) -> list[Fill]:
        """Take back `shortfall` allocated units, last in policy order first."""
        ordered = sorted(
            reservations.items(),
            key=lambda item: self.key(Keyed.of(item[0], item[1])),
            reverse=True,
        )
        revoked: list[Fill] = []
        for line_key, reservation in ordered:
            if shortfall <= 0:
                break
            quantity = min(shortfall, reservation.quantity)
            order_id, line_id = split_line_key(line_key)
            revoked.append(Fill(order_id=order_id, line_id=line_id, quantity=quantity))
            shortfall -= quantity
        return revoked


@dataclass(frozen=True)
class Keyed:
    """What allocation policies sort by: enough of a waiting line or a reservation."""

    order_id: str
    line_id: str
    tier: Tier
    placed_at: datetime

    @classmethod
    def of(cls, line_key: str, reservation: Reservation) -> Keyed:
        order_id, line_id = split_line_key(line_key)
        return cls(order_id, line_id, reservation.tier, reservation.placed_at)


def line_key(order_id: str, line_id: str) -> str:
    """One string per order line, usable as a JSON object key."""
    return f"{order_id}/{line_id}"


def split_line_key(key: str) -> tuple[str, str]:
    order_id, _, line_id = key.rpartition("/")
    return order_id, line_id


def _fifo_key(line: Any) -> tuple[Any, ...]:
    return (line.placed_at, line.order_id, line.line_id)


def _priority_fifo_key(line: Any) -> tuple[Any, ...]:
    return (line.tier.rank, line.placed_at, line.order_id, line.line_id)


FIFO_V1 = AllocationPolicy(
    name="fifo-v1",
    key=_fifo_key,
    description="Oldest order first (placed-at), then order id, then line id.",
)
PRIORITY_FIFO_V1 = AllocationPolicy(
    name="priority-fifo-v1",
    key=_priority_fifo_key,
    description="Higher tier first (platinum, gold, standard), then fifo-v1.",
)

POLICIES: dict[str, AllocationPolicy] = {p.name: p for p in (FIFO_V1, PRIORITY_FIFO_V1)}
DEFAULT_POLICY = PRIORITY_FIFO_V1.name


def get_policy(name: str) -> AllocationPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise UnknownPolicy(f"unknown allocation policy {name!r}; known: {sorted(POLICIES)}") from None
