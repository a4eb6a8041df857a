"""The demo's summary: what the run did, as numbers and as readable text."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from projections.analytics.promises import PromiseTally, Share
from simulation.world import DemoOptions


@dataclass(frozen=True)
class DemoSummary:
    """Counts and rates of one demo run; `render()` gives the plain-text report.

    Lines are order lines. A line is backordered if any of it had to wait when
    it was placed; it is filled once the last waiting unit was allocated to it
    (not by accepting a substitute). Waits are in days of simulated time.
    """

    options: DemoOptions
    messages: int
    applied: int
    duplicate: int
    rejected: int
    rejections: tuple[str, ...]  # the first few, "message_id (type): reason"
    message_types: tuple[tuple[str, int], ...]  # applied messages by type, most first
    orders: int
    lines: int
    units: int
    lines_filled_at_order: int
    backordered_lines: int
    backordered_units: int
    filled_after_backorder: int
    still_waiting_lines: int
    wait_mean_days: float | None
    wait_p90_days: float | None
    first_eta_kept: float | None  # share of filled lines filled on or before their first ETA
    last_eta_kept: float | None  # ... on or before the ETA they held when filled
    mean_slip_days: float | None  # days past the first ETA, early counting as 0
    eta_revisions: int
    lines_revised: int
    customer_cancelled_lines: int
    automatic_cancelled_lines: int
    substitute_offers: int
    substitutes_accepted: int
    substitutes_declined: int
    revoked_lines: int
    replenishment_suggestions: int
    units_suggested: int
    purchase_orders: int
    delay_notices: int
    receipts: int
    shipped_lines: int
    shipped_units: int
    back_in_stock_requests: int
    back_in_stock_announcements: int
    top_backordered: tuple[tuple[str, int, int], ...]  # (sku, units, lines)
    suppliers: tuple[tuple[str, str, int, int], ...]  # (id, name, deliveries, observed lateness)
    # Promises kept, counting lines still waiting (or cancelled) after their date as not kept
    promises: PromiseTally = field(default_factory=PromiseTally)
    mean_on_hand: float = 0.0  # mean over the days of the units on hand at the day's end, all SKUs
    units_over_capacity: int = 0  # sum over the days of the units on hand above the warehouse's capacity
    warehouse_capacity: int | None = None  # units, as configured last (None: no capacity configured)
    purchase_spend: Decimal = Decimal(0)  # purchase order units times the supplier's unit cost
    planning_runs: int = 0
    planned_settings: int = 0  # SKU settings changed by applying planning runs

    @property
    def fill_rate(self) -> float:
        return self.lines_filled_at_order / self.lines if self.lines else 0.0

    def render(self) -> str:
        o = self.options
        rows: list[str] = [
            f"Antrian demo: seed {o.seed}, {o.days} days from {o.window_start.isoformat()}, "
            f"{o.skus} SKUs, about {o.orders_per_day} orders a day, planning {'on' if o.planning else 'off'}",
            *_warm_up(o),
            "",
            f"Messages       {self.messages:,} sent: {self.applied:,} applied, "
            f"{self.duplicate:,} duplicate, {self.rejected:,} rejected",
            *(f"  rejected     {reason}" for reason in self.rejections),
            *_wrap("  by type      ", [f"{name} {count:,}" for name, count in self.message_types]),
            f"Orders         {self.orders:,} orders, {self.lines:,} lines, {self.units:,} units",
            f"Fill rate      {self.fill_rate:.1%} of lines fully allocated when ordered",
            f"Backorders     {self.backordered_lines:,} lines ({self.backordered_units:,} units) backordered; "
            f"{self.filled_after_backorder:,} filled later, {self.still_waiting_lines:,} still waiting",
            f"  wait         mean {_days(self.wait_mean_days)}, p90 {_days(self.wait_p90_days)} "
            "(backordered until filled)",
            f"  ETA accuracy {_share(self.first_eta_kept)} of the lines filled came by their first ETA "
            f"(mean slip {_days(self.mean_slip_days)}), {_share(self.last_eta_kept)} by their latest "
            "(filled lines only: the report's ETA accuracy; promises kept, below, judges every due promise)",
            f"  revisions    {self.eta_revisions:,} ETA revisions on {self.lines_revised:,} lines",
            f"Cancellations  {_n(self.customer_cancelled_lines, 'line')} by customers, "
            f"{_n(self.automatic_cancelled_lines, 'line')} automatically (maximum wait passed)",
            f"Substitutes    {self.substitute_offers:,} offered, {self.substitutes_accepted:,} accepted, "
            f"{self.substitutes_declined:,} declined",
            f"Purchasing     {_n(self.replenishment_suggestions, 'replenishment suggestion')} "
            f"({_n(self.units_suggested, 'unit')}); {_n(self.purchase_orders, 'purchase order')}, "
            f"{_n(self.delay_notices, 'delay notice')}, {_n(self.receipts, 'receipt')}",
            f"Warehouse      {_n(self.shipped_lines, 'line shipment')} ({_n(self.shipped_units, 'unit')}); "
            f"{_n(self.revoked_lines, 'allocation')} taken back after cycle counts",
            f"Back in stock  {_n(self.back_in_stock_requests, 'request')}, "
            f"{_n(self.back_in_stock_announcements, 'announcement')}",
            f"Stock          {self.mean_on_hand:,.0f} units on hand on a mean day; "
            + (
                f"{_n(self.units_over_capacity, 'unit-day')} over the warehouse's capacity "
                f"({self.warehouse_capacity:,} units)"
                if self.warehouse_capacity is not None
                else "no warehouse capacity configured"
            ),
            f"Spend          {self.purchase_spend:,.2f} on purchase orders (units x the supplier's unit cost)",
        ]
        if o.planning:
            rows.append(
                f"Planning       {_n(self.planning_runs, 'planning run')} (one a week), "
                f"{_n(self.planned_settings, 'SKU setting')} changed by applying them"
            )
        if self.top_backordered:
            rows.append("Most backordered SKUs")
            rows += [
                f"  {sku:<12} {units:>5,} units on {lines:,} lines"
                for sku, units, lines in self.top_backordered
            ]
        rows += self._promises_kept()
        if self.suppliers:
            rows.append("Suppliers (observed lateness: p90 of delivered purchase orders)")
            rows += [
                f"  {sid:<7} {name:<18} {late:>2} day{' ' if late == 1 else 's'} late "
                + (
                    f"over {_n(deliveries, 'delivery', 'deliveries')}"
                    if deliveries
                    else "assumed, no deliveries yet"
                )
                for sid, name, deliveries, late in self.suppliers
            ]
        return "\n".join(rows)

    def _promises_kept(self) -> list[str]:
        p = self.promises
        if not p.first.judged and not p.latest.judged:
            return []
        rows = [
            f"Promises kept  first {_kept(p.first)}, latest {_kept(p.latest)} (filled by the date; still "
            "waiting or cancelled after it: not kept; not yet due: not counted)"
        ]
        for supplier in p.suppliers:
            first = p.first_by_supplier.get(supplier, Share())
            latest = p.latest_by_supplier.get(supplier, Share())
            rows.append(f"  {supplier:<12} first {_kept(first)}, latest {_kept(latest)}")
        return rows


def _warm_up(o: DemoOptions) -> list[str]:
    if not o.warm_up_days:
        return []
    return [
        f"(the shop opened {o.warm_up_days} days earlier, on {o.start.isoformat()}. Orders, fill, backorders,",
        f" waits, promises, cancellations, shipments, stock and spend: the orders and days of these {o.days};",
        " messages and the engine's counts of offers, suggestions, POs and receipts: the whole run)",
    ]


def _kept(share: Share) -> str:
    return f"{_share(share.rate)} of {share.judged:,}"


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def _wrap(head: str, items: list[str], width: int = 100) -> list[str]:
    rows, row = [], head
    for item in items:
        if row != head and len(row) + len(item) + 2 > width:
            rows.append(row.rstrip(", ") + ",")
            row = " " * len(head)
        row += item + ", "
    if items:
        rows.append(row.rstrip(", "))
    return rows


def _days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} days"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
