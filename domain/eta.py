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

`eta-v2` walks the same way and changes only how late each supplier is taken to
be: the calibrated 0.9 quantile of its delivery history (domain/lateness.py),
counted from the date the supplier promised and given how late the order is
already known to be (overdue, or moved by a delay notice); needs-purchase lines
add the calibrated lateness of the best source's orders against the date they
were placed with. Both versions name, on each changed promise, the supplier it
rests on and its confidence: `eta-v1` its nominal p90 (0.9), `eta-v2` the
probability, from history and prior, that the supply comes by then.

`eta-v4` is `eta-v2` that knows the SKU's rationing rules (domain/rationing.py,
domain/quotas.py), which `eta-v2` walks as if every arriving unit went to the next
line: under a tier reserve, units reach a lower tier's lines only once the reserve is
full again, so the units its level keeps back beyond those free now count as units
ahead of every line of that tier (the configured level: tier-reserve-v2 scales it down
just before a delivery, but after the delivery the next one is far again); a line over
its quota for the period takes nothing before the next period starts, so it is promised
no earlier. It walks the whole queue each time, as the held units sit in front of the
first lower-tier line, wherever the change that asked for the walk happened.

`eta-v5` promises as `eta-v4` does, with two changes that leave every line, after every
decision, holding the promise a walk of the whole queue would give it (the queue is at
rest), so that a walk may start part-way down:
- a line that leaves the queue (its promise passes its wait) gives back the supply it was
  looked up against, as in `eta-v3` (`eta-v4` gives it to the lines behind at its next walk);
- units back on the shelf that the rules still hold from the waiting lines (a cancel under a
  reserve) are followed by a walk, as they change what is kept back ahead of those lines.
It walks from the line a decision is about, rather than the head, when the decision left
unchanged all that the lines ahead of it were promised with: a line that took no units (the
free units, so what a reserve keeps back beyond them, and a quota's use are as they were)
joining on the day the SKU last decided (the calendar, so a quota's period, overdue supply
and a scaled reserve are as they were). The walk starts with the units ahead and the units
kept back ahead counted. Any other decision walks the whole queue. On a long queue of a
scarce SKU most requests are such lines: they cost a walk of the lines behind them, not of
the whole queue.

`eta-v3` is `eta-v2` within suppliers' weekly capacity, and with failover. A
purchase order line of a supplier that delivers at most N units of the SKU a week
comes in parts: N on its date, N a week later, and so on; lines to buy for from a
best source with a capacity are promised a week later per N units to buy ahead of
them. Failover: a line its supply would serve past its maximum wait, or whose covering
purchase order is later than its supplier's `failover_after_days` (against the date
it promised), is served by buying from the next source (the best other than that
supplier: the backup) if that comes earlier, and within the wait. Arriving units
serve the queue in order, so the purchase is what brings every unit up to the last
such line by the backup's arrival, less what open POs bring by then; the walk then
counts it as supply arriving that day. The lines it covers (those failed by their
supply, and any ahead of them it reaches first) are promised from it as purchases to
make (`failover` names the backup), no longer expire, and the Stock suggests buying
their units (`Stock.FailoverSuggested`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import islice
from typing import Protocol

from domain.base import Value
from domain.errors import UnknownPolicy
from domain.lateness import DelayHistory, calibrated, probability_by
from domain.values import InboundLine, QueueEntry, Source, SupplierPriority

ETA_POLICY = "eta-v1"
ETA_POLICY_V2 = "eta-v2"
ETA_POLICY_V3 = "eta-v3"
ETA_POLICY_V4 = "eta-v4"
ETA_POLICY_V5 = "eta-v5"
ETA_POLICY_V6 = "eta-v6"
DEFAULT_ETA_POLICY = ETA_POLICY_V2  # what new SKUs promise with (ANTRIAN_DEFAULT_ETA_POLICY)
DEFAULT_LATENESS_DAYS = 2  # buffer for a supplier with no delivery history yet
V1_CONFIDENCE = 0.9  # eta-v1's nominal confidence: the p90 of observed delays


class EtaChange(Value):
    order_id: str
    line_id: str
    old: date | None
    new: date | None
    needs_purchase: bool
    # The supplier the promise rests on (the covering PO's, or the best source's for a line to
    # buy for) and the promise's confidence; None in changes recorded before they were kept.
    supplier_id: str | None = None
    confidence: float | None = None
    failover: str | None = None  # eta-v3: the source the line was moved to (None: not moved)


class Expiry(Value):
    order_id: str
    line_id: str
    quantity: int
    eta: date
    wait_limit: date


class Failover(Value):
    """A line eta-v3 moved to another source, and why: what it was to wait for, what it can have."""

    order_id: str
    line_id: str
    quantity: int
    supplier_id: str  # whose supply slipped
    po_id: str
    late_days: int  # how late that PO is known to be, against the date its supplier promised
    eta: date  # the promise that supply gives
    wait_limit: date | None
    backup_id: str
    backup_eta: date


class EtaPlan(Value):
    changes: list[EtaChange]
    expired: list[Expiry]
    failover: list[Failover] = []  # eta-v3's moved lines among queue[start:]; empty in other plans


class FloorRule(Protocol):
    """A rule giving each waiting line's earliest promise (None: none), and the latest it gives."""

    @property
    def latest(self) -> date: ...

    def __call__(self, entry: QueueEntry, /) -> date | None: ...


@dataclass(frozen=True)
class Rationing:
    """What a SKU's rationing rules hold from its waiting lines, as eta-v4 promises with them."""

    kept_back: Mapping[str, int] = field(default_factory=dict)  # tier -> units supply brings first
    # Each line's earliest promise, asked of the lines the walk looks at: a quota's
    # (domain/quotas.py's OverQuota), so the floors need no pass over the queue of their own.
    waits: FloorRule | None = None


NO_RATIONING = Rationing()


def supply_order(line: InboundLine) -> tuple[date, str, str]:
    return (line.arrival, line.supplier_id, line.po_id)


def source_rank(source: Source) -> tuple[bool, int, str]:
    """Primary before backup, then shortest lead time, then supplier id."""
    return source.priority != SupplierPriority.PRIMARY, source.lead_time_days, source.supplier_id


def best_source(sources: Sequence[Source]) -> Source | None:
    return min(sources, key=source_rank) if sources else None


def observed_lateness(delays_days: Sequence[int]) -> int:
    """A high percentile (nearest-rank p90) of past delays; never negative."""
    if not delays_days:
        return DEFAULT_LATENESS_DAYS
    ordered = sorted(delays_days)
    rank = max(1, -(-len(ordered) * 9 // 10))  # ceil(0.9 n) without floats
    return max(0, ordered[rank - 1])


@dataclass(frozen=True)
class _Supply:
    """An open PO line as a promise source: its units, the date it gives, whose it is, how sure."""

    quantity: int
    eta: date
    supplier_id: str
    confidence: float
    po_id: str = ""
    late_days: int = 0  # known late against the date its supplier promised (eta-v2 and later)
    failover: _Purchase | None = None  # eta-v3: not a PO but what buying from the backup now brings


@dataclass(frozen=True)
class Calibration:
    """How a walk turns a supplier's lateness history into dates (eta-v2's unless said)."""

    # The day whose probability is nearest the target, not the first reaching it (lateness.calibrated).
    nearest: bool = False
    # Supply that has not come when the promise is made is not promised for that day: every
    # line waits because nothing is on the shelf for it, so a promise of today is kept only by
    # a delivery booked later the same day, which a history in days cannot tell from one booked
    # earlier (in the demo none of 41 such promises was kept; most lines came the day after).
    # Only the date moves: the lateness is still that given how late the order is known to be.
    not_today: bool = False

    @property
    def soonest_days(self) -> int:
        """Days from the promise to the earliest date it may name for what has not come yet."""
        return 1 if self.not_today else 0

    def first_day(self, today: date) -> date:
        return today + timedelta(days=self.soonest_days)


CALIBRATION_V2 = Calibration()
CALIBRATION_V6 = Calibration(nearest=True, not_today=True)


@dataclass(frozen=True)
class _Purchase:
    """The best source for what no PO covers: days from when a line waits, and how sure, by date."""

    delay: timedelta
    supplier_id: str
    confidence: Callable[[date, date], float]  # (promised date, from when counted) -> confidence
    capacity: int | None = None  # eta-v3: units a week the source delivers; later units a week later each

    def extra(self, backlog: int, quantity: int) -> timedelta:
        """How much later than `delay` a line's last unit comes, `backlog` units to buy being ahead of it."""
        if self.capacity is None or backlog + quantity <= self.capacity:
            return timedelta(0)
        return timedelta(weeks=(backlog + quantity - 1) // self.capacity)


def plan_etas(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
) -> EtaPlan:
    """`eta-v1`: recompute promises for queue[start:], given `units_ahead` waiting before it."""
    supply = [
        _Supply(line.quantity, line.arrival, line.supplier_id, V1_CONFIDENCE)
        for line in sorted(inbound, key=supply_order)
    ]
    source = best_source(sources)
    purchase = None
    if source is not None:
        purchase = _Purchase(
            timedelta(days=source.lead_time_days + source.lateness_days),
            source.supplier_id,
            lambda eta, since: V1_CONFIDENCE,
        )
    return _walk(queue, units_ahead, start, supply, purchase, today)


def plan_etas_v2(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
) -> EtaPlan:
    """`eta-v2`: the walk of `eta-v1` with each supplier's lateness calibrated from its history."""
    return _walk(queue, units_ahead, start, _calibrated(inbound, today), _calibrated_purchase(sources), today)


def _calibrated(inbound: Sequence[InboundLine], today: date) -> list[_Supply]:
    """Open PO lines as eta-v2 takes them: calibrated dates, in the order they will come."""
    supply = sorted(
        (_calibrated_supply(line, today) for line in inbound),
        key=lambda s: (s[0].eta, s[0].supplier_id, s[1]),
    )
    return [s for s, _ in supply]


def plan_etas_v4(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
    rationing: Rationing = NO_RATIONING,
) -> EtaPlan:
    """`eta-v4`: the walk of `eta-v2` with the units a rationing SKU keeps back counted ahead of
    the lines they are kept from, and no promise before a line's quota lets it take units (always
    the whole queue: `start` and `units_ahead` are not used)."""
    supply = _calibrated(inbound, today)
    return _walk(queue, 0, 0, supply, _calibrated_purchase(sources), today, rationing=rationing)


def plan_etas_v5(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
    rationing: Rationing = NO_RATIONING,
) -> EtaPlan:
    """`eta-v5`: `eta-v4`'s walk from `start`, with the `units_ahead` of it and the units kept back
    ahead of it counted (the Stock asks for a whole walk, `start` 0, whenever those may have moved),
    and a line that leaves the queue giving back the supply it was looked up against."""
    supply = _calibrated(inbound, today)
    held = held_ahead(queue, start, rationing.kept_back)
    purchase = _calibrated_purchase(sources)
    return _walk(
        queue,
        units_ahead,
        start,
        supply,
        purchase,
        today,
        rewind=True,
        rationing=rationing,
        held=held,
        at_rest=True,
    )


def held_ahead(queue: Sequence[QueueEntry], start: int, kept_back: Mapping[str, int]) -> int:
    """The units kept back that a walk of the whole queue counts before queue[start]: the most any
    tier ahead of it has (levels never fall with tier; lines released ahead may be of any tier)."""
    most = max(kept_back.values(), default=0)
    held = 0
    for entry in islice(queue, start):
        if held >= most:
            break
        held = max(held, kept_back.get(entry.tier.value, 0))
    return held


def _calibrated_supply(
    line: InboundLine, today: date, calibration: Calibration = CALIBRATION_V2
) -> tuple[_Supply, str]:
    promised = line.promised or line.expected
    history = line.history or DelayHistory()
    # Not come before today; not before the date a delay notice moved it to.
    known_late = (
        (max(line.expected, today) - promised).days if line.expected > promised else (today - promised).days
    )
    lateness = calibrated(history, at_least=known_late, nearest=calibration.nearest)
    eta = max(promised + timedelta(days=lateness.days), calibration.first_day(today))
    supply = _Supply(
        line.quantity, eta, line.supplier_id, lateness.confidence, line.po_id, max(0, known_late)
    )
    return supply, line.po_id


def plan_etas_v3(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
) -> EtaPlan:
    """`eta-v3`: the walk of `eta-v2` within suppliers' weekly capacity, and with what buying from the
    backup now would bring when supply slips (always the whole queue: `start` and `units_ahead` are
    not used, as failover moves lines ahead of any start)."""
    return _plan_with_failover(queue, inbound, sources, today, CALIBRATION_V2)


def plan_etas_v6(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
) -> EtaPlan:
    """`eta-v6`: `eta-v3`'s walk, its dates the day nearest the target confidence, and what has not
    come never promised for the day the promise is made (`CALIBRATION_V6`)."""
    return _plan_with_failover(queue, inbound, sources, today, CALIBRATION_V6)


def _plan_with_failover(
    queue: Sequence[QueueEntry],
    inbound: Sequence[InboundLine],
    sources: Sequence[Source],
    today: date,
    calibration: Calibration,
) -> EtaPlan:
    capacity = {s.supplier_id: s.capacity_per_week for s in sources if s.capacity_per_week}
    parts = sorted(
        _within_capacity(inbound, today, capacity, calibration),
        key=lambda s: (s[0].eta, s[0].supplier_id, s[1]),
    )
    supply = [s for s, _ in parts]
    purchase = _calibrated_purchase(sources, calibration)
    if purchase is not None:
        purchase = replace(purchase, capacity=capacity.get(purchase.supplier_id))
    need = _failover_need(queue, supply, _Rescue(tuple(sources), today, calibration), today)
    if need is None:
        return _walk(queue, 0, 0, supply, purchase, today, rewind=True)
    units, backup, at_risk = need
    bought = _Supply(units, today + backup.delay, backup.supplier_id, 0.0, failover=backup)
    arrival = bought.eta
    cut = next((i for i, s in enumerate(supply) if s.eta > arrival), len(supply))
    return _walk(queue, 0, 0, [*supply[:cut], bought, *supply[cut:]], purchase, today, at_risk, rewind=True)


def _failover_need(
    queue: Sequence[QueueEntry], supply: Sequence[_Supply], rescue: _Rescue, today: date
) -> tuple[int, _Purchase, dict[tuple[str, str], Failover]] | None:
    """What to buy from the backup now so that every waiting line its supply fails (past its wait,
    or on a PO past its supplier's threshold) and the backup can serve in time is served by it.

    Arriving units serve the queue in its order, so a line is served by the backup's arrival only
    once every unit ahead of it is too: the need is the last such line's cumulative position less
    what the open POs bring by that day. Lines its supply fails that no source saves expire, and
    count for nobody behind them, as in eta-v2's walk.
    """
    covered_up_to = cursor = cumulative = 0
    last_end = 0
    backup: _Purchase | None = None
    at_risk: dict[tuple[str, str], Failover] = {}
    for entry in queue:
        position_end = cumulative + entry.quantity
        before = cursor, covered_up_to
        while cursor < len(supply) and covered_up_to + supply[cursor].quantity < position_end:
            covered_up_to += supply[cursor].quantity
            cursor += 1
        if cursor == len(supply):
            break  # no PO covers it: bought for as eta-v2 buys, not a failover
        eta = max(supply[cursor].eta, today)
        move = rescue.move(entry, supply[cursor], eta)
        if move is not None and (backup is None or move[1].supplier_id == backup.supplier_id):
            at_risk[entry.key], backup = move
            last_end = position_end
        elif entry.wait_limit is not None and eta > entry.wait_limit:
            cursor, covered_up_to = before  # expires: counts for nobody behind it
            continue
        cumulative = position_end
    if backup is None:
        return None
    arrival = today + backup.delay
    units = last_end - sum(s.quantity for s in supply if s.eta <= arrival)
    return (units, backup, at_risk) if units > 0 else None


def _within_capacity(
    inbound: Sequence[InboundLine], today: date, capacity: dict[str, int], calibration: Calibration
) -> list[tuple[_Supply, str]]:
    """Open PO lines as the parts their suppliers can deliver: a supplier with a weekly capacity
    fills each ISO week up to it, its lines in arrival order (then PO id), what does not fit
    coming a week later, and so on; the others' lines whole."""
    parts: list[tuple[_Supply, str]] = []
    limited: dict[str, list[tuple[_Supply, str]]] = {}
    for line in inbound:
        supply = _calibrated_supply(line, today, calibration)
        if line.supplier_id in capacity:
            limited.setdefault(line.supplier_id, []).append(supply)
        else:
            parts.append(supply)
    for supplier_id, supplies in sorted(limited.items()):
        limit, used = capacity[supplier_id], dict[tuple[int, int], int]()
        for whole, po_id in sorted(supplies, key=lambda s: (s[0].eta, s[1])):
            left, day = whole.quantity, whole.eta
            while left:
                week = day.isocalendar()[:2]
                take = min(left, limit - used.get(week, 0))
                if take > 0:
                    parts.append((replace(whole, quantity=take, eta=day), po_id))
                    used[week] = used.get(week, 0) + take
                    left -= take
                day += timedelta(weeks=1)
    return parts


@dataclass(frozen=True)
class _Rescue:
    """eta-v3's way out of a slipping supply: buying the line from the best other source."""

    sources: tuple[Source, ...]
    today: date
    calibration: Calibration
    _instead: dict[str, _Purchase | None] = field(default_factory=dict, compare=False)  # by failing supplier

    def move(self, entry: QueueEntry, supply: _Supply, eta: date) -> tuple[Failover, _Purchase] | None:
        """The line's move to another source, if its supply slipped and that source does better."""
        terms = next((s for s in self.sources if s.supplier_id == supply.supplier_id), None)
        threshold = terms.failover_after_days if terms else None
        slipped = threshold is not None and supply.late_days > threshold
        if not slipped and (entry.wait_limit is None or eta <= entry.wait_limit):
            return None
        purchase = self._other_than(supply.supplier_id)
        if purchase is None:
            return None
        backup_eta = self.today + purchase.delay
        if backup_eta >= eta or (entry.wait_limit is not None and backup_eta > entry.wait_limit):
            return None
        moved = Failover(
            order_id=entry.order_id,
            line_id=entry.line_id,
            quantity=entry.quantity,
            supplier_id=supply.supplier_id,
            po_id=supply.po_id,
            late_days=supply.late_days,
            eta=eta,
            wait_limit=entry.wait_limit,
            backup_id=purchase.supplier_id,
            backup_eta=backup_eta,
        )
        return moved, purchase

    def _other_than(self, supplier_id: str) -> _Purchase | None:
        """Buying from the best source but `supplier_id` (worked out once a walk: a slipped PO fails many lines)."""
        if supplier_id not in self._instead:
            others = [s for s in self.sources if s.supplier_id != supplier_id]
            self._instead[supplier_id] = _calibrated_purchase(others, self.calibration)
        return self._instead[supplier_id]


def _calibrated_purchase(
    sources: Sequence[Source], calibration: Calibration = CALIBRATION_V2
) -> _Purchase | None:
    source = best_source(sources)
    if source is None:
        return None
    history = source.purchase_history or DelayHistory()
    lateness = calibrated(history, nearest=calibration.nearest)
    lead = source.lead_time_days

    def confidence(eta: date, since: date) -> float:
        return probability_by(history, (eta - since).days - lead)

    days = max(calibration.soonest_days, lead + lateness.days)  # eta-v6: not bought and come the same day
    return _Purchase(timedelta(days=days), source.supplier_id, confidence)


def _walk(
    queue: Sequence[QueueEntry],
    units_ahead: int,
    start: int,
    supply: Sequence[_Supply],
    purchase: _Purchase | None,
    today: date,
    at_risk: dict[tuple[str, str], Failover] | None = None,
    rewind: bool = False,
    rationing: Rationing = NO_RATIONING,
    held: int = 0,
    at_rest: bool = False,
) -> EtaPlan:
    """Walk queue[start:] against `supply` (in arrival order); what it does not cover is bought for.

    eta-v4: `rationing.kept_back` units are put ahead of the first line of each tier they are kept
    from (levels never fall with tier, and the queue serves higher tiers first, so they only grow
    along it), and no line is promised before its floor (`rationing.waits`: looked up only for
    a line whose promise would come before the latest floor any line has). eta-v5 walks from
    part-way down with the `held` units kept back ahead of `start` already counted (`held_ahead`).

    eta-v3: a supply marked `failover` is what buying from the backup now brings; the lines it
    covers are promised from it, as purchases to make, and those `at_risk` names are recorded.
    With `rewind` (eta-v3), a line that expires gives back the supply it was looked up against, so
    the next line can still be served by it (eta-v1 and eta-v2 keep their released walk: it does not).
    With `at_rest` (eta-v5) too, a line no PO covers that expires gives the POs back as well, where
    eta-v3's walk stops at it: the lines behind may still be covered, and the walk leaves the
    queue at rest (walking it again changes nothing).

    Once the open POs are used up, a line's promise no longer depends on the
    units ahead of it, so the rest of the walk skips the supply bookkeeping:
    a gold line joining ahead of a long standard queue is walked cheaply.
    """
    covered_up_to = 0
    cursor = 0
    cumulative = units_ahead + held
    backlog = 0  # units to buy ahead of the line (eta-v3 counts them against a weekly capacity)
    changes: list[EtaChange] = []
    expired: list[Expiry] = []
    moved: list[Failover] = []
    # eta-v4: units kept back counted ahead so far (eta-v5: from `held`, those ahead of `start`)
    kept_back = rationing.kept_back
    most = max(kept_back.values(), default=0)  # once all of it is ahead, no later line adds more
    # eta-v4: a line's earliest promise, asked only of a line promised before `latest`; every
    # other walk has none (and, `latest` being the first date, asks nothing).
    rule = rationing.waits
    floor_of, latest = (rule, rule.latest) if rule is not None else (_no_floor, date.min)
    entries = islice(queue, start, None)
    for entry in entries:
        if held < most:
            more = kept_back.get(entry.tier.value, 0) - held
            if more > 0:
                cumulative, held = cumulative + more, held + more
        position_end = cumulative + entry.quantity
        before = cursor, covered_up_to
        while cursor < len(supply) and covered_up_to + supply[cursor].quantity < position_end:
            covered_up_to += supply[cursor].quantity
            cursor += 1
        if cursor == len(supply):
            backlog = max(0, cumulative - covered_up_to)  # units ahead no PO covers (to buy)
            if _promise_uncovered(entry, purchase, today, changes, expired, backlog, floor_of(entry)):
                backlog += entry.quantity
            elif at_rest:  # it left the queue: the lines behind it are looked up as if it never waited
                cursor, covered_up_to = before
                continue
            break
        source = supply[cursor]
        eta = max(source.eta, today)
        if eta < latest and (floor := floor_of(entry)) is not None and floor > eta:
            eta = floor
        if source.failover is not None:
            stays = _promised_from_backup(entry, source.failover, eta, today, changes, expired)
            if stays and at_risk and entry.key in at_risk:
                moved.append(at_risk[entry.key])
        else:
            stays = _promised(entry, eta, False, changes, expired, source.supplier_id, source.confidence)
        if stays:
            cumulative = position_end
        elif rewind:
            cursor, covered_up_to = before
    if purchase is None:
        for entry in entries:
            _promise_uncovered(entry, None, today, changes, expired)
        return EtaPlan(changes=changes, expired=expired, failover=moved)
    # What the POs do not cover: a long queue's tail, looked at once per line, and
    # left alone while its promise is still reachable and within the line's wait.
    # `eta >= max(since, today) + delay`, without adding dates for the lines that
    # started waiting before today (nearly all of them).
    delay = purchase.delay
    reachable = today + delay
    if purchase.capacity is not None:
        _promise_within_capacity(entries, purchase, today, backlog, changes, expired)
        return EtaPlan(changes=changes, expired=expired, failover=moved)
    for entry in entries:
        kept = entry.eta
        if (
            kept is not None
            and entry.needs_purchase
            and entry.failover is None
            and kept >= reachable
            and (entry.since <= today or kept >= entry.since + delay)
            and (entry.wait_limit is None or kept <= entry.wait_limit)
            and (kept >= latest or kept >= (floor_of(entry) or kept))
        ):
            continue
        _promise_uncovered(entry, purchase, today, changes, expired, floor=floor_of(entry))
    return EtaPlan(changes=changes, expired=expired, failover=moved)


def _no_floor(entry: QueueEntry) -> None:
    """No line has an earliest promise (every walk but eta-v4's, and eta-v4's without rules)."""
    return None


def _promise_within_capacity(
    entries: Iterable[QueueEntry],
    purchase: _Purchase,
    today: date,
    backlog: int,
    changes: list[EtaChange],
    expired: list[Expiry],
) -> None:
    """eta-v3's tail when the source has a weekly capacity: each line a week later per capacity's
    worth of units to buy ahead of it (`backlog`); a kept promise still reachable stays."""
    for entry in entries:
        extra = purchase.extra(backlog, entry.quantity)
        kept = entry.eta
        if (
            kept is not None
            and entry.needs_purchase
            and entry.failover is None
            and kept >= max(entry.since, today) + purchase.delay + extra
            and (entry.wait_limit is None or kept <= entry.wait_limit)
        ):
            backlog += entry.quantity
            continue
        if _promise_uncovered(entry, purchase, today, changes, expired, backlog):
            backlog += entry.quantity


def _promised_from_backup(
    entry: QueueEntry,
    backup: _Purchase,
    eta: date,
    today: date,
    changes: list[EtaChange],
    expired: list[Expiry],
) -> bool:
    """A line served by what buying from the backup now brings: an earlier promise from it still
    reachable is kept (the purchase is made the day it is suggested; until then the date would
    move a day each day)."""
    if entry.failover == backup.supplier_id and entry.eta is not None and entry.eta >= eta:
        eta = entry.eta
    confidence = backup.confidence(eta, max(entry.since, today))
    return _promised(entry, eta, True, changes, expired, backup.supplier_id, confidence, backup)


def _promise_uncovered(
    entry: QueueEntry,
    purchase: _Purchase | None,
    today: date,
    changes: list[EtaChange],
    expired: list[Expiry],
    backlog: int = 0,
    floor: date | None = None,
) -> bool:
    """A line to buy for, `backlog` units to buy being ahead of it: an earlier promise still
    achievable is kept. False if it leaves the queue. `floor`: no promise before it (eta-v4)."""
    if purchase is None:
        return _promised(entry, None, True, changes, expired, None, None)
    since = max(entry.since, today)
    extra = purchase.extra(backlog, entry.quantity) if purchase.capacity is not None else timedelta(0)
    eta = since + purchase.delay + extra
    if floor is not None and floor > eta:
        eta = floor
    if entry.needs_purchase and entry.eta is not None and entry.eta >= eta:
        eta = entry.eta
        if entry.failover is None and (entry.wait_limit is None or eta <= entry.wait_limit):
            return True  # promised as before: nothing to record, so no confidence to work out
    confidence = purchase.confidence(eta - extra, since)  # the weeks capacity adds are no slack
    return _promised(entry, eta, True, changes, expired, purchase.supplier_id, confidence)


def _promised(
    entry: QueueEntry,
    eta: date | None,
    needs_purchase: bool,
    changes: list[EtaChange],
    expired: list[Expiry],
    supplier_id: str | None,
    confidence: float | None,
    failover: _Purchase | None = None,
) -> bool:
    """Record the line's expiry or changed promise; False if it leaves the queue.

    `failover`: the purchase eta-v3 moved the line to (its promise then rests on it)."""
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
    moved_to = failover.supplier_id if failover is not None else None
    if eta != entry.eta or needs_purchase != entry.needs_purchase or moved_to != entry.failover:
        changes.append(
            EtaChange(
                order_id=entry.order_id,
                line_id=entry.line_id,
                old=entry.eta,
                new=eta,
                needs_purchase=needs_purchase,
                supplier_id=supplier_id,
                confidence=confidence,
                failover=moved_to,
            )
        )
    return True


# Policies whose walk always starts at the queue's head, whatever changed (their planners do not
# read `start`): eta-v3's failover serves lines in queue order, so a line joining late can move
# those ahead of it; eta-v4 puts the units a reserve keeps back in front of a tier's first line.
WHOLE_QUEUE = frozenset({ETA_POLICY_V3, ETA_POLICY_V4, ETA_POLICY_V6})
# The policies with eta-v3's failover to the backup (and its suggestions).
FAILOVER_ETAS = frozenset({ETA_POLICY_V3, ETA_POLICY_V6})
# The policies that promise with the SKU's rationing rules (`Rationing`).
RATIONED_ETAS = frozenset({ETA_POLICY_V4, ETA_POLICY_V5})


def walk_start(policy: str, start: int, ahead_kept: bool = False) -> int:
    """Where the policy's walk begins when a change asks for one from `start`: its plan's expiries
    and changes are applied from there, so the two must agree. `ahead_kept`: the decision left
    unchanged what the lines ahead of `start` were promised with (eta-v5 then walks from `start`)."""
    if policy in WHOLE_QUEUE or (policy == ETA_POLICY_V5 and not ahead_kept):
        return 0
    return start


ETA_PLANNERS = {
    ETA_POLICY: plan_etas,
    ETA_POLICY_V2: plan_etas_v2,
    ETA_POLICY_V3: plan_etas_v3,
    ETA_POLICY_V4: plan_etas_v4,
    ETA_POLICY_V5: plan_etas_v5,
    ETA_POLICY_V6: plan_etas_v6,
}


def eta_planner(policy: str) -> Callable[..., EtaPlan]:
    try:
        return ETA_PLANNERS[policy]
    except KeyError:
        raise UnknownPolicy(
            f"unknown ETA policy {policy!r}; known: {', '.join(sorted(ETA_PLANNERS))}"
        ) from None
