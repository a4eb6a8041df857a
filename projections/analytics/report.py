"""Service analytics for a date range, computed from the stored facts by pure functions.

Every figure counts business time (the decision's as-of, the supplier's
dates), never when Antrian recorded an event, so a replayed or late-relayed
history reports the same. The definitions below are printed under the report.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.order import Order
from projections.analytics.lines import LineOutcome
from projections.analytics.promises import Promise, PromiseTally, judge
from projections.analytics.suppliers import Receipt

NOMINAL = {"eta-v1": 0.9}  # a policy's stated confidence, for promises recorded before they named one

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("range", "order lines whose order message's business day falls in --from..--to (inclusive)"),
    ("demand", "units (and lines) ordered per SKU per business day / ISO week; substitutes excluded"),
    ("fill rate", "lines fully allocated by the message that placed the order / lines ordered"),
    ("backorder rate", "lines with any unit backordered at order time / lines ordered"),
    (
        "wait",
        "business time of the fill that left nothing waiting minus the order time, in days, "
        "over backordered lines filled so far; p90 is nearest-rank",
    ),
    (
        "ETA accuracy",
        "backordered lines filled so far that were promised a date: on time if filled on or "
        "before the first date promised; slip = days filled after it (0 if on time), averaged",
    ),
    (
        "supplier on time",
        "POs whose first receipt falls in the range: on time if received on or before the "
        "date the PO was confirmed with (else placed with); delay = received - that date in days "
        "(negative when early), averaged over late and early receipts alike",
    ),
    (
        "promises kept",
        "backordered lines of the range: the first dated promise (and the latest, the one held when "
        "filled or now) is kept if the line was filled on or before its date; a line still waiting, or "
        "cancelled, after its date is not kept; one whose date has not come yet (or that stopped waiting "
        "before it) is not counted. Per supplier the promise rests on; calibration: the confidence each "
        "promise was made with (its lateness percentile) against the share kept",
    ),
    ("units waiting", "units still waiting per SKU now, whenever ordered"),
    (
        "waiting over time",
        "units waiting (all SKUs, whenever ordered) at the end of each business day of the range",
    ),
    ("waits per week", "the wait's p50 and p90 (nearest-rank) of backordered lines filled, by order week"),
)


@dataclass(frozen=True)
class SkuFigures:
    sku: str
    lines: int
    units: int
    backordered_lines: int
    backordered_units: int

    @property
    def backorder_share(self) -> float:
        return self.backordered_lines / self.lines if self.lines else 0.0


@dataclass(frozen=True)
class SupplierFigures:
    supplier_id: str
    name: str
    receipts: int
    on_time: int
    mean_delay_days: float

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.receipts


@dataclass
class Report:
    start: date | None
    end: date | None
    lines: int = 0
    units: int = 0
    fill_rate: float | None = None
    backorder_rate: float | None = None
    backordered_lines: int = 0
    backordered_units: int = 0
    filled_after_backorder: int = 0
    still_waiting_lines: int = 0
    cancelled_by_customer: int = 0
    cancelled_automatically: int = 0
    waits: list[float] = field(default_factory=list)  # sorted, days
    wait_mean_days: float | None = None
    wait_p90_days: float | None = None
    promised_lines: int = 0
    eta_on_time: float | None = None
    mean_slip_days: float | None = None
    demand_by_day: dict[str, dict[date, int]] = field(default_factory=dict)  # sku -> day -> units
    demand_by_week: dict[str, dict[str, int]] = field(default_factory=dict)  # sku -> "2026-W02" -> units
    skus: list[SkuFigures] = field(default_factory=list)  # most units ordered first
    top_waiting: list[tuple[str, int]] = field(default_factory=list)
    suppliers: list[SupplierFigures] = field(default_factory=list)
    supplier_on_time: float | None = None
    supplier_mean_delay_days: float | None = None
    waiting_by_day: dict[date, int] = field(default_factory=dict)  # day -> units waiting at its end
    waits_by_week: dict[str, tuple[int, float, float]] = field(default_factory=dict)  # week -> (n, p50, p90)
    promises: PromiseTally = field(default_factory=PromiseTally)


def in_range(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def p90(values: Iterable[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    return nearest_rank(values, 0.9)


def nearest_rank(values: Iterable[float], share: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(math.ceil(len(ordered) * share), 1) - 1]


def waiting_by_day(
    changes: Sequence[tuple[datetime, int]], start: date | None, end: date | None
) -> dict[date, int]:
    """Units waiting at the end of every day from the first change (or `start`) to the last (or `end`)."""
    if not changes:
        return {}
    net: dict[date, int] = defaultdict(int)
    for when, delta in changes:
        net[when.date()] += delta
    first, last = min(net), max(net)
    days, level, found = (last - first).days + 1, 0, {}
    for n in range(days):
        day = first + timedelta(days=n)
        level += net.get(day, 0)
        found[day] = level
    return {day: units for day, units in found.items() if in_range(day, start, end)}


def waits_by_week(lines: Iterable[LineOutcome]) -> dict[str, tuple[int, float, float]]:
    weeks: dict[str, list[float]] = defaultdict(list)
    for line in lines:
        if line.wait_days is not None:
            weeks[iso_week(line.day)].append(line.wait_days)
    return {
        week: (len(w), nearest_rank(w, 0.5) or 0.0, nearest_rank(w, 0.9) or 0.0)
        for week, w in sorted(weeks.items())
    }


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def fill_rate(lines: Sequence[LineOutcome]) -> float | None:
    return share([line.allocated == line.requested for line in lines])


def backorder_rate(lines: Sequence[LineOutcome]) -> float | None:
    return share([line.backordered > 0 for line in lines])


def waits(lines: Iterable[LineOutcome]) -> list[float]:
    return sorted(w for w in (line.wait_days for line in lines) if w is not None)


def eta_accuracy(lines: Iterable[LineOutcome]) -> tuple[int, float | None, float | None]:
    """(lines judged, share on time by the first promise, mean slip in days)."""
    slips = [slip for slip in (line.eta_slip_days for line in lines) if slip is not None]
    return len(slips), share([slip == 0 for slip in slips]), mean(slips)


def demand(lines: Iterable[LineOutcome]) -> tuple[dict[str, dict[date, int]], dict[str, dict[str, int]]]:
    by_day: dict[str, dict[date, int]] = defaultdict(Counter)
    by_week: dict[str, dict[str, int]] = defaultdict(Counter)
    for line in lines:
        by_day[line.sku][line.day] += line.requested
        by_week[line.sku][iso_week(line.day)] += line.requested
    return {s: dict(sorted(d.items())) for s, d in by_day.items()}, {
        s: dict(sorted(w.items())) for s, w in by_week.items()
    }


def sku_figures(lines: Iterable[LineOutcome]) -> list[SkuFigures]:
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line in lines:
        row = rows[line.sku]
        row[0] += 1
        row[1] += line.requested
        row[2] += line.backordered > 0
        row[3] += line.backordered
    figures = [SkuFigures(sku, *row) for sku, row in rows.items()]
    return sorted(figures, key=lambda f: (-f.units, f.sku))


def supplier_figures(receipts: Sequence[Receipt], names: dict[str, tuple[str, str]]) -> list[SupplierFigures]:
    """`names`: supplier aggregate id -> (supplier id, name)."""
    by_supplier: dict[str, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        by_supplier[receipt.supplier_key].append(receipt)
    figures = []
    for key, done in by_supplier.items():
        supplier_id, name = names.get(key, (key, "?"))
        delays = [r.delay_days for r in done]
        figures.append(
            SupplierFigures(supplier_id, name, len(done), sum(d <= 0 for d in delays), mean(delays) or 0.0)
        )
    return sorted(figures, key=lambda f: f.supplier_id)


PromiseRow = tuple[str, str, int, str | None, str | None, str | None, float | None, str | None]


def promises_kept(lines: Iterable[LineOutcome], log: Iterable[PromiseRow], today: date) -> PromiseTally:
    """First and latest promises kept (`promises.judge`) of backordered `lines`, from the promise log's rows
    (order key, line, stock version, eta, made at, supplier, confidence, policy); `today`: the latest
    business time known, the day a promise not yet settled is judged on."""
    by_line: dict[tuple[str, str], list[tuple[Promise, datetime | None]]] = defaultdict(list)
    for key, line_id, version, eta, made_at, supplier, confidence, policy in log:
        stated = confidence if confidence is not None else NOMINAL.get(policy or "")
        promise = Promise(version, date.fromisoformat(eta) if eta else None, supplier, stated)
        by_line[(key, line_id)].append((promise, datetime.fromisoformat(made_at) if made_at else None))
    tally = PromiseTally()
    for line in lines:
        if not line.backordered:
            continue
        told = by_line.get((str(Order.create_id(line.order_id)), line.line_id), [])
        if line.filled_at is not None:
            filled = line.filled_at
            told = [(p, at) for p, at in told if at is None or at <= filled]
        ended = line.last_fact_at if line.filled_at is None and not line.waiting else None
        tally.add(
            *judge(
                [p for p, _ in told],
                line.filled_at.date() if line.filled_at else None,
                None,
                ended.date() if ended else None,
                today,
            )
        )
    return tally


def build(
    outcomes: Sequence[LineOutcome],
    waiting_by_sku: dict[str, int],
    receipts: Sequence[Receipt],
    supplier_names: dict[str, tuple[str, str]],
    start: date | None = None,
    end: date | None = None,
    top: int = 5,
    changes: Sequence[tuple[datetime, int]] = (),
    promise_log: Sequence[PromiseRow] = (),
    today: date | None = None,
) -> Report:
    """`changes`: each change of the units waiting with its business time (lines.waiting_changes)."""
    lines = [line for line in outcomes if in_range(line.day, start, end)]
    backordered = [line for line in lines if line.backordered]
    report = Report(start=start, end=end, lines=len(lines), units=sum(line.requested for line in lines))
    report.fill_rate, report.backorder_rate = fill_rate(lines), backorder_rate(lines)
    report.backordered_lines = len(backordered)
    report.backordered_units = sum(line.backordered for line in backordered)
    report.waits = waits(backordered)
    report.filled_after_backorder = len(report.waits)
    report.still_waiting_lines = sum(line.waiting > 0 for line in lines)
    report.cancelled_by_customer = sum(line.cancelled_by_customer for line in lines)
    report.cancelled_automatically = sum(line.cancelled_automatically for line in lines)
    report.wait_mean_days, report.wait_p90_days = mean(report.waits), p90(report.waits)
    report.promised_lines, report.eta_on_time, report.mean_slip_days = eta_accuracy(backordered)
    report.demand_by_day, report.demand_by_week = demand(lines)
    report.skus = sku_figures(lines)
    report.top_waiting = sorted(waiting_by_sku.items(), key=lambda item: (-item[1], item[0]))[:top]
    received = [r for r in receipts if in_range(r.received_on, start, end)]
    report.suppliers = supplier_figures(received, supplier_names)
    report.supplier_on_time = share([r.delay_days <= 0 for r in received])
    report.supplier_mean_delay_days = mean([r.delay_days for r in received])
    report.waiting_by_day = waiting_by_day(changes, start, end)
    report.waits_by_week = waits_by_week(backordered)
    if today is not None:
        report.promises = promises_kept(backordered, promise_log, today)
    return report
