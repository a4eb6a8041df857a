"""ETA promises: a pure, versioned walk of the queue against inbound supply.

`eta-v1`: open purchase-order lines are taken in expected-arrival order
(expected date plus the supplier's observed lateness, then supplier and PO id), so the
order promises are made in is the order stock will really come in. A waiting line's cumulative position (units
ahead of it plus its own) is covered by the first PO whose cumulative open
quantity reaches it; its ETA is that PO's expected date plus the supplier's
observed lateness (never earlier than today: an overdue PO promises
nothing in the past). Lines no PO covers are flagged `needs_purchase` and
promised the best source's lead time plus lateness, counted from when they
started waiting or from now, whichever is later - but an earlier uncovered
promise that is still achievable is kept, so customers are not told of a
change that did not happen. A line whose ETA passes its maximum wait
leaves the queue (and no longer counts towards the lines behind it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from itertools import islice

from domain.base import Value
from domain.values import InboundLine, QueueEntry, Source, SupplierPriority

ETA_POLICY = "eta-v1"
DEFAULT_LATENESS_DAYS = 2  # buffer for a supplier with no delivery history yet


class EtaChange(Value):
    order_id: str
    line_id: str
    old: date | None
    new: date | None
    needs_purchase: bool


class Expiry(Value):
    order_id: str
    line_id: str
    quantity: int
    eta: date
    wait_limit: date


class EtaPlan(Value):
    changes: list[EtaChange]
    expired: list[Expiry]


def supply_order(line: InboundLine) -> tuple[date, str, str]:
    return (line.arrival, line.supplier_id, line.po_id)


def best_source(sources: Sequence[Source]) -> Source | None:
    """Primary before backup, then shortest lead time, then supplier id."""
    if not sources:
        return None
    return min(
        sources,
        key=lambda s: (s.priority != SupplierPriority.PRIMARY, s.lead_time_days, s.supplier_id),
    )


def observed_lateness(delays_days: Sequence[int]) -> int:
    """A high percentile (nearest-rank p90) of past delays; never negative."""
    if not delays_days:
        return DEFAULT_LATENESS_DAYS
    ordered = sorted(delays_days)
    rank = max(1, -(-len(ordered) * 9 // 10))  # ceil(0.9 n) without floats
    return max(0, ordered[rank - 1])


def plan_etas(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
) -> EtaPlan:
    """Recompute promises for queue[start:], given `units_ahead` waiting before it.

    Once the open POs are used up, a line's promise no longer depends on the
    units ahead of it, so the rest of the walk skips the supply bookkeeping:
    a gold line joining ahead of a long standard queue is walked cheaply.
    """
    supply = [(line.quantity, line.arrival) for line in sorted(inbound, key=supply_order)]
    covered_up_to = 0
    cursor = 0
    cumulative = units_ahead
    changes: list[EtaChange] = []
    expired: list[Expiry] = []
    delay = _purchase_delay(sources)
    entries = islice(queue, start, None)
    for entry in entries:
        position_end = cumulative + entry.quantity
        while cursor < len(supply) and covered_up_to + supply[cursor][0] < position_end:
            covered_up_to += supply[cursor][0]
            cursor += 1
        if cursor == len(supply):
            _promise_uncovered(entry, delay, today, changes, expired)
            break
        eta = max(supply[cursor][1], today)
        if _promised(entry, eta, False, changes, expired):
            cumulative = position_end
    if delay is None:
        for entry in entries:
            _promise_uncovered(entry, None, today, changes, expired)
        return EtaPlan(changes=changes, expired=expired)
    # What the POs do not cover: a long queue's tail, looked at once per line, and
    # left alone while its promise is still reachable and within the line's wait.
    # `eta >= max(since, today) + delay`, without adding dates for the lines that
    # started waiting before today (nearly all of them).
    reachable = today + delay
    for entry in entries:
        kept = entry.eta
        if (
            kept is not None
            and entry.needs_purchase
            and kept >= reachable
            and (entry.since <= today or kept >= entry.since + delay)
            and (entry.wait_limit is None or kept <= entry.wait_limit)
        ):
            continue
        _promise_uncovered(entry, delay, today, changes, expired)
    return EtaPlan(changes=changes, expired=expired)


def _purchase_delay(sources: Sequence[Source]) -> timedelta | None:
    source = best_source(sources)
    if source is None:
        return None
    return timedelta(days=source.lead_time_days + source.lateness_days)


def _promise_uncovered(
    entry: QueueEntry,
    delay: timedelta | None,
    today: date,
    changes: list[EtaChange],
    expired: list[Expiry],
) -> None:
    """A line to buy for: an earlier promise still achievable is kept."""
    eta = None
    if delay is not None:
        eta = max(entry.since, today) + delay
        if entry.needs_purchase and entry.eta is not None and entry.eta >= eta:
            eta = entry.eta
    _promised(entry, eta, True, changes, expired)


def _promised(
    entry: QueueEntry,
    eta: date | None,
    needs_purchase: bool,
    changes: list[EtaChange],
    expired: list[Expiry],
) -> bool:
    """Record the line's expiry or changed promise; False if it leaves the queue."""
    if eta is not None and entry.wait_limit is not None and eta > entry.wait_limit:
        expired.append(
            Expiry(
                order_id=entry.order_id,
                line_id=entry.line_id,
                quantity=entry.quantity,
                eta=eta,
                wait_limit=entry.wait_limit,
            )
        )
        return False
    if eta != entry.eta or needs_purchase != entry.needs_purchase:
        changes.append(
            EtaChange(
                order_id=entry.order_id,
                line_id=entry.line_id,
                old=entry.eta,
                new=eta,
                needs_purchase=needs_purchase,
            )
        )
    return True
