"""What a planning run reads: each SKU's daily demand and its supplier's lead time, up to an as-of date.

Folded from the store's own events (the notification log, read up to a recorded
position), never from a read model: a run is then a pure function of stored
events, and its replay reads exactly what it read. Demand is the units ordered
per day, by the order's `placed_at` (business time); lateness is what each
purchase order's first receipt showed against the date it was promised
(`Supplier`'s own rule), counted only for receipts on or before the as-of date.
Terms are configuration, not history: the latest terms recorded up to the
position are used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from hashlib import sha256
from typing import Any

import orjson
from eventsourcing.utils import get_topic

from domain.order import Order
from domain.stock import Stock
from domain.supplier import Supplier
from domain.values import SupplierPriority

READ = (
    Order.Placed,
    Stock.Registered,
    Supplier.Registered,
    Supplier.TermsUpdated,
    Supplier.PurchaseOrderPlaced,
    Supplier.PurchaseOrderConfirmed,
    Supplier.PurchaseOrderReceived,
)
TOPICS = [get_topic(cls) for cls in READ]
PAGE = 2000


@dataclass(frozen=True)
class Source:
    supplier_id: str
    lead_time_days: int
    delays: tuple[int, ...]


@dataclass
class History:
    """Each SKU's demand by day, its best supplier's terms and delays, and what the store said."""

    as_of: date
    log_position: int
    demand: dict[str, dict[date, int]] = field(default_factory=dict)
    skus: set[str] = field(default_factory=set)
    sources: dict[str, Source] = field(default_factory=dict)

    def series(self, sku: str) -> list[float]:
        """Units ordered per day from the SKU's first day with demand to the as-of date (empty: none)."""
        days = self.demand.get(sku)
        if not days:
            return []
        first = min(days)
        return [float(days.get(first + timedelta(n), 0)) for n in range((self.as_of - first).days + 1)]

    def fingerprint(self) -> str:
        """A hash of everything the run's figures depend on (not of events it does not use)."""
        canonical = {
            "as_of": self.as_of.isoformat(),
            "demand": {
                sku: sorted((d.isoformat(), q) for d, q in days.items()) for sku, days in self.demand.items()
            },
            "skus": sorted(self.skus),
            "sources": {
                sku: [s.supplier_id, s.lead_time_days, list(s.delays)] for sku, s in self.sources.items()
            },
        }
        return sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


def read_events(recorder: Any, mapper: Any, up_to: int) -> Iterator[Any]:
    """The planning events of the log, in order, up to notification `up_to`."""
    start = 1
    while start <= up_to:
        notes = recorder.select_notifications(start=start, limit=PAGE, stop=up_to, topics=TOPICS)
        if not notes:
            return
        for note in notes:
            yield mapper.to_domain_event(note)
        start = notes[-1].id + 1


def latest_business_time(events: Iterable[Any]) -> datetime | None:
    """The latest message time among the events (what the as-of defaults to: never the wall clock)."""
    latest = LatestTime()
    for _ in latest.noting(events):
        pass
    return latest.at


class LatestTime:
    """The latest message time of the events passed through `noting`, so a fold can find it too."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def noting(self, events: Iterable[Any]) -> Iterator[Any]:
        for e in events:
            when = _business_time(e)
            if when is not None and (self.at is None or when > self.at):
                self.at = when
            yield e


def _business_time(e: Any) -> datetime | None:
    if isinstance(e, Order.Placed):
        return e.placed_at
    if isinstance(e, Supplier.PurchaseOrderReceived):
        return datetime.combine(e.on, time(0, 0), UTC)
    at = getattr(e, "at", None)
    return at if isinstance(at, datetime) else None


def utc_day(moment: datetime) -> date:
    """Days are UTC days: an order placed at 01:00+07:00 counts on the day before, in every run."""
    return moment.astimezone(UTC).date()


def fold(events: Iterable[Any], as_of: date, log_position: int) -> History:
    history = History(as_of=as_of, log_position=log_position)
    folder = _Folder(history)
    for e in events:
        folder.take(e)
    history.sources = folder.sources()
    return history


class _Folder:
    def __init__(self, history: History) -> None:
        self.h = history
        self.terms: dict[str, dict[str, tuple[int, SupplierPriority]]] = defaultdict(dict)  # sku -> supplier
        self.promised: dict[tuple[str, str], date] = {}
        self.observed: set[tuple[str, str]] = set()
        self.delays: dict[str, list[int]] = defaultdict(list)
        self.names: dict[Any, str] = {}  # aggregate id -> SKU or supplier id, from its creation event

    def take(self, e: Any) -> None:
        if isinstance(e, Order.Placed):
            day = utc_day(e.placed_at)
            if day <= self.h.as_of:
                for line in e.lines:
                    days = self.h.demand.setdefault(line.sku, {})
                    days[day] = days.get(day, 0) + line.quantity
        elif isinstance(e, Stock.Registered):
            self.names[e.originator_id] = e.sku
            self.h.skus.add(e.sku)
        elif isinstance(e, Supplier.Registered | Supplier.TermsUpdated):
            if isinstance(e, Supplier.Registered):
                self.names[e.originator_id] = e.supplier_id
            self._terms(self.names[e.originator_id], e.terms)
        else:
            self._purchase(e)

    def _terms(self, supplier_id: str, terms: list[Any]) -> None:
        for known in self.terms.values():
            known.pop(supplier_id, None)
        for t in terms:
            self.terms[t.sku][supplier_id] = (t.lead_time_days, t.priority)
            self.h.skus.add(t.sku)

    def _purchase(self, e: Any) -> None:
        key = (self.names[e.originator_id], e.po_id)
        if isinstance(e, Supplier.PurchaseOrderPlaced | Supplier.PurchaseOrderConfirmed):
            if e.at is None or utc_day(e.at) <= self.h.as_of:
                self.promised[key] = e.expected
        elif isinstance(e, Supplier.PurchaseOrderReceived):
            if e.on <= self.h.as_of and key not in self.observed and key in self.promised:
                self.observed.add(key)
                self.delays[key[0]].append((e.on - self.promised[key]).days)

    def sources(self) -> dict[str, Source]:
        found = {}
        for sku, offers in self.terms.items():
            if offers:
                best = min(offers, key=lambda s: (offers[s][1] != SupplierPriority.PRIMARY, offers[s][0], s))
                found[sku] = Source(best, offers[best][0], tuple(self.delays.get(best, ())))
        return found
