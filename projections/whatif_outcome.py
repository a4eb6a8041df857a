"""One history's outcome, read off an event store: the same function for the real store and a what-if's.

The store's notification log is run through the analytics projection (the facts
`antrian report` reads) into a read store in memory, and the report's own
functions give the figures, so a what-if and the report can never define a fill
rate two ways. Only the events those facts come from are read (a topic filter: the
Stock's events but its shipments, sources and inbound supply, and the Order's
placements, backorders and cancellations), each mapped to its outbound form as the
embedded feed maps it; the analytics read no causation, so none is tracked. Beside them, two facts the report does not keep: each order's tier
(per-tier waits) and the units redistributed. A redistribution is two decisions under a
`redistribute*` policy: the units taken back from the losing lines (Stock.AllocationsRevoked)
and the same units handed to the line that takes them (Stock.QueueFilled). The units are
counted once, from the taking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from projections.analytics.lines import LineOutcome, follow
from projections.analytics.projection import AnalyticsProjection
from projections.analytics.query import read_report
from projections.analytics.report import Report, fill_rate, in_range, mean, p90, waits
from projections.base import Projection
from projections.event import ProjectedEvent
from projections.positions import LOG_FEED
from projections.store import SqliteReadStore, Tx
from services.outbound import BY_DOMAIN_EVENT, to_outbound

REDISTRIBUTE = "redistribute"
TAKEN = "Stock.AllocationsRevoked"  # the half of a redistribution counted (the other hands the same units on)
PAGE = 5000
ORDER_FACTS = frozenset({"Order.Placed", "Order.LineBackordered", "Order.LineCancelled"})
# Stock events that never carry an allocation decision: the bulk of a log, left unread.
NOT_DECISIONS = frozenset({"Stock.Shipped", "Stock.SourceSet", "Stock.InboundScheduled", "Stock.Registered"})
TOPICS = tuple(
    get_topic(cls)
    for cls in BY_DOMAIN_EVENT
    if cls.__qualname__ in ORDER_FACTS
    or (cls.__qualname__.startswith("Stock.") and cls.__qualname__ not in NOT_DECISIONS)
)


class WhatIfFacts(Projection):
    """Orders' tiers and units redistributed: what a what-if compares beyond the report's facts."""

    name: ClassVar[str] = "whatif"
    tables: ClassVar[dict[str, str]] = {
        "whatif_tiers": "order_id TEXT PRIMARY KEY, tier TEXT NOT NULL",
        "whatif_redistributed": "notification_id BIGINT PRIMARY KEY, units INTEGER NOT NULL",
    }

    def apply(self, tx: Tx, event: ProjectedEvent) -> bool:
        if event.event_type == "Order.Placed":
            tx.execute(
                "INSERT OR REPLACE INTO whatif_tiers VALUES (?, ?)",
                (event.data["order_id"], event.data["customer_tier"]),
            )
            return True
        decision = event.data.get("decision")
        policy = decision.get("policy") if isinstance(decision, dict) else None
        if event.event_type == TAKEN and isinstance(policy, str) and policy.startswith(REDISTRIBUTE):
            tx.execute(
                "INSERT OR IGNORE INTO whatif_redistributed VALUES (?, ?)",
                (event.notification_id, units_moved(event.data)),
            )
            return True
        return False


def units_moved(data: Any) -> int:
    """The units an event moved: its `quantity`, else the sum of its items' (lists of moves)."""
    if isinstance(data, dict):
        if isinstance(data.get("quantity"), int):
            return int(data["quantity"])
        return sum(units_moved(v) for k, v in data.items() if k != "decision" and isinstance(v, list))
    if isinstance(data, list):
        return sum(units_moved(item) for item in data)
    return 0


@dataclass(frozen=True)
class TierFigures:
    lines: int
    fill_rate: float | None
    backordered: int
    wait_mean_days: float | None
    wait_p90_days: float | None


@dataclass
class HistoryOutcome:
    report: Report  # the report's figures over the range (but the suppliers': their events are not read)
    lines: list[LineOutcome]  # every line ordered in the range
    tiers: dict[str, str]  # order id -> tier
    redistributed_units: int = 0
    by_tier: dict[str, TierFigures] = field(default_factory=dict)


def history_outcome(
    recorder: Any, mapper: Any, start: date | None = None, end: date | None = None
) -> HistoryOutcome:
    """The outcome of the history an event store holds, for lines ordered in start..end (business days)."""
    store = SqliteReadStore(":memory:")
    try:
        projections = (AnalyticsProjection(), WhatIfFacts())
        with store.transaction() as tx:
            for projection in projections:
                projection.create(tx)
            for event in _events(recorder, mapper):
                for projection in projections:
                    projection.apply(tx, event)
        with store.reading() as tx:
            report = read_report(tx, start, end)
            lines = _lines(tx, start, end)
            tiers = dict(tx.all("SELECT order_id, tier FROM whatif_tiers"))
            moved = tx.one("SELECT COALESCE(SUM(units), 0) FROM whatif_redistributed")
    finally:
        store.close()
    outcome = HistoryOutcome(report, lines, tiers, int(moved[0]) if moved else 0)
    outcome.by_tier = per_tier(lines, tiers)
    return outcome


def _events(recorder: Any, mapper: Any) -> Iterator[ProjectedEvent]:
    start = 1
    while notes := recorder.select_notifications(start, PAGE, topics=TOPICS):
        for note in notes:
            outbound = to_outbound(mapper.to_domain_event(note), note.id, None)
            if outbound is not None:
                yield ProjectedEvent.from_envelope(outbound.model_dump(mode="json"), LOG_FEED, note.id + 1)
        start = notes[-1].id + 1


def _lines(tx: Tx, start: date | None, end: date | None) -> list[LineOutcome]:
    outcomes, _ = follow(
        tx.dicts("SELECT * FROM analytics_requests"),
        tx.dicts("SELECT * FROM analytics_movements"),
        dict(
            ((k, line), eta)
            for k, line, eta in tx.all("SELECT order_key, line_id, first_eta FROM analytics_promises")
        ),
        tx.dicts("SELECT order_key, line_id, automatic FROM analytics_cancellations"),
    )
    return [line for line in outcomes if in_range(line.day, start, end)]


def per_tier(lines: Iterable[LineOutcome], tiers: dict[str, str]) -> dict[str, TierFigures]:
    grouped: dict[str, list[LineOutcome]] = defaultdict(list)
    for line in lines:
        grouped[tiers.get(line.order_id, "unknown")].append(line)
    figures = {}
    for tier, group in sorted(grouped.items()):
        waited = waits(group)
        figures[tier] = TierFigures(
            lines=len(group),
            fill_rate=fill_rate(group),
            backordered=sum(line.backordered > 0 for line in group),
            wait_mean_days=mean(waited),
            wait_p90_days=p90(waited),
        )
    return figures
