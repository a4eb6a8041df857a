"""Reading the demo's summary back from the engine's stored events.

Everything except the message tallies comes from the event log, so the
summary describes what was recorded, not what the simulation meant to do.
Times are message times: each decision names the message it was taken for,
and the Stock event holding the decision records that message's time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.order import order_uuid
from projections.analytics.promises import Promise, PromiseTally, judge
from simulation.ledger import READ as LEDGER_READ
from simulation.ledger import Ledger
from simulation.summary import DemoSummary
from simulation.world import DemoOptions

PAGE = 1000
# Events read in full; every other topic is only counted. Revised promises are read from
# Stock.EtasRevised: the Order.EtaRevised events of stores written before revisions stayed on
# the Stock repeat changes that Stock event holds, so they are counted and otherwise ignored.
DECODED = {
    "Order.Placed",
    "Order.LineAllocated",
    "Order.LineBackordered",
    "Order.BackorderFilled",
    "Order.AllocationRevoked",
    "Order.SubstituteAccepted",
    "Order.LineCancelled",
    "Order.LineShipped",
    "Stock.LineRequested",
    "Stock.QueueFilled",
    "Stock.AllocationsRevoked",
    "Stock.EtasRevised",
    "Stock.ReplenishmentSuggested",
    "Supplier.Registered",
    "Stock.Configured",
} | LEDGER_READ


@dataclass
class Tally:
    """Outcomes of the messages fed to the engine."""

    statuses: Counter = field(default_factory=Counter)
    applied_types: Counter = field(default_factory=Counter)
    rejections: list[str] = field(default_factory=list)
    # Message id -> its time, for what the log holds no business time of (a customer's cancel)
    sent_at: dict[str, datetime] = field(default_factory=dict)

    def add(self, outcome: Any, message: dict[str, Any] | None = None) -> None:
        if message is not None and isinstance(message.get("occurred_at"), str):
            self.sent_at[message["message_id"]] = datetime.fromisoformat(message["occurred_at"])
        status = getattr(outcome.status, "value", outcome.status)
        self.statuses[status] += 1
        if status == "applied":
            self.applied_types[outcome.message_type] += 1
        elif status == "rejected":
            self.rejections.append(f"{outcome.message_id} ({outcome.message_type}): {outcome.detail}")


@dataclass
class _Line:
    sku: str
    quantity: int
    at_order: int = 0  # units allocated by the message that placed the order
    waiting: int = 0
    backordered_at: datetime | None = None
    # (version of the line's Stock when it was made, date) of every promise the line was given
    promises: list[tuple[int, date | None]] = field(default_factory=list)
    told: list[Promise] = field(default_factory=list)  # the same, with supplier and confidence
    ended_at: datetime | None = None  # stopped waiting unfilled (cancelled, substitute accepted)
    filled_at: datetime | None = None
    filled_version: int | None = None  # the Stock version of the fill that left nothing waiting
    first_kept: bool | None = None
    last_kept: bool | None = None
    slip: int | None = None


def notifications(engine: Any):
    start = 1
    while True:
        page = engine.recorder.select_notifications(start=start, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def summarize(engine: Any, options: DemoOptions, tally: Tally) -> DemoSummary:
    counts: Counter = Counter()
    times: dict[str, datetime] = {}  # message id -> message time, from Stock decisions
    order_events: list[tuple[str, Any]] = []
    changes: list[tuple[tuple[Any, str], int, date | None]] = []  # ((order aggregate id, line), version, eta)
    annotated: dict[tuple[tuple[Any, str], int], tuple[str | None, float | None]] = {}  # -> (supplier, conf.)
    suggested_units = 0
    supplier_names: dict[str, str] = {}
    ledger = Ledger()
    planned = 0  # SKU settings changed by planning runs
    for note in notifications(engine):
        name = note.topic.rpartition(":")[2]
        counts[name] += 1
        if name not in DECODED:
            continue
        event = engine.mapper.to_domain_event(note)
        ledger.see(getattr(getattr(event, "decision", None), "as_of", None))
        if name in LEDGER_READ:
            ledger.add(name, event)
        if name.startswith("Order."):
            order_events.append((name, event))
        elif name == "Supplier.Registered":
            supplier_names[event.supplier_id] = event.name
        elif name in LEDGER_READ:
            continue
        elif name == "Stock.Configured":
            planned += (event.reason or "").startswith("planning run")
        elif name == "Stock.EtasRevised":
            version = event.originator_version
            changes += [((order_uuid(c.order_id), c.line_id), version, c.new) for c in event.plan.changes]
            for c in event.plan.changes:
                annotated[((order_uuid(c.order_id), c.line_id), version)] = (c.supplier_id, c.confidence)
        else:
            times.setdefault(event.decision.message_id, event.decision.as_of)
            if name == "Stock.ReplenishmentSuggested":
                suggested_units += event.quantity
    if options.warm_up_days:
        order_events, changes = _in_window(order_events, changes, options.window_start)
    lines, stats = _replay_orders(order_events, {**tally.sent_at, **times}, changes, annotated)
    promises = _promises_kept(lines, max(times.values()).date() if times else options.start)
    backordered = [line for line in lines.values() if line.backordered_at is not None]
    filled = [line for line in backordered if line.filled_at is not None]
    waits = sorted((line.filled_at - line.backordered_at).total_seconds() / 86400 for line in filled)
    promised = [line for line in filled if line.first_kept is not None]
    by_sku: dict[str, list[int]] = {}
    for line in backordered:
        entry = by_sku.setdefault(line.sku, [0, 0])
        entry[1] += 1
    for sku, units in stats["units_by_sku"].items():
        by_sku[sku][0] = units
    top = sorted(by_sku.items(), key=lambda item: (-item[1][0], item[0]))[:5]
    suppliers = []
    for supplier_id in sorted(supplier_names):
        supplier = engine.get_supplier(supplier_id)
        suppliers.append(
            (supplier_id, supplier_names[supplier_id], len(supplier.delays), supplier.lateness_days)
        )
    statuses = tally.statuses
    return DemoSummary(
        options=options,
        messages=sum(statuses.values()),
        applied=statuses["applied"],
        duplicate=statuses["duplicate"],
        rejected=statuses["rejected"],
        rejections=tuple(tally.rejections[:5]),
        message_types=tuple(sorted(tally.applied_types.items(), key=lambda item: (-item[1], item[0]))),
        orders=sum(1 for name, _ in order_events if name == "Order.Placed"),
        lines=len(lines),
        units=sum(line.quantity for line in lines.values()),
        lines_filled_at_order=sum(1 for line in lines.values() if line.at_order == line.quantity),
        backordered_lines=len(backordered),
        backordered_units=sum(stats["units_by_sku"].values()),
        filled_after_backorder=len(filled),
        still_waiting_lines=sum(1 for line in lines.values() if line.waiting > 0),
        wait_mean_days=sum(waits) / len(waits) if waits else None,
        wait_p90_days=_p90(waits),
        first_eta_kept=_mean([line.first_kept for line in promised]),
        last_eta_kept=_mean([line.last_kept for line in filled if line.last_kept is not None]),
        mean_slip_days=_mean([line.slip for line in promised]),
        eta_revisions=stats["eta_revisions"],
        lines_revised=stats["lines_revised"],
        customer_cancelled_lines=stats["cancelled_by_customer"],
        automatic_cancelled_lines=stats["cancelled_automatically"],
        substitute_offers=counts["Order.SubstituteOffered"],
        substitutes_accepted=counts["Order.SubstituteAccepted"],
        substitutes_declined=counts["Order.SubstituteDeclined"],
        revoked_lines=counts["Order.AllocationRevoked"],
        replenishment_suggestions=counts["Stock.ReplenishmentSuggested"],
        units_suggested=suggested_units,
        purchase_orders=counts["Supplier.PurchaseOrderPlaced"],
        delay_notices=counts["Supplier.PurchaseOrderDelayed"],
        receipts=counts["Supplier.PurchaseOrderReceived"],
        shipped_lines=sum(1 for name, _ in order_events if name == "Order.LineShipped"),
        shipped_units=stats["shipped_units"],
        back_in_stock_requests=counts["Stock.BackInStockRequested"],
        back_in_stock_announcements=counts["Stock.BackInStockAnnounced"],
        top_backordered=tuple((sku, units, n) for sku, (units, n) in top),
        suppliers=tuple(suppliers),
        promises=promises,
        mean_on_hand=ledger.mean_on_hand(options.window_start, options.days),
        units_over_capacity=ledger.units_over_capacity(options.window_start, options.days),
        warehouse_capacity=ledger.capacity_units(),
        purchase_spend=ledger.spend_from(options.window_start) if options.warm_up_days else ledger.spend,
        planning_runs=counts["PlanningRun.Started"],
        planned_settings=planned,
    )


def _in_window(
    order_events: list[tuple[str, Any]], changes: list[tuple[tuple[Any, str], int, date | None]], first: date
) -> tuple[list[tuple[str, Any]], list[tuple[tuple[Any, str], int, date | None]]]:
    """Only the orders placed on or after `first` (the summary's window, after a warm-up) and
    their lines' promises: what happens later to an order placed in the warm-up is the warm-up's."""
    early = {
        e.originator_id for name, e in order_events if name == "Order.Placed" and e.placed_at.date() < first
    }
    return (
        [(name, e) for name, e in order_events if e.originator_id not in early],
        [change for change in changes if change[0][0] not in early],
    )


def _replay_orders(
    events: list[tuple[str, Any]],
    times: dict[str, datetime],
    changes: list[tuple[tuple[Any, str], int, date | None]],
    annotated: dict[tuple[tuple[Any, str], int], tuple[str | None, float | None]] | None = None,
):
    """Follow every order line through its events, in each order's own sequence, and its
    Stock's changes to its promise (`changes`: (line key, Stock version, new date)).

    A change is a revision unless it is the promise the line was backordered with (the
    change its `Order.LineBackordered` names by `eta_decision`): that one the customer
    is told with the backorder itself. Promises are placed in time by their Stock's
    version, not by where the Stock's events fall among the orders' in the log.
    """
    lines: dict[tuple[Any, str], _Line] = {}
    placing: dict[Any, str] = {}  # order aggregate id -> message id that placed it
    told: set[tuple[tuple[Any, str], int]] = set()  # (line key, Stock version) promised with a backorder
    stats: dict[str, Any] = {
        "units_by_sku": Counter(),
        "eta_revisions": 0,
        "lines_revised": 0,
        "cancelled_by_customer": 0,
        "cancelled_automatically": 0,
        "shipped_units": 0,
    }
    for name, e in events:
        oid = e.originator_id
        if name == "Order.Placed":
            placing[oid] = e.message_id
            for spec in e.lines:
                lines[(oid, spec.line_id)] = _Line(sku=spec.sku, quantity=spec.quantity)
            continue
        key = (oid, e.line_id)
        line = lines[key]
        if name == "Order.LineAllocated":
            if e.decision.message_id == placing[oid]:
                line.at_order += e.quantity
        elif name == "Order.LineBackordered":
            line.waiting += e.quantity
            stats["units_by_sku"][line.sku] += e.quantity
            if line.backordered_at is None:
                line.backordered_at = times.get(e.decision.message_id)
            # No eta_decision: the line already waited there and keeps the promise it had.
            made_at = (e.eta_decision or e.decision).stock_version
            line.promises.append((made_at, e.eta))
            supplier, confidence = (annotated or {}).get((key, made_at), (None, None))
            line.told.append(Promise(made_at, e.eta, supplier, confidence))
            if e.eta_decision is not None:
                told.add((key, e.eta_decision.stock_version))
        elif name == "Order.BackorderFilled":
            line.waiting -= e.quantity
            if not line.waiting and line.backordered_at is not None and line.filled_at is None:
                _filled(line, times.get(e.decision.message_id), e.decision.stock_version)
        elif name == "Order.AllocationRevoked":
            line.waiting += e.quantity
        elif name == "Order.SubstituteAccepted":
            line.waiting -= e.quantity
            _ended(line, times.get(e.decision.message_id))
        elif name == "Order.LineCancelled":
            line.waiting -= e.withdrawn
            if e.withdrawn:
                _ended(line, times.get(e.decision.message_id) if e.decision else None)
            stats["cancelled_automatically" if e.automatic else "cancelled_by_customer"] += 1
        elif name == "Order.LineShipped":
            stats["shipped_units"] += sum(e.by_sku.values())
    revised: set[tuple[Any, str]] = set()
    for key, version, eta in changes:
        lines[key].promises.append((version, eta))
        supplier, confidence = (annotated or {}).get((key, version), (None, None))
        lines[key].told.append(Promise(version, eta, supplier, confidence))
        if (key, version) not in told:
            stats["eta_revisions"] += 1
            revised.add(key)
    stats["lines_revised"] = len(revised)
    for line in lines.values():
        _judge(line)
    return lines, stats


def _filled(line: _Line, when: datetime | None, version: int) -> None:
    if when is None:
        return
    line.filled_at = when
    line.filled_version = version


def _ended(line: _Line, when: datetime | None) -> None:
    if not line.waiting and line.filled_at is None and when is not None:
        line.ended_at = when


def _promises_kept(lines: dict[Any, _Line], today: date) -> PromiseTally:
    """First and latest promises kept, per supplier and by confidence (projections/analytics/promises.py)."""
    tally = PromiseTally()
    for line in lines.values():
        if line.backordered_at is None:
            continue
        tally.add(
            *judge(
                line.told,
                line.filled_at.date() if line.filled_at else None,
                line.filled_version,
                line.ended_at.date() if line.ended_at else None,
                today,
            )
        )
    return tally


def _judge(line: _Line) -> None:
    """Whether a filled line came by its first promised date, and by the one it held when filled."""
    if line.filled_at is None or line.filled_version is None:
        return
    when = line.filled_at.date()
    promises = sorted(line.promises, key=lambda promise: promise[0])
    first_eta = next((eta for _, eta in promises if eta is not None), None)
    held = [eta for version, eta in promises if version < line.filled_version]
    if first_eta is not None:
        line.first_kept = when <= first_eta
        line.slip = max(0, (when - first_eta).days)
    if held and held[-1] is not None:
        line.last_kept = when <= held[-1]


def _mean(values: list[Any]) -> float | None:
    return sum(values) / len(values) if values else None


def _p90(ordered: list[float]) -> float | None:
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * 9 // 10))
    return ordered[rank - 1]
