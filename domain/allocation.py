"""Allocation policies: pure, named and versioned.

A released version never changes behaviour. To change how stock is shared,
add a new version and keep the old one registered, so that every decision
already in the log still replays to the same answer.

Invariants every policy keeps:
- it never allocates more than the units it is given;
- new lines get free stock only when nobody is waiting (stock that arrives
  goes to the queue first), so a later line never overtakes an earlier
  eligible one except where the policy's ordering says so (tiers). The
  rationing policies (tier-reserve-v1, quota-v1: `RationingPolicy`) may keep
  free units from a line; for them "nobody waiting" reads "no waiting line may
  take a unit now", which the Stock keeps true after each decision.

Lines an operator released ahead (`LineReleasedAhead`) are served before every
other line of their SKU, among themselves in the order they were released; the
policy's own key orders the rest (`serving_key`). A queue without released lines
(every queue recorded before releases existed) is served exactly as the policy
always served it: the rule only adds a rank in front of the policy's key.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from domain.base import Value
from domain.errors import UnknownPolicy
from domain.queue import SortKey, units_before
from domain.quotas import Beyond, Quota, left, quota_key, waits_reason
from domain.rationing import held_reason, kept_back, may_take
from domain.values import LineRequest, QueueEntry, Reservation, Tier


class RequestPlan(Value):
    allocate: int
    backorder: int
    position: int | None  # 1-based place in the queue, if backordered
    units_ahead: int


class ReleasePlan(Value):
    """A waiting line moved to the front of the non-released lines, or back to its policy place."""

    position_before: int  # 1-based
    position_after: int
    rank: int | None  # its rank among released lines after the move; None when withdrawn


class Fill(Value):
    order_id: str
    line_id: str
    quantity: int


@dataclass(frozen=True)
class Rules:
    """What a rationing policy sees besides the queue: the SKU's settings and what its quotas
    used in the period of the decision's time (the Stock hands them in; replay rebuilds them)."""

    at: datetime | None = None
    reserve: Mapping[str, int] = field(default_factory=dict)  # as it applies at `at` (v2: scaled)
    quota: Quota | None = None
    used: Mapping[str, int] = field(default_factory=dict)


NO_RULES = Rules()


@dataclass(frozen=True)
class AllocationPolicy:
    name: str
    key: SortKey
    description: str
    rations: ClassVar[bool] = (
        False  # may hold lines back while units are free (domain/rationing.py, quotas.py)
    )

    def cap(self, line: Any, free: int, used: Mapping[str, int], rules: Rules) -> int:
        """Units of `free` the line may take: all of them, unless the policy rations."""
        return free

    def held_note(self, line: Any, free: int, taken: int, rules: Rules) -> str:
        """Why a line took less than was free (only rationing policies hold lines back)."""
        return ""

    def beyond_note(self, line: Any, taken: int, rules: Rules) -> str:
        """Why a line took more than its rules allow (quota-v1's `beyond: unwanted`)."""
        return ""

    def serving_key(self, line: Any) -> tuple[Any, ...]:
        """Released lines first, by rank of release; then the policy's own key."""
        released = getattr(line, "released", None)
        return (0, released) if released is not None else (1, self.key(line))

    def position_for(self, queue: Sequence[QueueEntry], request: LineRequest) -> int:
        """0-based index where the request joins the queue."""
        return bisect_right(queue, self.serving_key(request), key=self.serving_key)

    def plan_release(self, queue: Sequence[QueueEntry], order_id: str, line_id: str) -> ReleasePlan:
        """The waiting line to the place right behind the lines released before it."""
        released = _released_prefix(queue)
        before = _index_of(queue, order_id, line_id)
        ranks = [entry.released or 0 for entry in queue[:released]]
        return ReleasePlan(
            position_before=before + 1, position_after=released + 1, rank=max(ranks, default=0) + 1
        )

    def plan_withdraw_release(self, queue: Sequence[QueueEntry], order_id: str, line_id: str) -> ReleasePlan:
        """The released line back to the place the policy gives it among the lines not released."""
        before = _index_of(queue, order_id, line_id)
        others = [entry for index, entry in enumerate(queue) if index != before]
        back = queue[before].model_copy(update={"released": None})
        after = bisect_right(others, self.serving_key(back), key=self.serving_key)
        return ReleasePlan(position_before=before + 1, position_after=after + 1, rank=None)

    def plan_request(
        self,
        available: int,
        queue: Sequence[QueueEntry],
        waiting: int,
        request: LineRequest,
        rules: Rules = NO_RULES,
    ) -> RequestPlan:
        allocate = min(available, request.quantity) if not queue else 0
        return self._placed(allocate, queue, waiting, request)

    def _placed(
        self, allocate: int, queue: Sequence[QueueEntry], waiting: int, request: LineRequest
    ) -> RequestPlan:
        """The plan for a request given `allocate` free units: the rest waits at its policy place."""
        backorder = request.quantity - allocate
        if not backorder:
            return RequestPlan(allocate=allocate, backorder=0, position=None, units_ahead=0)
        index = self.position_for(queue, request)
        waits_released = _released_index(queue, request.order_id, request.line_id)
        if waits_released is not None:
            index = waits_released  # released ahead and waiting still: it keeps that place
        elif index and queue[index - 1].key == (request.order_id, request.line_id):
            index -= 1  # the line already waits (units taken back): it keeps its place
        return RequestPlan(
            allocate=allocate,
            backorder=backorder,
            position=index + 1,
            units_ahead=units_before(queue, index, waiting),
        )

    def plan_fill(self, units: int, queue: Sequence[QueueEntry], rules: Rules = NO_RULES) -> list[Fill]:
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
        return take_units(ordered, shortfall)


@dataclass(frozen=True)
class RationingPolicy(AllocationPolicy):
    """A policy that may keep free units from a line: a line takes at most `cap` of them.

    Its queue is "settled" after each decision (the Stock offers free units first):
    no waiting line could take a unit now. So a new line is served from what its cap
    allows without looking at the queue, and arriving units go to the lines that may
    take them, in policy order, passing those held back. Released lines come first
    but are held back like any other (an operator's release orders, the rules ration).
    """

    rations: ClassVar[bool] = True

    def count(self, line: Any, units: int, used: dict[str, int], rules: Rules) -> None:
        """Note `units` given to `line` during one walk (quotas count them)."""

    def takes_unwanted(self, rules: Rules) -> bool:
        """Whether units nobody within the rules waits for go past them (quota `beyond: unwanted`)."""
        return False

    def floor(self, rules: Rules) -> int:
        """No line takes a unit while this many or fewer are free."""
        return 0

    def nobody_after(self, entry: QueueEntry, take: int) -> bool:
        """Whether a line that took `take` means no line behind it can take one (the walk stops)."""
        return False

    def plan_request(
        self,
        available: int,
        queue: Sequence[QueueEntry],
        waiting: int,
        request: LineRequest,
        rules: Rules = NO_RULES,
    ) -> RequestPlan:
        wanted = min(available, request.quantity)
        allocate = min(wanted, self.cap(request, available, rules.used, rules))
        if allocate < wanted and self.takes_unwanted(rules):
            if not any(self.cap(entry, available, rules.used, rules) > 0 for entry in queue):
                allocate = wanted
        return self._placed(allocate, queue, waiting, request)

    def plan_fill(self, units: int, queue: Sequence[QueueEntry], rules: Rules = NO_RULES) -> list[Fill]:
        """Units to the lines that may take them, in queue order; then, if the rules say so,
        what is left to the lines held back, in queue order."""
        given: dict[int, int] = {}
        used = dict(rules.used)
        free = units
        floor = self.floor(rules)
        for index, entry in enumerate(queue):
            if free <= floor:
                break
            take = min(entry.quantity, free, self.cap(entry, free, used, rules))
            if take > 0:
                given[index] = take
                free -= take
                self.count(entry, take, used, rules)
            elif self.nobody_after(entry, take):
                break
        if free > 0 and self.takes_unwanted(rules):
            for index, entry in enumerate(queue):
                if free <= 0:
                    break
                more = min(entry.quantity - given.get(index, 0), free)
                if more > 0:
                    given[index] = given.get(index, 0) + more
                    free -= more
        return [
            Fill(order_id=queue[i].order_id, line_id=queue[i].line_id, quantity=q)
            for i, q in sorted(given.items())
        ]


@dataclass(frozen=True)
class TierReservePolicy(RationingPolicy):
    """priority-fifo-v1's order; a line of tier t takes only what is free above reserve[t].

    `scales`: the reserve shrinks as the next supply nears (tier-reserve-v2, domain/rationing.py's
    `scaled`); the Stock hands in the levels as they apply at the decision's time."""

    scales: bool = False

    def cap(self, line: Any, free: int, used: Mapping[str, int], rules: Rules) -> int:
        return may_take(rules.reserve, line.tier, free)

    def floor(self, rules: Rules) -> int:
        return min(kept_back(rules.reserve, tier) for tier in Tier)

    def nobody_after(self, entry: QueueEntry, take: int) -> bool:
        """Lines not released wait in tier order, and levels never fall with tier: once one of them
        is held back, so is every line behind it."""
        return entry.released is None

    def held_note(self, line: Any, free: int, taken: int, rules: Rules) -> str:
        return held_reason(rules.reserve, line.tier, free, taken)


@dataclass(frozen=True)
class QuotaPolicy(RationingPolicy):
    """priority-fifo-v1's order; a line takes at most what is left of its quota this period."""

    def cap(self, line: Any, free: int, used: Mapping[str, int], rules: Rules) -> int:
        if rules.quota is None:
            return free
        return left(rules.quota, used, line)

    def count(self, line: Any, units: int, used: dict[str, int], rules: Rules) -> None:
        if rules.quota is not None:
            key = quota_key(rules.quota, line)
            used[key] = used.get(key, 0) + units

    def takes_unwanted(self, rules: Rules) -> bool:
        return rules.quota is not None and rules.quota.beyond is Beyond.UNWANTED

    def held_note(self, line: Any, free: int, taken: int, rules: Rules) -> str:
        assert rules.quota is not None and rules.at is not None  # only a quota holds a line back
        return waits_reason(rules.quota, rules.used, line, rules.at, taken)

    def beyond_note(self, line: Any, taken: int, rules: Rules) -> str:
        assert rules.quota is not None
        key = quota_key(rules.quota, line)
        return (
            f"quota of {rules.quota.describe()} for {key} used: {rules.used.get(key, 0) + taken}, "
            "beyond it as nobody within a quota waits for these units"
        )


@dataclass(frozen=True)
class Keyed:
    """What allocation policies sort by: enough of a waiting line or a reservation."""

    order_id: str
    line_id: str
    tier: Tier
    placed_at: datetime
    released: int | None = None  # rank among lines released ahead (a waiting line's; never a reservation's)

    @classmethod
    def of(cls, line_key: str, reservation: Reservation) -> Keyed:
        order_id, line_id = split_line_key(line_key)
        return cls(order_id, line_id, reservation.tier, reservation.placed_at)


def _released_prefix(queue: Sequence[QueueEntry]) -> int:
    """How many lines at the head of the queue are released ahead (they are all there)."""
    count = 0
    for entry in queue:
        if entry.released is None:
            break
        count += 1
    return count


def _released_index(queue: Sequence[QueueEntry], order_id: str, line_id: str) -> int | None:
    for index in range(_released_prefix(queue)):
        if queue[index].key == (order_id, line_id):
            return index
    return None


def _index_of(queue: Sequence[QueueEntry], order_id: str, line_id: str) -> int:
    for index, entry in enumerate(queue):
        if entry.key == (order_id, line_id):
            return index
    raise KeyError((order_id, line_id))


def line_key(order_id: str, line_id: str) -> str:
    """One string per order line, usable as a JSON object key."""
    return f"{order_id}/{line_id}"


def split_line_key(key: str) -> tuple[str, str]:
    order_id, _, line_id = key.rpartition("/")
    return order_id, line_id


def take_units(ordered: Iterable[tuple[str, Reservation]], units: int) -> list[Fill]:
    """`units` taken from reservations (by line key) in the order given, each giving up to all it holds.

    One walk for every taking-back (a revoke after a shortfall, a higher tier's redistribution):
    they differ in which reservations may give and in what order, never in how units are taken.
    """
    takes: list[Fill] = []
    for line_key, reservation in ordered:
        if units <= 0:
            break
        quantity = min(units, reservation.quantity)
        order_id, line_id = split_line_key(line_key)
        takes.append(Fill(order_id=order_id, line_id=line_id, quantity=quantity))
        units -= quantity
    return takes


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

TIER_RESERVE_V1 = TierReservePolicy(
    name="tier-reserve-v1",
    key=_priority_fifo_key,
    description=(
        "priority-fifo-v1's order; a line of tier t is served from free units only while more "
        "than the SKU's reserve[t] are free (critical-level rationing)."
    ),
)
TIER_RESERVE_V2 = TierReservePolicy(
    name="tier-reserve-v2",
    key=_priority_fifo_key,
    description=(
        "tier-reserve-v1 with each level kept back only for the time until the next supply: "
        "ceil(reserve[t] x days to the next expected delivery / the best source's lead time)."
    ),
    scales=True,
)
QUOTA_V1 = QuotaPolicy(
    name="quota-v1",
    key=_priority_fifo_key,
    description=(
        "priority-fifo-v1's order; each customer / group / channel is allocated at most the SKU's "
        "quota per day, week or month; the rest waits for the next period or for unwanted units."
    ),
)

POLICIES: dict[str, AllocationPolicy] = {
    p.name: p for p in (FIFO_V1, PRIORITY_FIFO_V1, TIER_RESERVE_V1, TIER_RESERVE_V2, QUOTA_V1)
}
DEFAULT_POLICY = PRIORITY_FIFO_V1.name


def get_policy(name: str) -> AllocationPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise UnknownPolicy(f"unknown allocation policy {name!r}; known: {sorted(POLICIES)}") from None
