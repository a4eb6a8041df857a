"""Stock: one aggregate per SKU, owning its units, its queue and its promises.

The Stock decides who gets its units, so every allocation decision is an
event here (with the policy, the cause and what it saw) and is mirrored onto
the order lines it concerns. Stock that arrives - received, returned,
released, found in a count - is offered to the queue before it becomes
available to new orders.

Event classes are declared (not made by `@event` from a name) so the type checker
and the callers that match on them see their fields; their topics are the same
(`domain.stock:Stock.<Name>`), and their fields follow the order of the method
parameters, which is the order they are stored in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.allocation import (
    NO_RULES,
    QUOTA_V1,
    Fill,
    QuotaPolicy,
    ReleasePlan,
    RequestPlan,
    Rules,
    TierReservePolicy,
    get_policy,
    split_line_key,
)
from domain.base import Aggregate, AggregateSnapshot
from domain.decisions import (
    decided_at,
    decision_info,
    eta_reason,
    fill_reason,
    release_reason,
    request_reason,
    revoke_reason,
)
from domain.effects import Backorder, StockEffects
from domain.errors import (
    AlreadyReleasedAhead,
    InsufficientStock,
    LineNotWaiting,
    NotAllocated,
    NotReleasedAhead,
    UnknownPolicy,
)
from domain.eta import (
    ETA_POLICY,
    ETA_POLICY_V5,
    FAILOVER_ETAS,
    RATIONED_ETAS,
    EtaPlan,
    Failover,
    Rationing,
    eta_planner,
    supply_order,
    walk_start,
)
from domain.expedite import ExpediteFirst
from domain.failover import SavedLine, failover_reason, moved_lines, next_failover, reductions, take_from
from domain.queue import Queue, entry_for
from domain.quotas import (
    OverQuota,
    Quota,
    QuotaUse,
    next_period_start,
    period_of,
    quota_inputs,
    quota_key,
)
from domain.rationing import scaled
from domain.redistribution import REDISTRIBUTE_V1, plan_takes, takes_reason
from domain.replenishment import (
    REPLENISH_POLICIES,
    REPLENISH_V1,
    REPLENISH_V2,
    REPLENISH_V3,
    OrderUpTo,
    Suggestion,
    SupplyPosition,
    consumed,
    preferred,
    trimmed,
    uses_v2,
)
from domain.reservations import Reservations
from domain.stock_state import StockState, Watcher
from domain.values import (
    Cause,
    Contact,
    DecisionInfo,
    DecisionRef,
    InboundLine,
    LinePlace,
    LineRequest,
    QueueEntry,
    Source,
    inbound_key,
)

PUSHED_NAMED = 20  # lines a joining line names as moved back (all are counted)


class Stock(Aggregate):
    clock: datetime | None = None  # the latest time this SKU decided at (an older snapshot has none)
    # SKUs that name this one as a substitute, so units arriving here can be offered to their queues
    # (a Stock registered before this was kept has none until a SubstituteForSet names it again).
    substitute_for: tuple[str, ...] = ()
    # One unit's volume (SkuConfigured version 2's `unit_volume`), for warehouse capacity in volume
    # (domain/capacity.py); None until told, and in Stocks configured before it was kept.
    unit_volume: Decimal | None = None
    # The level replenish-v2 orders up to (SkuConfigured version 3's `order_up_to`); None: none set,
    # and in Stocks configured before it was kept.
    order_up_to: int | None = None
    # SkuConfigured version 4 (none in Stocks configured before): units kept back from each tier
    # (tier-reserve-v1: `reserve`, set in __init__ and replaced, never changed in place, by the
    # event bodies), the per-period quota (quota-v1) and what it used in the current period,
    # and how recent an allocation a higher tier may take (0: never; redistribute-v1).
    quota: Quota | None = None
    quota_use: QuotaUse = QuotaUse()
    redistribute_within_hours: int = 0
    # SkuConfigured version 5's `replenish_policy`: the replenishment rule chosen for the SKU; None
    # (and in Stocks configured before it was kept): the rule its settings imply (`replenish_policy`).
    replenish_configured: str | None = None

    class Snapshot(AggregateSnapshot):
        state: StockState

    class Event(Aggregate.Event):
        def mutate(self, aggregate: Any) -> Any:
            """Every decision moves the SKU's clock (see `decided_at`): on replay too, as it is kept in no body."""
            aggregate = super().mutate(aggregate)
            decision = getattr(self, "decision", None)
            if isinstance(decision, DecisionInfo) and (
                aggregate.clock is None or decision.as_of > aggregate.clock
            ):
                aggregate.clock = decision.as_of
            return aggregate

    @staticmethod
    def create_id(sku: str) -> UUID:
        return stock_id(sku)

    class Registered(Aggregate.Created, Event):
        sku: str
        policy: str
        eta_policy: str | None  # None in events stored before it was kept: eta-v1

    @event(Registered)
    def __init__(self, sku: str, policy: str, eta_policy: str | None = None) -> None:
        self.sku = sku
        self.policy = policy
        self.eta_policy = eta_policy or ETA_POLICY
        self.on_hand: dict[str, int] = {}
        self.reservations = Reservations()
        self.queue = Queue()
        self.inbound: dict[str, InboundLine] = {}  # by inbound_key(supplier, PO)
        self.sources: dict[str, Source] = {}
        self.substitutes: list[str] = []
        self.substitute_for: tuple[str, ...] = ()
        self.reorder_point = 0
        self.safety_stock = 0
        self.suggested = 0  # replenishment suggested and not yet ordered
        self.suggested_from: dict[str, int] = {}  # ... by supplier id (sums to `suggested`)
        self.failover_from: dict[str, int] = {}  # failover purchases suggested and not yet ordered, by source
        self.order_up_to: int | None = None
        self.unit_volume: Decimal | None = None
        self.watchers: list[Watcher] = []
        self.reserve: dict[str, int] = {}
        self.quota: Quota | None = None
        self.quota_use = QuotaUse()
        self.redistribute_within_hours = 0
        self.replenish_configured: str | None = None

    # ----------------------------------------------------------------- reads
    @property
    def total_on_hand(self) -> int:
        return sum(self.on_hand.values())

    @property
    def allocated(self) -> int:
        return self.reservations.allocated

    @property
    def available(self) -> int:
        """Available to promise: on hand and not allocated."""
        return self.total_on_hand - self.allocated

    @property
    def waiting(self) -> int:
        return self.queue.waiting

    @property
    def inbound_total(self) -> int:
        return sum(line.quantity for line in self.inbound.values())

    def position_of(self, order_id: str, line_id: str) -> int | None:
        return self.queue.position_of(order_id, line_id)

    def queued(self, order_id: str, line_id: str) -> QueueEntry | None:
        position = self.position_of(order_id, line_id)
        return None if position is None else self.queue[position - 1]

    def reserved_for(self, order_id: str, line_id: str) -> int:
        return self.reservations.for_line(order_id, line_id)

    def units_ahead_of(self, index: int) -> int:
        return self.queue.units_before(index)

    def rules(self, at: datetime) -> Rules:
        """What a rationing policy sees at `at`: the reserve (as it applies then), the quota and its
        use in `at`'s period."""
        used = self.quota_use.in_period(period_of(self.quota.period, at)) if self.quota else {}
        reserve: dict[str, int] = self.reserve
        if self.reserve and getattr(get_policy(self.policy), "scales", False):
            reserve = scaled(self.reserve, *self.supply_timing(at))
        return Rules(at=at, reserve=reserve, quota=self.quota, used=used)

    def plan_etas(self, start: int, at: datetime, policy: str | None = None) -> EtaPlan:
        """The ETA policy's walk of the queue from `start` at decision time `at` (replay asks it
        of the state before a recorded walk, naming the policy the walk was made with)."""
        policy = policy or self.eta_policy
        inbound, sources = list(self.inbound.values()), list(self.sources.values())
        ahead = self.queue.units_before(start)
        planner = eta_planner(policy)
        if policy in RATIONED_ETAS:
            return planner(self.queue, ahead, start, inbound, sources, at.date(), self.rationing(at))
        return planner(self.queue, ahead, start, inbound, sources, at.date())

    def rationing(self, at: datetime) -> Rationing:
        """What this SKU's rules hold from its waiting lines at `at`, as eta-v4 promises with them:
        each tier waits for the units its reserve keeps back beyond those free now; a line its
        quota's use this period does not leave room for waits for the next period."""
        policy = get_policy(self.policy)
        kept_back: dict[str, int] = {}
        if isinstance(policy, TierReservePolicy):
            kept_back = {
                t: units - self.available for t, units in self.reserve.items() if units > self.available
            }
        waits = None
        if isinstance(policy, QuotaPolicy) and self.quota is not None:
            waits = OverQuota(self.quota, self.rules(at).used, next_period_start(self.quota.period, at))
        return Rationing(kept_back=kept_back, waits=waits)

    def supply_timing(self, at: datetime) -> tuple[int | None, int | None]:
        """(days until the next open supply is expected, the best source's lead time), each as
        eta-v1 counts it: a date plus the supplier's observed lateness; None where there is none."""
        arrivals = [line.expected + timedelta(days=line.lateness_days) for line in self.inbound.values()]
        supply_in = (min(arrivals) - at.date()).days if arrivals else None
        best = next(iter(preferred(self.sources.values())), None)
        lead = best.lead_time_days + best.lateness_days if best else None
        return supply_in, lead

    def may_allocate(self, request: LineRequest, cause: Cause) -> int:
        """Units a request would be allocated now (a substitute is accepted only if all of it)."""
        policy = get_policy(self.policy)
        rules = self.rules(self._at(cause))
        return policy.plan_request(self.available, self.queue, self.waiting, request, rules).allocate

    def takes_for(
        self, order_id: str, line_id: str, at: datetime, position: int | None = None
    ) -> tuple[int, list[Fill]]:
        """What redistribution takes for a waiting line decided at `at` (replay asks it of an earlier
        state): the units it waits for (what its quota still allows, under quota-v1), and the takes.
        `position`: where the line is thought to wait (the request that queued it knows; checked)."""
        if not self.redistribute_within_hours:
            return 0, []
        entry = self.queue[position - 1] if position and position <= len(self.queue) else None
        if entry is None or entry.key != (order_id, line_id):
            entry = self.queued(order_id, line_id)
        if entry is None:
            return 0, []
        needed = entry.quantity
        policy = get_policy(self.policy)
        if policy.rations:  # a quota still bounds what the line may hold this period
            rules = self.rules(at)
            needed = min(needed, policy.cap(entry, needed, rules.used, rules))
        return needed, plan_takes(self.reservations, entry.tier, needed, at, self.redistribute_within_hours)

    def inbound_from(self, po_id: str) -> list[InboundLine]:
        """Open lines of this SKU on purchase orders with that id, whoever the supplier."""
        return [line for line in self.inbound.values() if line.po_id == po_id]

    # -------------------------------------------------------------- commands
    def configure(
        self,
        reorder_point: int,
        safety_stock: int,
        policy: str | None,
        cause: Cause,
        reason: str | None = None,
        unit_volume: Decimal | None = None,
        order_up_to: int | None = None,
        eta_policy: str | None = None,
        reserve: dict[str, int] | None = None,
        quota: Quota | None = None,
        redistribute_within_hours: int | None = None,
        replenish_policy: str | None = None,
    ) -> StockEffects:
        """New settings; `reason`: why, when the message said (SkuConfigured version 2);
        `unit_volume`: one unit's volume, None leaving it as it was; `order_up_to` (version 3):
        the level replenish-v2 buys up to, 0 for none, None leaving it as it was; `eta_policy`
        (version 3): the ETA policy it promises with from now on, None leaving it as it was.
        Version 4's `reserve`, `quota` and `redistribute_within_hours`: None leaves each as it was.
        Version 5's `replenish_policy`: the replenishment rule from now on, None leaving it as it was.
        Units a rationing policy held back go to the lines the new settings let take them."""
        policy = policy or self.policy
        get_policy(policy)
        if eta_policy is not None:
            eta_planner(eta_policy)
        if replenish_policy is not None and replenish_policy not in REPLENISH_POLICIES:
            raise UnknownPolicy(
                f"unknown replenishment policy {replenish_policy!r}; known: {', '.join(REPLENISH_POLICIES)}",
                field="replenish_policy",
            )
        self._configured(
            reorder_point=reorder_point,
            safety_stock=safety_stock,
            policy=policy,
            reason=reason,
            unit_volume=unit_volume,
            order_up_to=order_up_to,
            eta_policy=None if eta_policy == self.eta_policy else eta_policy,
            reserve=None if reserve == self.reserve else reserve,
            quota=None if quota == self.quota else quota,
            redistribute_within_hours=(
                None
                if redistribute_within_hours == self.redistribute_within_hours
                else redistribute_within_hours
            ),
            replenish_policy=None if replenish_policy == self.replenish_configured else replenish_policy,
        )
        settled = self._settle(cause, changed=True)
        return settled if settled.filled else self._refresh(cause, start=0)

    def set_source(self, source: Source, cause: Cause) -> StockEffects:
        before = self.sources.get(source.supplier_id)
        if before == source:
            return StockEffects(self.sku)
        self._source_set(source=source)
        if self._unchanged_for_v1(before, source):
            return StockEffects(self.sku)
        return self._refresh(cause, start=0)

    def _unchanged_for_v1(self, before: Source | InboundLine | None, after: Source | InboundLine) -> bool:
        """Only eta-v2's inputs changed (a supplier's history) and this SKU promises with eta-v1.

        Kept, so a later move to another version finds them, but promises are not made again:
        an eta-v1 SKU makes exactly the promises it made before eta-v2 existed.
        """
        if self.eta_policy != ETA_POLICY or before is None:
            return False
        if isinstance(after, Source):
            return before == after.model_copy(
                update={"purchase_history": getattr(before, "purchase_history", None)}
            )
        return before == after.model_copy(
            update={
                "history": getattr(before, "history", None),
                "promised": getattr(before, "promised", None),
            }
        )

    def remove_source(self, supplier_id: str, cause: Cause) -> StockEffects:
        """The supplier no longer sells this SKU: stop promising and suggesting from it."""
        if supplier_id not in self.sources:
            return StockEffects(self.sku)
        self._source_removed(supplier_id=supplier_id)
        return self._refresh(cause, start=0)

    def declare_substitutes(self, substitutes: list[str]) -> None:
        self._substitutes_declared(substitutes=[s for s in substitutes if s != self.sku])

    def name_as_substitute(self, for_sku: str, named: bool) -> None:
        """Keep the reverse of `substitutes`: which SKUs this one stands in for."""
        now = set(self.substitute_for)
        after = now | {for_sku} if named else now - {for_sku}
        if after != now:
            self._substitute_for_set(skus=sorted(after))

    def request(self, request: LineRequest, cause: Cause) -> StockEffects:
        """Allocate what is free to a new line; queue the rest in policy order.

        Decided no earlier than the line was placed (an order system's clock may run a
        few minutes ahead of its messages'), so no wait measured from placed_at is negative.
        """
        if request.placed_at > cause.at:
            cause = Cause(
                message_id=cause.message_id, at=request.placed_at, late_by_seconds=cause.late_by_seconds
            )
        free, clock = self.available, self.clock  # what the waiting lines were last promised with
        effects = self._settle(cause)
        policy = get_policy(self.policy)
        rules = self.rules(self._at(cause)) if policy.rations else NO_RULES
        plan = policy.plan_request(self.available, self.queue, self.waiting, request, rules)
        reason = request_reason(plan, self.available)
        extra: dict[str, Any] = {}
        if policy.rations:
            if plan.allocate < min(self.available, request.quantity):
                reason = f"{policy.held_note(request, self.available, plan.allocate, rules)}; {reason}"
            elif plan.allocate > policy.cap(request, self.available, rules.used, rules):
                reason = f"{policy.beyond_note(request, plan.allocate, rules)}; {reason}"
            extra = self._rules_inputs(rules, request)
        info = self._decision(
            cause,
            reason,
            available=self.available,
            queue_length=len(self.queue),
            units_waiting=self.waiting,
            position=plan.position,
            units_ahead=plan.units_ahead,
            **extra,
        )
        pushed_back, moved_back = self._pushed_back_by(request, plan)
        self._line_requested(
            request=request,
            plan=plan,
            since=info.as_of.date(),
            decision=info,
            pushed_back=pushed_back,
            moved_back=moved_back,
        )
        ref = DecisionRef.of(self.sku, self.version, info)
        if plan.allocate:
            fill = Fill(order_id=request.order_id, line_id=request.line_id, quantity=plan.allocate)
            effects.allocated.append((fill, ref))
        if plan.backorder:
            backorder = Backorder(request.order_id, request.line_id, plan.backorder, plan.position or 0)
            effects.backordered.append((backorder, ref))
            start = (plan.position or 1) - 1
            if self.redistribute_within_hours and request.substitute_for is None:
                taken = self._redistribute(request, plan.position, cause)
                if taken.revoked:  # promises move from the first line that moved: it or a loser
                    effects.extend(taken)
                    places = [self.position_of(fill.order_id, fill.line_id) for fill, _ in taken.revoked]
                    start = min([start, *((place or 1) - 1 for place in places)])
            ahead_kept = self.available == free and clock is not None and clock.date() == info.as_of.date()
            effects.extend(self._refresh(cause, start=start, ahead_kept=ahead_kept))
        elif self.queue and self.eta_policy in RATIONED_ETAS:  # it took units the waiting lines'
            effects.extend(self._refresh(cause, start=0))  # promises counted on (a reserve's)
        else:
            self._suggest_replenishment(cause)
        return effects

    def receive(
        self, warehouse: str, quantity: int, po: tuple[str, str] | None, cause: Cause
    ) -> StockEffects:
        """Book units in; `po` is (supplier id, PO id) when they came on a purchase order."""
        po_key = inbound_key(*po) if po else None
        self._received(warehouse=warehouse, quantity=quantity, po_key=po_key, at=self._at(cause))
        return self._offer_to_queue(cause)

    def adjust(self, warehouse: str, counted: int, reason: str, cause: Cause) -> StockEffects:
        previous = self.on_hand.get(warehouse, 0)
        if counted == previous:
            return StockEffects(self.sku)
        self._adjusted(warehouse=warehouse, counted=counted, previous=previous, reason=reason)
        shortfall = self.allocated - self.total_on_hand
        if shortfall > 0:
            return self._revoke(shortfall, cause)
        return self._offer_to_queue(cause)

    def ship(self, order_id: str, line_id: str, quantity: int, warehouse: str, at: datetime) -> None:
        if self.reserved_for(order_id, line_id) < quantity:
            raise NotAllocated(
                f"line {order_id}/{line_id} has {self.reserved_for(order_id, line_id)} "
                f"unit(s) of {self.sku} allocated, cannot ship {quantity}"
            )
        if self.on_hand.get(warehouse, 0) < quantity:
            raise InsufficientStock(
                f"warehouse {warehouse!r} holds {self.on_hand.get(warehouse, 0)} unit(s) "
                f"of {self.sku}, cannot ship {quantity}",
                field="warehouse",
            )
        self._shipped(order_id=order_id, line_id=line_id, quantity=quantity, warehouse=warehouse, at=at)

    def release(self, order_id: str, line_id: str, reason: str, cause: Cause) -> StockEffects:
        """Give back a line's allocated units and take it out of the queue."""
        effects = StockEffects(self.sku)
        reserved = self.reserved_for(order_id, line_id)
        if reserved:
            self._released(
                order_id=order_id, line_id=line_id, quantity=reserved, reason=reason, at=self._at(cause)
            )
        effects.extend(self.withdraw(order_id, line_id, reason, cause))
        if reserved:
            effects.extend(self._offer_to_queue(cause))
        return effects

    def withdraw(self, order_id: str, line_id: str, reason: str, cause: Cause) -> StockEffects:
        """Take a line out of the queue (its place is not kept)."""
        position = self.position_of(order_id, line_id)
        if position is None:
            return StockEffects(self.sku)
        quantity = self.queue[position - 1].quantity
        self._withdrawn(order_id=order_id, line_id=line_id, quantity=quantity, reason=reason)
        return self._refresh(cause, start=position - 1)

    def release_ahead(
        self, order_id: str, line_id: str, reason: str, by: str | None, cause: Cause
    ) -> StockEffects:
        """An operator moves a waiting line to the front of the lines not released, for a reason.

        Lines released before stay ahead of it (released order is order of release); the
        lines it passes move back one place each, and their promises are made again.
        """
        effects = self._settle(cause)
        entry = self.queued(order_id, line_id)
        if entry is None:
            raise LineNotWaiting(
                f"line {order_id}/{line_id} does not wait for {self.sku}: nothing to release"
            )
        if entry.released is not None:
            raise AlreadyReleasedAhead(f"line {order_id}/{line_id} was already released ahead on {self.sku}")
        plan = get_policy(self.policy).plan_release(self.queue, order_id, line_id)
        info = self._release_decision(plan, reason, by, cause, ahead=True)
        passed = self.queue[plan.position_after - 1 : plan.position_before - 1]
        self._released_ahead(
            order_id=order_id,
            line_id=line_id,
            reason=reason,
            by=by,
            plan=plan,
            pushed_back=_places(passed[:PUSHED_NAMED], plan.position_after + 1),
            moved_back=len(passed),
            decision=info,
        )
        effects.extend(self._refresh(cause, start=plan.position_after - 1))
        return effects

    def withdraw_release(
        self, order_id: str, line_id: str, reason: str, by: str | None, cause: Cause
    ) -> StockEffects:
        """Undo a release: the line goes back to the place the policy gives it; those it passes move up."""
        effects = self._settle(cause)
        entry = self.queued(order_id, line_id)
        if entry is None or entry.released is None:
            raise NotReleasedAhead(
                f"line {order_id}/{line_id} is not released ahead on {self.sku}"
                + ("" if entry is not None else " (it does not wait)")
                + ": there is no release to withdraw"
            )
        plan = get_policy(self.policy).plan_withdraw_release(self.queue, order_id, line_id)
        info = self._release_decision(plan, reason, by, cause, ahead=False)
        passed = self.queue[plan.position_before : plan.position_after]
        self._release_withdrawn(
            order_id=order_id,
            line_id=line_id,
            reason=reason,
            by=by,
            plan=plan,
            moved_forward=_places(passed[:PUSHED_NAMED], plan.position_before),
            moved=len(passed),
            decision=info,
        )
        effects.extend(self._refresh(cause, start=plan.position_before - 1))
        return effects

    def _release_decision(
        self, plan: ReleasePlan, reason: str, by: str | None, cause: Cause, ahead: bool
    ) -> DecisionInfo:
        return self._decision(
            cause,
            release_reason(plan, reason, by, ahead),
            queue_length=len(self.queue),
            units_waiting=self.waiting,
            released_ahead=sum(1 for entry in self.queue if entry.released is not None),
            position=plan.position_before,
            by=by,
        )

    def schedule_inbound(self, line: InboundLine, cause: Cause) -> StockEffects:
        before = self.inbound.get(line.key)
        if before == line:
            return StockEffects(self.sku)
        added = max(0, line.quantity - (before.quantity if before else 0))
        failover_from, rest = take_from(self.failover_from, line.supplier_id, added)
        suggested_from = consumed(
            self.suggested_from, line.supplier_id, rest, max(0, self.suggested - rest), self._preference()
        )
        self._inbound_scheduled(line=line, suggested_from=suggested_from, failover_from=failover_from)
        if self._unchanged_for_v1(before, line):
            return StockEffects(self.sku)
        return self._refresh(cause, start=0)

    def cancel_inbound(self, supplier_id: str, po_id: str, cause: Cause) -> StockEffects:
        key = inbound_key(supplier_id, po_id)
        if key not in self.inbound:
            return StockEffects(self.sku)
        self._inbound_cancelled(po_key=key)
        return self._refresh(cause, start=0)

    def watch(self, customer_id: str, contact: Contact, cause: Cause) -> None:
        if any(w.customer_id == customer_id for w in self.watchers):
            return
        self._watch_requested(watcher=Watcher(customer_id=customer_id, contact=contact))
        self._announce_if_available(cause)

    # ------------------------------------------------------- decision steps
    def _at(self, cause: Cause) -> datetime:
        return decided_at(self.clock, cause)

    def _decision(self, cause: Cause, reason: str, policy: str | None = None, **inputs: Any) -> DecisionInfo:
        return decision_info(self.sku, policy or self.policy, self.clock, cause, reason, inputs)

    def _pushed_back_by(self, request: LineRequest, plan: RequestPlan) -> tuple[list[LinePlace], int]:
        """The waiting lines a line joining ahead of them moves back one place: the nearest, named
        with their new places, and how many moved in all.

        Customers were told their place: a higher tier overtaking them is news to them,
        and the join is what explains it in their order's history. Only the PUSHED_NAMED
        lines right behind it are named, so a join at the head of a queue of 100,000
        stores a bounded event; a place that far back moving by one is nobody's news.
        """
        if not plan.backorder or plan.position is None:
            return [], 0
        return self.queue.moved_back_by(plan.position, (request.order_id, request.line_id), PUSHED_NAMED)

    def _offer_to_queue(self, cause: Cause) -> StockEffects:
        """New units go to waiting lines first, in policy order."""
        effects = self._fill(cause)
        if not effects.filled and self.queue and self.eta_policy == ETA_POLICY_V5:
            # Units the rules still hold back from the waiting lines change what is kept back ahead
            # of them: eta-v5 promises again now, as its next walk may start behind them (eta-v4
            # left that to its next walk, which always takes the whole queue).
            effects.extend(self._refresh(cause, start=0))
        elif not effects.filled and self.replenish_policy != REPLENISH_V1:
            # Units back on the shelf move the position too (eta-v1 looked only when lines waited).
            self._suggest_replenishment(cause)
        self._announce_if_available(cause)
        return effects

    def _fill(self, cause: Cause) -> StockEffects:
        """Free units to the waiting lines the policy lets take them: one decision, if any."""
        effects = StockEffects(self.sku)
        policy = get_policy(self.policy)
        rules = self.rules(self._at(cause)) if policy.rations else NO_RULES
        fills = policy.plan_fill(self.available, self.queue, rules)
        if not fills:
            return effects
        reason = fill_reason(self.available, len(self.queue), fills, self.policy)
        extra: dict[str, Any] = {}
        if policy.rations:
            free_left = self.available - sum(f.quantity for f in fills)
            served = {(f.order_id, f.line_id): f.quantity for f in fills}
            held = [e for e in self.queue if served.get(e.key, 0) < e.quantity]
            if held and free_left > 0:
                reason += f"; {len(held)} line(s) held back, first: " + policy.held_note(
                    held[0], free_left, 0, rules
                )
            extra = self._rules_inputs(rules, None)
        info = self._decision(
            cause,
            reason,
            available=self.available,
            queue_length=len(self.queue),
            units_waiting=self.waiting,
            filled=[[f.order_id, f.line_id, f.quantity] for f in fills],
            **extra,
        )
        self._queue_filled(fills=fills, decision=info)
        ref = DecisionRef.of(self.sku, self.version, info)
        effects.filled.extend((fill, ref) for fill in fills)
        effects.extend(self._refresh(cause, start=0))
        return effects

    def _settle(self, cause: Cause, changed: bool = False) -> StockEffects:
        """Before a decision on a rationing SKU (or after its settings `changed`): free units go to
        the lines that may now take them (a new quota period, a lower reserve, another policy).

        A queue under fifo-v1 or priority-fifo-v1 never waits while units are free, so
        for them this records nothing: they decide exactly as before. The queue is settled
        after every decision, so under a quota only a new period can make a line eligible
        without units arriving (which are offered anyway): the walk of a long queue of
        lines over their quota is skipped within the period the SKU last decided in.
        """
        if not self.queue or self.available <= 0:
            return StockEffects(self.sku)
        if not changed and self.quota is not None and self.clock is not None and self.policy == QUOTA_V1.name:
            if period_of(self.quota.period, self._at(cause)) == period_of(self.quota.period, self.clock):
                return StockEffects(self.sku)
        return self._fill(cause)

    def _rules_inputs(self, rules: Rules, line: LineRequest | None) -> dict[str, Any]:
        """What a rationing decision saw of the SKU's settings, for its record."""
        assert rules.at is not None  # the Stock's rules always say when
        inputs: dict[str, Any] = quota_inputs(self.quota, rules.at, rules.used, line)
        if self.reserve:
            inputs["reserve"] = dict(self.reserve)
            if rules.reserve != self.reserve:  # tier-reserve-v2: what applied, and why
                supply_in, lead = self.supply_timing(rules.at)
                inputs |= {"reserve_now": dict(rules.reserve), "supply_in_days": supply_in, "lead_days": lead}
        return inputs

    def _redistribute(self, request: LineRequest, position: int | None, cause: Cause) -> StockEffects:
        """A line that would wait takes recent lower-tier allocations (domain/redistribution.py):
        one decision takes them back (the lines wait again at their policy place), a second
        gives them to the line."""
        effects = StockEffects(self.sku)
        hours = self.redistribute_within_hours
        needed, takes = self.takes_for(request.order_id, request.line_id, self._at(cause), position)
        if not takes:
            return effects
        common = {
            "for": [request.order_id, request.line_id],
            "tier": request.tier.value,
            "within_hours": hours,
        }
        info = self._decision(
            cause,
            takes_reason(takes, request.order_id, request.line_id, request.tier, hours),
            policy=REDISTRIBUTE_V1,
            needed=needed,
            taken=[[t.order_id, t.line_id, t.quantity] for t in takes],
            **common,
        )
        self._allocations_revoked(revoked=takes, since=info.as_of.date(), decision=info)
        ref = DecisionRef.of(self.sku, self.version, info)
        effects.revoked.extend((take, ref) for take in takes)
        units = sum(take.quantity for take in takes)
        fill = Fill(order_id=request.order_id, line_id=request.line_id, quantity=units)
        info = self._decision(
            cause,
            f"{units} unit(s) taken from lower tiers given to {request.tier.value} line "
            f"{request.order_id}/{request.line_id}",
            policy=REDISTRIBUTE_V1,
            available=self.available,
            taken_units=units,
            filled=[[fill.order_id, fill.line_id, fill.quantity]],
            **common,
        )
        self._queue_filled(fills=[fill], decision=info)
        effects.filled.append((fill, DecisionRef.of(self.sku, self.version, info)))
        return effects

    def _revoke(self, shortfall: int, cause: Cause) -> StockEffects:
        revoked = get_policy(self.policy).plan_revoke(shortfall, self.reservations)
        info = self._decision(
            cause,
            revoke_reason(self.total_on_hand, self.allocated, shortfall, self.policy),
            on_hand=self.total_on_hand,
            allocated=self.allocated,
            shortfall=shortfall,
        )
        self._allocations_revoked(revoked=revoked, since=info.as_of.date(), decision=info)
        effects = StockEffects(self.sku)
        ref = DecisionRef.of(self.sku, self.version, info)
        effects.revoked.extend((fill, ref) for fill in revoked)
        effects.extend(self._refresh(cause, start=0))
        return effects

    def _refresh(self, cause: Cause, start: int, ahead_kept: bool = False) -> StockEffects:
        """Recompute promises from `start`, then check whether to buy more.

        `ahead_kept`: the decision changed nothing the lines ahead of `start` were promised with
        (eta-v5 walks from `start` only then: domain/eta.py).

        A rationing SKU first serves the lines its rules now let take free units (`_settle`):
        any decision may be the first of a new quota period.

        Promises only move when something happens to the SKU; if the head of
        the queue holds a date already past, the whole queue is re-promised
        so no waiting line keeps a date that cannot come true.
        """
        settled = self._settle(cause)
        if settled.filled:  # it refreshed the promises from the head of the queue
            return settled
        effects = StockEffects(self.sku)
        today = self._at(cause).date()
        if start and self.queue[0].eta is not None and self.queue[0].eta < today:
            start = 0
        start = walk_start(self.eta_policy, start, ahead_kept)
        units_ahead = self.queue.units_before(start)
        inbound = list(self.inbound.values())
        plan = self.plan_etas(start, self._at(cause))
        if plan.changes or plan.expired:
            info = self._decision(
                cause,
                eta_reason(plan),
                policy=self.eta_policy,
                start=start,
                units_ahead=units_ahead,
                inbound=self._inbound_inputs(inbound),
                today=today.isoformat(),
            )
            self._etas_revised(start=start, plan=plan, decision=info)
            ref = DecisionRef.of(self.sku, self.version, info)
            effects.etas.extend((change, ref) for change in plan.changes)
            effects.expired.extend((expiry, ref) for expiry in plan.expired)
        if self.eta_policy in FAILOVER_ETAS or self.failover_from:
            self._suggest_failover(cause, plan.failover)
        self._suggest_replenishment(cause)
        return effects

    def _suggest_failover(self, cause: Cause, moved: list[Failover]) -> None:
        """Suggest buying from the backup what the lines moved to it wait for (domain/failover.py)."""
        waiting = moved_lines(self.queue)  # suggestions change no line: grouped once
        for supplier_id, worth in reductions(waiting, self.failover_from, self.sources):
            self._failover_reduced(supplier_id=supplier_id, outstanding=worth)
        while (step := next_failover(waiting, self.failover_from, self.sources)) is not None:
            info = self._decision(
                cause,
                failover_reason(step, moved),
                policy=self.eta_policy,
                moved_units=step.units,
                moved_lines=step.line_count,
                already_suggested=self.failover_from.get(step.supplier_id, 0),
            )
            self._failover_suggested(
                supplier_id=step.supplier_id,
                quantity=step.quantity,
                lines=step.lines,
                line_count=step.line_count,
                decision=info,
            )

    def _inbound_inputs(self, inbound: list[InboundLine]) -> list[list[Any]]:
        """What the promises saw of each open PO line: eta-v1 its arrival; eta-v2 its dates and history size."""
        if self.eta_policy == ETA_POLICY:
            return [[i.po_id, i.quantity, i.arrival.isoformat()] for i in sorted(inbound, key=supply_order)]
        return [
            [
                i.po_id,
                i.supplier_id,
                i.quantity,
                (i.promised or i.expected).isoformat(),
                i.expected.isoformat(),
                i.history.observations if i.history else 0,
            ]
            for i in sorted(inbound, key=lambda i: (i.expected, i.supplier_id, i.po_id))
        ]

    @property
    def replenish_policy(self) -> str:
        """The rule configured (SkuConfigured version 5), else the one the SKU's settings imply."""
        if self.replenish_configured is not None:
            return self.replenish_configured
        return REPLENISH_V2 if uses_v2(self.order_up_to, self.sources.values()) else REPLENISH_V1

    def next_suggestion(self, policy: str, today: date) -> Suggestion | None:
        """What `policy` would suggest buying next, on this state (replay asks it of an earlier one)."""
        if policy != REPLENISH_V1:
            return self._replenish_rule(policy, today).next_suggestion()
        position = self._supply_position()
        to_buy = position.to_buy(list(self.sources.values()))
        if to_buy is None:
            return None
        source, quantity = to_buy
        return Suggestion(source.supplier_id, quantity, position.reason, position.inputs)

    def _supply_position(self) -> SupplyPosition:
        return SupplyPosition(
            available=self.available,
            inbound=self.inbound_total,
            waiting=self.waiting,
            reorder_point=self.reorder_point,
            safety_stock=self.safety_stock,
            suggested=self.suggested,
        )

    def _order_up_to(self, today: date) -> OrderUpTo:
        return OrderUpTo(
            available=self.available,
            inbound=tuple(self.inbound.values()),
            waiting=self.waiting,
            reorder_point=self.reorder_point,
            safety_stock=self.safety_stock,
            order_up_to=self.order_up_to,
            suggested=self.suggested,
            suggested_from=self.suggested_from,
            sources=tuple(self.sources.values()),
            today=today,
        )

    def _replenish_rule(self, policy: str, today: date) -> OrderUpTo | ExpediteFirst:
        """replenish-v2's view of the SKU, or replenish-v3's (v2's with the expedite step first)."""
        if policy == REPLENISH_V3:
            return ExpediteFirst(self._order_up_to(today), failover_from=self.failover_from)
        return self._order_up_to(today)

    def _suggest_replenishment(self, cause: Cause) -> None:
        """Suggest what the SKU's replenishment rule says to buy, one event per supplier asked;
        when nothing more is needed, an outstanding suggestion larger than the rule wants is reduced."""
        policy = self.replenish_policy
        today = self._at(cause).date()
        asked = 0
        while asked <= len(self.sources):  # one supplier a step; the last may be asked past capacity
            step = self.next_suggestion(policy, today)
            if step is None:
                break
            info = self._decision(cause, step.reason, policy=policy, **step.inputs)
            self._replenishment_suggested(supplier_id=step.supplier_id, quantity=step.quantity, decision=info)
            asked += 1
            if policy == REPLENISH_V1:
                break
        if asked or not self.suggested:
            return
        if policy == REPLENISH_V1:
            wanted = self._supply_position().need
            if wanted < self.suggested:
                kept = trimmed(self.suggested_from, wanted, self._preference())
                self._suggestion_reduced(outstanding=wanted, suggested_from=kept)
            return
        rule = self._replenish_rule(policy, today)
        if self.suggested <= rule.gap:  # still worth at least that much: nothing to reduce
            return
        wanted = rule.wanted()
        if wanted < self.suggested:
            self._suggestion_reduced(outstanding=wanted, suggested_from=rule.kept(wanted))

    def _announce_if_available(self, cause: Cause) -> None:
        if self.watchers and self.available > 0:
            self._back_in_stock(watchers=list(self.watchers), available=self.available, at=self._at(cause))

    # ---------------------------------------------------------------- events
    class Configured(Event):
        reorder_point: int
        safety_stock: int
        policy: str
        reason: str | None  # None from SkuConfigured version 1, and in events stored before it was kept
        unit_volume: (
            Decimal | None
        )  # None: not told (left as it was), and in events stored before it was kept
        order_up_to: int | None  # None: not told (left as it was); 0: none. None in events before it
        eta_policy: str | None  # None: left as it was (and in events before it was kept)
        reserve: dict[str, int] | None  # version 4's: None left as it was (and in events before them)
        quota: Quota | None
        redistribute_within_hours: int | None
        replenish_policy: str | None  # version 5's: None left as it was (and in events before it)

    @event(Configured)
    def _configured(
        self,
        reorder_point: int,
        safety_stock: int,
        policy: str,
        reason: str | None = None,
        unit_volume: Decimal | None = None,
        order_up_to: int | None = None,
        eta_policy: str | None = None,
        reserve: dict[str, int] | None = None,
        quota: Quota | None = None,
        redistribute_within_hours: int | None = None,
        replenish_policy: str | None = None,
    ) -> None:
        if replenish_policy is not None:
            self.replenish_configured = replenish_policy
        if reserve is not None:
            self.reserve = dict(reserve)
        if quota is not None:
            self.quota = quota
        if redistribute_within_hours is not None:
            self.redistribute_within_hours = redistribute_within_hours
        if unit_volume is not None:
            self.unit_volume = unit_volume
        if order_up_to is not None:
            self.order_up_to = order_up_to or None
        if eta_policy is not None:
            self.eta_policy = eta_policy
        self.reorder_point = reorder_point
        self.safety_stock = safety_stock
        if policy != self.policy:
            self.policy = policy
            self.queue.resort(get_policy(policy).serving_key)

    class SourceSet(Event):
        source: Source

    @event(SourceSet)
    def _source_set(self, source: Source) -> None:
        self.sources[source.supplier_id] = source

    class SourceRemoved(Event):
        supplier_id: str

    @event(SourceRemoved)
    def _source_removed(self, supplier_id: str) -> None:
        del self.sources[supplier_id]

    class SubstitutesDeclared(Event):
        substitutes: list[str]

    @event(SubstitutesDeclared)
    def _substitutes_declared(self, substitutes: list[str]) -> None:
        self.substitutes = list(substitutes)

    class SubstituteForSet(Event):
        skus: list[str]

    @event(SubstituteForSet)
    def _substitute_for_set(self, skus: list[str]) -> None:
        self.substitute_for = tuple(skus)

    class LineRequested(Event):
        request: LineRequest
        plan: RequestPlan
        since: date
        decision: DecisionInfo
        pushed_back: list[LinePlace] | None  # None in events stored before it was kept
        moved_back: int

    @event(LineRequested)
    def _line_requested(
        self,
        request: LineRequest,
        plan: RequestPlan,
        since: date,
        decision: DecisionInfo,
        pushed_back: list[LinePlace] | None = None,
        moved_back: int = 0,
    ) -> None:
        if plan.allocate:
            self.reservations.hold(request.order_id, request.line_id, plan.allocate, request, decision.as_of)
            self._count_quota(request, plan.allocate, decision.as_of)
        if plan.backorder:
            entry = entry_for(request, request.order_id, request.line_id, plan.backorder, since)
            self.queue.join_at((plan.position or 1) - 1, entry)

    class QueueFilled(Event):
        fills: list[Fill]
        decision: DecisionInfo

    @event(QueueFilled)
    def _queue_filled(self, fills: list[Fill], decision: DecisionInfo) -> None:
        for fill in fills:
            served = self.queue.serve(fill.order_id, fill.line_id, fill.quantity)
            self.reservations.hold(fill.order_id, fill.line_id, fill.quantity, served, decision.as_of)
            self._count_quota(served, fill.quantity, decision.as_of)

    def _count_quota(self, line: LineRequest | QueueEntry, units: int, at: datetime) -> None:
        """Units allocated (or, negative, taken back) count against the line's quota of `at`'s period."""
        if self.quota is not None:
            label = period_of(self.quota.period, at)
            self.quota_use = self.quota_use.plus(label, quota_key(self.quota, line), units)

    class AllocationsRevoked(Event):
        revoked: list[Fill]
        since: date
        decision: DecisionInfo

    @event(AllocationsRevoked)
    def _allocations_revoked(self, revoked: list[Fill], since: date, decision: DecisionInfo) -> None:
        for fill in revoked:
            reservation = self.reservations.release(fill.order_id, fill.line_id, fill.quantity)
            entry = entry_for(reservation, fill.order_id, fill.line_id, fill.quantity, since)
            if self.quota is not None and reservation.allocated_at is not None:
                label = period_of(self.quota.period, decision.as_of)
                if period_of(self.quota.period, reservation.allocated_at) == label:  # given back this period
                    self._count_quota(entry, -fill.quantity, decision.as_of)
            if reservation.substitute_for is None:  # substitutes are asked of the line's own SKU
                self.queue.join_in_order(entry, get_policy(self.policy).serving_key)

    class EtasRevised(Event):
        start: int
        plan: EtaPlan
        decision: DecisionInfo

    @event(EtasRevised)
    def _etas_revised(self, start: int, plan: EtaPlan, decision: DecisionInfo) -> None:
        self.queue.promise(start, plan)

    class LineReleasedAhead(Event):
        """A decision an operator took (`by`), for `reason`: the line is served before the rest."""

        order_id: str
        line_id: str
        reason: str
        by: str | None
        plan: ReleasePlan
        pushed_back: list[LinePlace]
        moved_back: int
        decision: DecisionInfo

    @event(LineReleasedAhead)
    def _released_ahead(
        self,
        order_id: str,
        line_id: str,
        reason: str,
        by: str | None,
        plan: ReleasePlan,
        pushed_back: list[LinePlace],
        moved_back: int,
        decision: DecisionInfo,
    ) -> None:
        self.queue.move(order_id, line_id, plan.position_after, plan.rank)

    class ReleaseWithdrawn(Event):
        """The release undone by an operator (`by`): the line is back at its policy place."""

        order_id: str
        line_id: str
        reason: str
        by: str | None
        plan: ReleasePlan
        moved_forward: list[LinePlace]
        moved: int
        decision: DecisionInfo

    @event(ReleaseWithdrawn)
    def _release_withdrawn(
        self,
        order_id: str,
        line_id: str,
        reason: str,
        by: str | None,
        plan: ReleasePlan,
        moved_forward: list[LinePlace],
        moved: int,
        decision: DecisionInfo,
    ) -> None:
        self.queue.move(order_id, line_id, plan.position_after, None)

    class Received(Event):
        warehouse: str
        quantity: int
        po_key: str | None
        at: datetime | None  # the SKU's decision time; None in events stored before it was kept

    @event(Received)
    def _received(
        self, warehouse: str, quantity: int, po_key: str | None, at: datetime | None = None
    ) -> None:
        self.on_hand[warehouse] = self.on_hand.get(warehouse, 0) + quantity
        line = self.inbound.get(po_key or "")
        if line is not None:
            remaining = line.quantity - quantity
            if remaining > 0:
                self.inbound[line.key] = line.model_copy(update={"quantity": remaining})
            else:
                del self.inbound[line.key]

    class Adjusted(Event):
        warehouse: str
        counted: int
        previous: int
        reason: str

    @event(Adjusted)
    def _adjusted(self, warehouse: str, counted: int, previous: int, reason: str) -> None:
        self.on_hand[warehouse] = counted

    class Shipped(Event):
        order_id: str
        line_id: str
        quantity: int
        warehouse: str
        at: datetime | None  # None in events stored before it was kept

    @event(Shipped)
    def _shipped(
        self, order_id: str, line_id: str, quantity: int, warehouse: str, at: datetime | None = None
    ) -> None:
        self.on_hand[warehouse] -= quantity
        self.reservations.release(order_id, line_id, quantity)

    class Released(Event):
        order_id: str
        line_id: str
        quantity: int
        reason: str
        at: datetime | None  # None in events stored before it was kept

    @event(Released)
    def _released(
        self, order_id: str, line_id: str, quantity: int, reason: str, at: datetime | None = None
    ) -> None:
        self.reservations.release(order_id, line_id, quantity)

    class Withdrawn(Event):
        order_id: str
        line_id: str
        quantity: int
        reason: str

    @event(Withdrawn)
    def _withdrawn(self, order_id: str, line_id: str, quantity: int, reason: str) -> None:
        self.queue.withdraw(order_id, line_id)

    class InboundScheduled(Event):
        line: InboundLine
        # What is still suggested after it, by supplier: replenishment and failover (a PO takes off
        # its supplier's failover share first). None in events stored before they were kept.
        suggested_from: dict[str, int] | None
        failover_from: dict[str, int] | None

    @event(InboundScheduled)
    def _inbound_scheduled(
        self,
        line: InboundLine,
        suggested_from: dict[str, int] | None = None,
        failover_from: dict[str, int] | None = None,
    ) -> None:
        previous = self.inbound.get(line.key)
        added = max(0, line.quantity - (previous.quantity if previous else 0))
        self.inbound[line.key] = line
        if failover_from is not None:
            added -= sum(self.failover_from.values()) - sum(failover_from.values())
            self.failover_from = failover_from
        self.suggested = max(0, self.suggested - added)
        if suggested_from is not None:
            self.suggested_from = suggested_from
        else:
            self.suggested_from = consumed(
                self.suggested_from, line.supplier_id, added, self.suggested, self._preference()
            )

    class InboundCancelled(Event):
        po_key: str

    @event(InboundCancelled)
    def _inbound_cancelled(self, po_key: str) -> None:
        del self.inbound[po_key]

    class ReplenishmentSuggested(Event):
        supplier_id: str
        quantity: int
        decision: DecisionInfo

    @event(ReplenishmentSuggested)
    def _replenishment_suggested(self, supplier_id: str, quantity: int, decision: DecisionInfo) -> None:
        self.suggested += quantity
        self.suggested_from = {
            **self.suggested_from,
            supplier_id: self.suggested_from.get(supplier_id, 0) + quantity,
        }

    class SuggestionReduced(Event):
        outstanding: int
        suggested_from: dict[str, int] | None  # what stays suggested, by supplier (None before it was kept)

    @event(SuggestionReduced)
    def _suggestion_reduced(self, outstanding: int, suggested_from: dict[str, int] | None = None) -> None:
        self.suggested = outstanding
        if suggested_from is None:
            suggested_from = trimmed(self.suggested_from, outstanding, self._preference())
        self.suggested_from = suggested_from

    class FailoverSuggested(Event):
        """Buy `quantity` from `supplier_id` for waiting lines eta-v3 moved to it (domain/failover.py)."""

        supplier_id: str
        quantity: int
        lines: list[SavedLine]
        line_count: int
        decision: DecisionInfo

    @event(FailoverSuggested)
    def _failover_suggested(
        self, supplier_id: str, quantity: int, lines: list[SavedLine], line_count: int, decision: DecisionInfo
    ) -> None:
        self.failover_from = {
            **self.failover_from,
            supplier_id: self.failover_from.get(supplier_id, 0) + quantity,
        }

    class FailoverReduced(Event):
        supplier_id: str
        outstanding: int

    @event(FailoverReduced)
    def _failover_reduced(self, supplier_id: str, outstanding: int) -> None:
        left = {**self.failover_from, supplier_id: outstanding}
        self.failover_from = {s: q for s, q in left.items() if q > 0}

    def _preference(self) -> list[str]:
        return [source.supplier_id for source in preferred(self.sources.values())]

    class BackInStockRequested(Event):
        watcher: Watcher

    @event(BackInStockRequested)
    def _watch_requested(self, watcher: Watcher) -> None:
        self.watchers.append(watcher)

    class BackInStockAnnounced(Event):
        watchers: list[Watcher]
        available: int
        at: datetime

    @event(BackInStockAnnounced)
    def _back_in_stock(self, watchers: list[Watcher], available: int, at: datetime) -> None:
        self.watchers = []


def _places(entries: Any, first: int) -> list[LinePlace]:
    """Lines with their new places, from `first` on (1-based)."""
    return [
        LinePlace(order_id=entry.order_id, line_id=entry.line_id, position=place)
        for place, entry in enumerate(entries, start=first)
    ]


@lru_cache(maxsize=65536)
def stock_id(sku: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:stock:{sku}")


__all__ = ["Stock", "StockState", "Watcher", "stock_id", "split_line_key"]
