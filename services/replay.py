"""Replaying decisions: rebuild what a decision saw, re-run its policy, compare.

For every decision event on a Stock (version n) the state it saw is the
Stock at version n-1, read back from the event store. The recorded policy
version - not the SKU's current one - is re-run on that state, and the
outcome compared with what was recorded, both on the Stock and on each
order line that mirrors it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from domain.allocation import NO_RULES, Fill, get_policy
from domain.failover import moved_lines, next_failover
from domain.redistribution import REDISTRIBUTE_V1
from domain.stock import Stock, stock_id
from domain.substitution import Candidate, choose_substitute

DECISION_EVENTS = (
    "LineRequested",
    "QueueFilled",
    "AllocationsRevoked",
    "EtasRevised",
    "LineReleasedAhead",
    "ReleaseWithdrawn",
    "ReplenishmentSuggested",
    "FailoverSuggested",
)
RELEASES = ("LineReleasedAhead", "ReleaseWithdrawn")


@dataclass(frozen=True)
class Verdict:
    subject: str  # "stock A v12" or "order o1 line 1"
    kind: str
    policy: str
    message_id: str
    inputs: dict[str, Any]
    recorded: Any
    recomputed: Any
    reason: str = ""

    @property
    def matches(self) -> bool:
        return self.recorded == self.recomputed


@dataclass
class Report:
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def diffs(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.matches]


def recompute(before: Stock | None, event: Any) -> tuple[Any, Any]:
    """(recorded, recomputed) outcome of one Stock decision event."""
    kind = type(event).__name__
    decision = event.decision
    if before is None:  # a decision is never a Stock's first event (Registered is)
        raise ValueError(f"{kind} v{event.originator_version} has no Stock before it")
    plan: Any
    if decision.policy == REDISTRIBUTE_V1:
        return _redistribution(before, event)
    if kind == "LineRequested":
        policy = get_policy(decision.policy)
        rules = before.rules(decision.as_of) if policy.rations else NO_RULES
        plan = policy.plan_request(before.available, before.queue, before.waiting, event.request, rules)
        return event.plan.model_dump(), plan.model_dump()
    if kind == "QueueFilled":
        policy = get_policy(decision.policy)
        rules = before.rules(decision.as_of) if policy.rations else NO_RULES
        fills = policy.plan_fill(before.available, before.queue, rules)
        return _dump(event.fills), _dump(fills)
    if kind == "AllocationsRevoked":
        shortfall = before.allocated - before.total_on_hand
        revoked = get_policy(decision.policy).plan_revoke(shortfall, before.reservations)
        return _dump(event.revoked), _dump(revoked)
    if kind == "EtasRevised":
        plan = before.plan_etas(event.start, decision.as_of, decision.policy)
        return event.plan.model_dump(), _as_recorded(event.plan.model_dump(), plan.model_dump())
    if kind in RELEASES:
        policy = get_policy(decision.policy)
        planner = policy.plan_release if kind == "LineReleasedAhead" else policy.plan_withdraw_release
        try:
            plan = planner(before.queue, event.order_id, event.line_id)
        except KeyError:  # the line does not wait in the state rebuilt: a DIFF, not a crash
            return event.plan.model_dump(), None
        return event.plan.model_dump(), plan.model_dump()
    if kind == "ReplenishmentSuggested":
        step = before.next_suggestion(decision.policy, decision.as_of.date())
        recomputed = None if step is None else {"supplier_id": step.supplier_id, "quantity": step.quantity}
        return {"supplier_id": event.supplier_id, "quantity": event.quantity}, recomputed
    if kind == "FailoverSuggested":
        failover = next_failover(moved_lines(before.queue), before.failover_from, before.sources)
        return _failover(event), None if failover is None else _failover(failover)
    raise ValueError(f"{kind} is not a decision event")


def _redistribution(before: Stock, event: Any) -> tuple[Any, Any]:
    """redistribute-v1's two decisions: the units taken from lower tiers (re-run on the state
    before them), and those units given to the line that would have waited."""
    order_id, line_id = event.decision.inputs["for"]
    if type(event).__name__ == "AllocationsRevoked":
        _, takes = before.takes_for(order_id, line_id, event.decision.as_of)
        return _dump(event.revoked), _dump(takes)
    entry = before.queued(order_id, line_id)
    units = (
        0 if entry is None else min(entry.quantity, before.available, event.decision.inputs["taken_units"])
    )
    given = [Fill(order_id=order_id, line_id=line_id, quantity=units)] if units else []
    return _dump(event.fills), _dump(given)


def _failover(step: Any) -> dict[str, Any]:
    lines = [[line.order_id, line.line_id, line.quantity] for line in step.lines]
    return {"supplier_id": step.supplier_id, "quantity": step.quantity, "lines": lines}


def _as_recorded(recorded: dict[str, Any], recomputed: dict[str, Any]) -> dict[str, Any]:
    """A change recorded before promises named their supplier and confidence is compared on its
    dates alone: those two fields explain a promise, and were not kept then."""
    kept = {(c["order_id"], c["line_id"]) for c in recorded["changes"] if c.get("confidence") is None}
    if not kept:
        return recomputed
    changes = [
        {**c, "supplier_id": None, "confidence": None} if (c["order_id"], c["line_id"]) in kept else c
        for c in recomputed["changes"]
    ]
    return {**recomputed, "changes": changes}


def _dump(values: list[Any]) -> list[dict[str, Any]]:
    return [value.model_dump() for value in values]


class Replayer:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._stock_outcomes: dict[tuple[str, int], tuple[Any, Any]] = {}

    # ---------------------------------------------------------- one stock
    def stock_verdicts(self, sku: str) -> Iterator[Verdict]:
        """Fold the SKU's history once, re-deciding before each decision event."""
        stock: Stock | None = None
        for event in self.engine.events.get(stock_id(sku)):
            if type(event).__name__ in DECISION_EVENTS:
                recorded, recomputed = recompute(stock, event)
                self._stock_outcomes[(sku, event.originator_version)] = (recorded, recomputed)
                yield Verdict(
                    subject=f"stock {sku} v{event.originator_version}",
                    kind=type(event).__name__,
                    policy=event.decision.policy,
                    message_id=event.decision.message_id,
                    inputs=event.decision.inputs,
                    recorded=recorded,
                    recomputed=recomputed,
                    reason=event.decision.reason,
                )
            stock = event.mutate(stock)

    def _stock_outcome(self, sku: str, version: int) -> tuple[Any, Any]:
        if (sku, version) not in self._stock_outcomes:
            before = self.engine.repository.get(stock_id(sku), version=version - 1)
            event = next(iter(self.engine.events.get(stock_id(sku), gt=version - 1, lte=version)))
            self._stock_outcomes[(sku, version)] = recompute(before, event)
        return self._stock_outcomes[(sku, version)]

    # ---------------------------------------------------------- one order
    def order_verdicts(self, order_id: str, revisions: bool = True) -> Iterator[Verdict]:
        """The order's own decisions, then (unless `revisions` is False) each later promise to its lines.

        Revised promises are recorded on the Stock only (one EtasRevised per
        decision), so they are found there; `verify` re-runs those whole.
        """
        order = self.engine.get_order(order_id)
        checked: set[tuple[str, int, str]] = set()
        events = list(self.engine.events.get(order.id))
        for event in events:
            for verdict, ref in self._order_event_verdicts(order_id, event):
                checked.add((ref.sku, ref.stock_version, event.line_id))
                yield verdict
        if revisions:
            spans = waiting_spans(order, events, self._ended(order))
            for sku in sorted({line.sku for line in order.lines.values()}):
                span = list(self._stock_events(sku, spans.get(sku)))
                yield from self._release_verdicts(sku, order_id, span)
                yield from self._revision_verdicts(sku, order_id, checked, span)

    def _ended(self, order: Any) -> Callable[[str], int | None]:
        """A SKU's Stock version at the end of the save that holds the order's last event (None: unknown)."""
        from services.time_travel.moment import APPLIED_TOPICS
        from services.time_travel.versions import locator, version_at

        recorder = self.engine.recorder
        last = locator(recorder)(order.id, order.version)
        entry = recorder.select_notifications(start=last, limit=1, topics=list(APPLIED_TOPICS))
        end = entry[0].id if entry else None
        return lambda sku: version_at(recorder, stock_id(sku), end)

    def _stock_events(self, sku: str, span: tuple[int, int | None] | None) -> Iterator[Any]:
        """The Stock's events in which the order's lines may have waited (all of them if not known)."""
        if span is None:
            return iter(self.engine.events.get(stock_id(sku)))
        first, last = span
        return iter(self.engine.events.get(stock_id(sku), gt=first - 1, lte=last))

    def _release_verdicts(self, sku: str, order_id: str, events: list[Any]) -> Iterator[Verdict]:
        """Lines of the order released ahead (or the release withdrawn): decided on the Stock."""
        for event in events:
            if type(event).__name__ not in RELEASES or event.order_id != order_id:
                continue
            recorded, recomputed = self._stock_outcome(sku, event.originator_version)
            yield Verdict(
                subject=f"order {order_id} line {event.line_id}",
                kind=type(event).__name__,
                policy=event.decision.policy,
                message_id=event.decision.message_id,
                inputs=event.decision.inputs,
                recorded=recorded,
                recomputed=recomputed,
                reason=event.decision.reason,
            )

    def _revision_verdicts(
        self, sku: str, order_id: str, checked: set[tuple[str, int, str]], events: list[Any]
    ) -> Iterator[Verdict]:
        for event in events:
            if type(event).__name__ != "EtasRevised":
                continue
            version = event.originator_version
            for change in event.plan.changes:
                if change.order_id != order_id or (sku, version, change.line_id) in checked:
                    continue
                recomputed = _line_eta(self._stock_outcome(sku, version)[1], order_id, change.line_id)
                yield Verdict(
                    subject=f"order {order_id} line {change.line_id}",
                    kind="EtaRevised",
                    policy=event.decision.policy,
                    message_id=event.decision.message_id,
                    inputs=event.decision.inputs,
                    recorded={"eta": change.new, "needs_purchase": change.needs_purchase},
                    recomputed=None if recomputed is None else _without_expiry(recomputed),
                    reason=event.decision.reason,
                )

    def _order_event_verdicts(self, order_id: str, event: Any) -> Iterator[tuple[Verdict, Any]]:
        kind = type(event).__name__
        for ref, recorded, recompute_line in _order_checks(event):
            verdict = Verdict(
                subject=f"order {order_id} line {event.line_id}",
                kind=kind,
                policy=ref.policy,
                message_id=ref.message_id,
                inputs=ref.inputs,
                recorded=recorded,
                recomputed=recompute_line(self, ref, order_id, event.line_id),
                reason=ref.reason,
            )
            yield verdict, ref

    def stock_plan(self, ref: Any) -> Any:
        """What re-running the referenced Stock decision gives."""
        return self._stock_outcome(ref.sku, ref.stock_version)[1]

    def substitute_offer(self, ref: Any) -> dict[str, Any] | None:
        candidates = [
            Candidate(
                sku=c["sku"],
                stock_version=c["stock_version"],
                available=self.engine.get_stock(c["sku"], version=c["stock_version"]).available,
            )
            for c in ref.inputs["candidates"]
        ]
        chosen = choose_substitute(candidates, ref.inputs["quantity"])
        return None if chosen is None else {"sku": chosen.sku, "quantity": ref.inputs["quantity"]}

    def release(self, ref: Any, order_id: str, line_id: str) -> dict[str, int]:
        before = self.engine.get_stock(ref.sku, version=ref.stock_version - 1)
        entry = before.queued(order_id, line_id)
        return {
            "released": before.reserved_for(order_id, line_id),
            "withdrawn": entry.quantity if entry else 0,
        }

    # ------------------------------------------------------------ everything
    def verify(self) -> Report:
        report = Report()
        skus, orders = self._subjects()
        for sku in skus:
            report.verdicts.extend(self.stock_verdicts(sku))
        for order_id in orders:  # the stock verdicts above re-ran every revised promise
            report.verdicts.extend(self.order_verdicts(order_id, revisions=False))
        return report

    def _subjects(self) -> tuple[list[str], list[str]]:
        skus: list[str] = []
        orders: list[str] = []
        start = 1
        while True:
            notes = self.engine.recorder.select_notifications(start=start, limit=500, topics=_CREATED)
            for note in notes:
                event = self.engine.mapper.to_domain_event(note)
                (skus if note.topic == _CREATED[0] else orders).append(
                    event.sku if note.topic == _CREATED[0] else event.order_id
                )
            if len(notes) < 500:
                return skus, orders
            start = notes[-1].id + 1


_CREATED = ("domain.stock:Stock.Registered", "domain.order:Order.Placed")


def waiting_spans(
    order: Any, events: list[Any], ended: Callable[[str], int | None]
) -> dict[str, tuple[int, int | None]]:
    """Per SKU, the Stock versions between which the order's lines can have been in its queue.

    A line joins a queue by a decision the Order records (its `decision` names the Stock
    version), and every change to what it waits for changes the Order; a promise revised
    or a release decided while it waits is the Stock's alone. So the Stock's events from
    the order's first decision on that SKU up to the end of the save of the Order's last
    event (`ended(sku)`: the Stock's version then; to the end while a line still waits)
    hold every such decision: replaying one order reads the part of the SKU's history its
    lines waited in, not the whole of it.
    """
    refs: dict[str, list[int]] = {}
    for event in events:
        for ref in (getattr(event, "decision", None), getattr(event, "eta_decision", None)):
            if ref is not None and getattr(ref, "stock_version", None) is not None:
                refs.setdefault(ref.sku, []).append(ref.stock_version)
    waiting = {sku for line in order.lines.values() if line.backordered for sku in line.skus}
    spans: dict[str, tuple[int, int | None]] = {}
    for sku, found in refs.items():
        last = None if sku in waiting else ended(sku)
        spans[sku] = (min(found), None if last is None else max(last, *found))
    return spans


def _fills(r: Replayer, ref: Any, order_id: str, line_id: str) -> int:
    fills = r.stock_plan(ref)
    return sum(f["quantity"] for f in fills if (f["order_id"], f["line_id"]) == (order_id, line_id))


def _eta(r: Replayer, ref: Any, order_id: str, line_id: str) -> dict[str, Any] | None:
    return _line_eta(r.stock_plan(ref), order_id, line_id)


def _without_expiry(eta: dict[str, Any]) -> dict[str, Any]:
    return {"eta": eta["eta"], "needs_purchase": eta["needs_purchase"]}


def _line_eta(plan: dict[str, Any], order_id: str, line_id: str) -> dict[str, Any] | None:
    for change in plan["changes"]:
        if (change["order_id"], change["line_id"]) == (order_id, line_id):
            return {"eta": change["new"], "needs_purchase": change["needs_purchase"]}
    for expiry in plan["expired"]:
        if (expiry["order_id"], expiry["line_id"]) == (order_id, line_id):
            return {"eta": expiry["eta"], "needs_purchase": False, "expired": expiry["quantity"]}
    return None


def _promise(r: Replayer, ref: Any, order_id: str, line_id: str) -> dict[str, Any] | None:
    eta = _eta(r, ref, order_id, line_id)
    return None if eta is None else _without_expiry(eta)


def _expired(r: Replayer, ref: Any, order_id: str, line_id: str) -> int | None:
    return (_eta(r, ref, order_id, line_id) or {}).get("expired")


def _allocate(r: Replayer, ref: Any, order_id: str, line_id: str) -> int:
    return r.stock_plan(ref)["allocate"]


def _backorder(r: Replayer, ref: Any, order_id: str, line_id: str) -> dict[str, Any]:
    plan = r.stock_plan(ref)
    return {"backorder": plan["backorder"], "position": plan["position"]}


def _offer(r: Replayer, ref: Any, order_id: str, line_id: str) -> dict[str, Any] | None:
    return r.substitute_offer(ref)


def _release(r: Replayer, ref: Any, order_id: str, line_id: str) -> dict[str, int]:
    return r.release(ref, order_id, line_id)


Check = tuple[Any, Any, Callable[["Replayer", Any, str, str], Any]]  # decision ref, recorded, recompute


def _order_checks(event: Any) -> list[Check]:
    """(decision ref, recorded outcome for the line, how to recompute it)."""
    kind = type(event).__name__
    ref = getattr(event, "decision", None)
    if ref is None:
        return []
    if kind in ("LineAllocated", "SubstituteAccepted"):
        return [(ref, event.quantity, _allocate)]
    if kind in ("BackorderFilled", "AllocationRevoked"):
        return [(ref, event.quantity, _fills)]
    if kind == "LineBackordered":
        checks: list[Check] = [(ref, {"backorder": event.quantity, "position": event.position}, _backorder)]
        if event.eta_decision is not None:
            promise = {"eta": event.eta, "needs_purchase": event.needs_purchase}
            checks.append((event.eta_decision, promise, _promise))
        return checks
    if kind == "EtaRevised":
        return [(ref, {"eta": event.new, "needs_purchase": event.needs_purchase}, _promise)]
    if kind == "SubstituteOffered":
        return [(ref, {"sku": event.sku, "quantity": event.quantity}, _offer)]
    if kind == "LineCancelled" and event.automatic:
        return [(ref, event.withdrawn, _expired)]
    if kind == "LineCancelled":
        recorded = {
            "released": ref.inputs["released"].get(ref.sku, 0),
            "withdrawn": ref.inputs["withdrawn"].get(ref.sku, 0),
        }
        return [(ref, recorded, _release)]
    return []
