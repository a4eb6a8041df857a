"""What happened to every order line, read back from the store's events (never from the world's intentions).

For each SKU the Stock's events give, at the SKU's decision time (`decision.as_of`), the
units each line was allocated (`LineRequested`, `QueueFilled`), lost (`AllocationsRevoked`,
`Released` on a cancel) and the units received; each order's events give its first promise
(the first `LineBackordered`'s ETA) and whether a cancel was the customer's or automatic
(a maximum wait). The Order's final state is read separately and compared: a line whose
units the Stock's events do not explain is counted in `mismatched` (a decision event this
reader does not know: `unread` names them), so that a figure is never silently wrong.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.order import order_uuid
from domain.stock import stock_id

# Stock events that move no units between lines (or that this reader handles below).
_KNOWN = {
    "Registered", "Configured", "SourceSet", "SourceRemoved", "SubstitutesDeclared", "SubstituteForSet",
    "LineRequested", "QueueFilled", "AllocationsRevoked", "EtasRevised", "LineReleasedAhead",
    "ReleaseWithdrawn", "Received", "Adjusted", "Shipped", "Released", "Withdrawn", "InboundScheduled",
    "InboundCancelled", "ReplenishmentSuggested", "SuggestionReduced", "FailoverSuggested",
    "FailoverReduced", "BackInStockRequested", "BackInStockAnnounced",
}  # fmt: skip


@dataclass
class LineOutcome:
    """One order line on its own SKU: when it asked, what it was promised, when its units came."""

    sku: str
    order_id: str
    line_id: str
    tier: str
    quantity: int
    requested_at: datetime  # the SKU's decision time for the request
    changes: list[tuple[datetime, int]] = field(default_factory=list)  # units held (allocated or shipped)
    first_eta: date | None = None  # the first promise of a backordered line
    immediate: bool = False  # every unit allocated when it asked
    customer_cancelled: bool = False
    auto_cancelled: bool = False
    final_held: int | None = None  # from the Order's final state (allocated + shipped)

    def unit_times(self) -> list[datetime]:
        """When each unit it holds at the end was last allocated: unit u at the last rise through level u.

        The line holds at least u units from that time on, so these times never
        count a unit that was later taken back (a revocation, a redistribution).
        """
        since: list[datetime] = []
        held = 0
        for at, delta in self.changes:
            if delta > 0:
                since[held:] = [at] * delta
            held = max(0, held + delta)
            del since[held:]
        return since[: self.quantity]

    @property
    def filled(self) -> int:
        return len(self.unit_times())

    @property
    def completed_at(self) -> datetime | None:
        """When its last unit came, if every unit came."""
        times = self.unit_times()
        return max(times) if len(times) == self.quantity else None


@dataclass
class RunOutcome:
    lines: list[LineOutcome]
    supply: dict[str, list[tuple[datetime, int]]]  # sku -> (decision time, units received)
    end: datetime  # the horizon: units still waiting wait until then
    unread: Counter[str] = field(default_factory=Counter)
    mismatched: int = 0


def read(engine: Any, skus: list[str], horizon: datetime) -> RunOutcome:
    lines: dict[tuple[str, str, str], LineOutcome] = {}
    supply: dict[str, list[tuple[datetime, int]]] = {}
    unread: Counter[str] = Counter()
    end = horizon
    for sku in skus:
        supply[sku] = []
        last = horizon
        for event in engine.events.get(stock_id(sku)):
            last = _stock_event(event, sku, lines, supply[sku], unread, last)
            end = max(end, last)
    outcome = RunOutcome(list(lines.values()), supply, end, unread)
    _read_orders(engine, lines, outcome)
    return outcome


def _stock_event(
    event: Any,
    sku: str,
    lines: dict[tuple[str, str, str], LineOutcome],
    supply: list[tuple[datetime, int]],
    unread: Counter[str],
    last: datetime,
) -> datetime:
    """Apply one Stock event to the lines and the supply; return the SKU's latest decision time."""
    name = type(event).__name__
    decision = getattr(event, "decision", None)
    at: datetime = decision.as_of if decision is not None else (getattr(event, "at", None) or last)
    if name == "LineRequested":
        r = event.request
        if r.substitute_for is None:
            key = (sku, r.order_id, r.line_id)
            line = lines.get(key)
            if line is None:
                line = lines[key] = LineOutcome(
                    sku,
                    r.order_id,
                    r.line_id,
                    r.tier.value,
                    r.quantity,
                    at,
                    immediate=not event.plan.backorder,
                )
            if event.plan.allocate:
                line.changes.append((at, event.plan.allocate))
    elif name in ("QueueFilled", "AllocationsRevoked"):
        sign = 1 if name == "QueueFilled" else -1
        for fill in event.fills if sign > 0 else event.revoked:
            _change(lines, sku, fill.order_id, fill.line_id, at, sign * fill.quantity)
    elif name == "Released":
        _change(lines, sku, event.order_id, event.line_id, at, -event.quantity)
    elif name == "Received":
        supply.append((at, event.quantity))
    elif name == "Adjusted" and event.counted > event.previous:
        supply.append((at, event.counted - event.previous))  # more units: an upper bound on supply
    elif name not in _KNOWN:
        unread[name] += 1
    return max(last, at)


def _change(
    lines: dict[tuple[str, str, str], LineOutcome],
    sku: str,
    order_id: str,
    line_id: str,
    at: datetime,
    units: int,
) -> None:
    line = lines.get((sku, order_id, line_id))
    if line is not None:
        line.changes.append((at, units))


def _read_orders(engine: Any, lines: dict[tuple[str, str, str], LineOutcome], outcome: RunOutcome) -> None:
    by_order: dict[str, list[LineOutcome]] = {}
    for line in lines.values():
        by_order.setdefault(line.order_id, []).append(line)
    for order_id, mine in by_order.items():
        ours = {line.line_id: line for line in mine}
        promised: set[str] = set()
        for event in engine.events.get(order_uuid(order_id)):
            name = type(event).__name__
            told = ours.get(getattr(event, "line_id", ""))
            if told is None:
                continue
            if name == "LineBackordered" and told.line_id not in promised:
                promised.add(told.line_id)
                told.first_eta = event.eta
            elif name == "LineCancelled":
                told.auto_cancelled |= event.automatic
                told.customer_cancelled |= not event.automatic
        order = engine.get_order(order_id)
        for line in mine:
            state = order.lines[line.line_id]
            line.final_held = state.allocated.get(line.sku, 0) + state.shipped
            if line.final_held != line.filled and not line.customer_cancelled:
                outcome.mismatched += 1
