"""`antrian capacity`: each warehouse's stock projected from the store, and what to do about it.

The inputs come from the write side, as `antrian plan run`'s do: every Stock (on hand
per warehouse, allocated, waiting, open PO lines with their supplier's lateness, unit
volume), every Warehouse's capacity, the units each SKU received per warehouse (from
its `Stock.Received` events, for the home-warehouse rule) and the latest planning run's
daily forecast. The projection itself is pure (domain/capacity.py, capacity_advice.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import fmean
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from eventsourcing.utils import get_topic
from pydantic import BaseModel, ConfigDict

from domain.capacity import Arrival, Capacity, CapacityInputs, SkuInput, home_warehouse
from domain.capacity_advice import Outlook, outlook, split
from domain.planning_run import PlanningRun
from domain.stock import Stock
from domain.warehouse import Warehouse
from services.topic_log import TopicLog

DEFAULT_WEEKS = 8
DESTINATION_RULE = (
    "a purchase order names no warehouse: its units go to each SKU's home warehouse, the one that "
    "received most of its units (ties: first by name; none received: the one holding most; else main)"
)
TAIL_DAYS = 7  # past the run's forecast: the mean of its last week


class CapacityOutlook(BaseModel):
    """What `antrian capacity --json` prints and `GET /capacity` serves."""

    model_config = ConfigDict(frozen=True)

    as_of: date | None
    weeks: int
    demand: str  # where the demand came from
    run_id: str | None
    destination_rule: str
    warehouses: list[Outlook]


@dataclass(frozen=True)
class Gathered:
    inputs: CapacityInputs | None
    demand: str
    run_id: str | None
    lead_days: dict[str, dict[str, int]] = field(default_factory=dict)  # SKU -> supplier -> lead + lateness


def capacity_outlook(engine: Any, weeks: int = DEFAULT_WEEKS) -> CapacityOutlook:
    gathered = gather(engine, weeks)
    inputs = gathered.inputs
    return CapacityOutlook(
        as_of=inputs.as_of if inputs else None,
        weeks=weeks,
        demand=gathered.demand,
        run_id=gathered.run_id,
        destination_rule=DESTINATION_RULE,
        warehouses=outlook(inputs) if inputs else [],
    )


def gather(engine: Any, weeks: int) -> Gathered:
    engine.catch_up()  # aggregates other writers changed since this engine looked (a long-lived server)
    followed = _followed(engine)
    stocks = [s for s in map(engine.repository.get, followed.stocks) if isinstance(s, Stock)]
    warehouses = _warehouses(engine, followed)
    as_of = _as_of(stocks, warehouses)
    run = None if followed.last_run is None else engine.repository.get(followed.last_run)
    if as_of is None:
        return Gathered(None, "nothing in the store yet", None)
    received = {stock.sku: followed.received.get(stock.id, {}) for stock in stocks}
    skus, arrivals = [], []
    lead_days = {
        stock.sku: {sid: src.lead_time_days + src.lateness_days for sid, src in stock.sources.items()}
        for stock in stocks
    }
    for stock in sorted(stocks, key=lambda s: s.sku):
        home = home_warehouse(received.get(stock.sku, {}), stock.on_hand)
        forecast = _demand(run, stock.sku, as_of, 7 * weeks)
        skus.append(
            SkuInput(
                stock.sku,
                dict(stock.on_hand),
                home,
                stock.allocated,
                stock.waiting,
                stock.unit_volume,
                forecast,
            )
        )
        arrivals += [
            Arrival(line.po_id, line.supplier_id, stock.sku, line.quantity, line.arrival, home)
            for line in sorted(stock.inbound.values(), key=lambda line: line.key)
        ]
    capacities = [
        Capacity(w.warehouse, w.capacity_units, w.capacity_volume)
        for w in sorted(warehouses, key=lambda w: w.warehouse)
        if w.limited
    ]
    inputs = CapacityInputs(as_of, 7 * weeks, skus, arrivals, capacities)
    if run is None:
        demand = (
            "no planning run yet (`antrian plan run`): no demand is projected, only POs and waiting units"
        )
    else:
        demand = f"forecast of planning run {run.id} as of {run.as_of} (past its end: its last week's mean)"
    return Gathered(inputs, demand, str(run.id) if run else None, lead_days)


def _as_of(stocks: Sequence[Stock], warehouses: Sequence[Warehouse]) -> date | None:
    """The latest time a SKU decided at or a warehouse was configured (never the wall clock)."""
    times = [s.clock for s in stocks if s.clock] + [w.configured_at for w in warehouses if w.configured_at]
    return max(times).date() if times else None


def _demand(run: PlanningRun | None, sku: str, as_of: date, days: int) -> list[float]:
    plan = run.plans.get(sku) if run else None
    if run is None or plan is None or not plan.forecast:
        return []
    skip = (as_of - run.as_of).days  # the forecast's day 1 is the day after the run's as-of
    forecast = [0.0] * max(0, -skip) + list(plan.forecast[max(0, skip) :])
    tail = fmean(plan.forecast[-TAIL_DAYS:])
    return (forecast + [tail] * days)[:days]


@dataclass
class _Followed:
    """What the log has said so far that the projection needs, read on as the log grows (TopicLog)."""

    stocks: list[UUID] = field(default_factory=list)
    warehouses: list[UUID] = field(default_factory=list)
    received: dict[UUID, dict[str, int]] = field(default_factory=dict)  # Stock id -> warehouse -> units
    last_run: UUID | None = None
    logs: list[TopicLog] = field(default_factory=list)


_FOLLOWED: WeakKeyDictionary[Any, _Followed] = (
    WeakKeyDictionary()
)  # per engine: a server asks again and again


def _followed(engine: Any) -> _Followed:
    found = _FOLLOWED.get(engine)
    if found is None:
        found = _FOLLOWED[engine] = _Followed()
        kept, mapper = found, engine.mapper  # never the engine: the cache would keep its own key alive
        folds = {
            get_topic(Stock.Registered): lambda n: kept.stocks.append(n.originator_id),
            get_topic(Warehouse.Registered): lambda n: kept.warehouses.append(n.originator_id),
            get_topic(Stock.Received): lambda n: _received(kept, mapper.to_domain_event(n), n.originator_id),
            get_topic(PlanningRun.Started): lambda n: setattr(kept, "last_run", n.originator_id),
        }
        # One log over the four topics: a topic filter still reads the whole log the first time.
        found.logs = [TopicLog(engine.recorder, list(folds), lambda n: folds[n.topic](n))]
    for log in found.logs:
        log.catch_up()
    return found


def _received(kept: _Followed, event: Any, stock: UUID) -> None:
    per = kept.received.setdefault(stock, {})
    per[event.warehouse] = per.get(event.warehouse, 0) + event.quantity


def _warehouses(engine: Any, followed: _Followed) -> list[Warehouse]:
    return [w for w in map(engine.repository.get, followed.warehouses) if isinstance(w, Warehouse)]


def split_of(inputs: CapacityInputs, sku: str, quantity: int, arrives: date) -> list[tuple[date, int]] | None:
    own = next((s for s in inputs.skus if s.sku == sku), None)
    home = own.home if own else "main"
    if home not in {c.warehouse for c in inputs.capacities}:
        return None
    parts = split(inputs, sku, quantity, max(arrives, inputs.as_of + timedelta(days=1)), home)
    return parts if len(parts) > 1 else None


def worklist_splits(
    engine: Any, wanted: Sequence[tuple[str, str, int]], weeks: int = DEFAULT_WEEKS
) -> dict[str, tuple[str, list[tuple[date, int]]]]:
    """For the replenishment worklist's (SKU, supplier, quantity) rows: those whose quantity, ordered
    now and arriving after the supplier's lead time and lateness, would overflow the SKU's home
    warehouse; each with that warehouse and the split over weeks that fits."""
    return {sku: (home, parts) for sku, _, home, _, parts in _splits(engine, wanted, weeks)}


def fitting_now(
    engine: Any, wanted: Sequence[tuple[str, str, int]], weeks: int = DEFAULT_WEEKS
) -> dict[tuple[str, str], int]:
    """For the (SKU, supplier) rows `worklist_splits` would split: the units that fit on the day they
    would arrive if ordered now (0: nothing fits before a later week). A buyer who follows the split
    orders those today and leaves the rest suggested, to be checked again another day. Each row is
    checked alone, as the worklist shows it: two rows arriving together may fit apart and not both."""
    return {
        (sku, supplier_id): parts[0][1] if parts[0][0] <= arrives else 0
        for sku, supplier_id, _, arrives, parts in _splits(engine, wanted, weeks)
    }


def _splits(
    engine: Any, wanted: Sequence[tuple[str, str, int]], weeks: int
) -> Iterator[tuple[str, str, str, date, list[tuple[date, int]]]]:
    """(SKU, supplier, home warehouse, arrival if ordered now, split) of each row that would overflow."""
    if not wanted or not capacity_configured(engine):
        return  # no capacity to overflow: the worklist costs no projection
    gathered = gather(engine, weeks)
    inputs = gathered.inputs
    if inputs is None:
        return
    for sku, supplier_id, quantity in wanted:
        days = gathered.lead_days.get(sku, {}).get(supplier_id, 0)
        arrives = max(inputs.as_of + timedelta(days=days), inputs.as_of + timedelta(days=1))
        parts = split_of(inputs, sku, quantity, arrives)
        if parts is not None:
            own = next((s for s in inputs.skus if s.sku == sku), None)
            yield sku, supplier_id, own.home if own else "main", arrives, parts


def split_text(warehouse: str, parts: Sequence[tuple[date, int]]) -> str:
    said = ", then ".join(f"{quantity:,} to arrive {arrives}" for arrives, quantity in parts)
    return f"would overflow {warehouse}: split it: {said}"


def worklist_marks(
    engine: Any, wanted: Sequence[tuple[str, str, int]]
) -> tuple[dict[str, tuple[str, list[tuple[date, int]]]], dict[str, str]]:
    """`worklist_splits` and how each reads, for projections/purchasing/capacity_marks.py."""
    splits = worklist_splits(engine, wanted)
    return splits, {sku: split_text(warehouse, parts) for sku, (warehouse, parts) in splits.items()}


def capacity_configured(engine: Any) -> bool:
    """Some warehouse has a capacity: without one there is nothing to project against, so the worklist's
    marks and the report's outlook cost no projection."""
    engine.catch_up()
    return any(w.limited for w in _warehouses(engine, _followed(engine)))
