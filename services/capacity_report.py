"""The periodic report's capacity outlook: per warehouse with a capacity, the weeks over it and what to do.

`antrian report` (text and `--json`), `GET /report` and the dashboard's report page all
show this one structure, so the sentence a person reads ("rent space for 1,200 units in
2027-W10, or move PO-88 2 weeks later") and the fields a program reads come from the same
suggestions (domain/capacity_advice.py). `antrian capacity` / `GET /capacity` keep the
week-by-week detail.

The report is asked for often (the dashboard's pages, scripts), and most shops never
configure a capacity: then nothing is projected at all, and the outlook is empty.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.capacity_advice import UNITS, VOLUME, Outlook, Overflow, Suggestion, Week

NOT_CONFIGURED = "no warehouse capacity configured (WarehouseConfigured)"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class CausingOrder(_Frozen):
    """A purchase order whose lines arrive in the warehouse in that week or earlier."""

    po_id: str
    supplier_id: str
    units: int = Field(description="its units arriving there by the end of that week")
    skus: list[str]
    arrives: date = Field(
        description="its first line's expected date plus the supplier's lateness (already past: it is late, "
        "and projected to arrive on the first day)"
    )


class WeekOver(_Frozen):
    week: str = Field(description="ISO week, e.g. 2027-W10")
    first_day: date = Field(description="its first projected day (the horizon may cut a week)")
    last_day: date
    over_units: int | None = Field(
        description="the week's peak day above the capacity in units; null: not over"
    )
    over_volume: float | None = Field(description="the same in volume (3 decimals); null: not over in volume")
    purchase_orders: list[CausingOrder]


class Advice(_Frozen):
    """One suggestion, each checked by projecting again."""

    kind: str = Field(description="rent, move or receive_elsewhere")
    text: str
    week: str | None = Field(description="rent: the ISO week to rent space for")
    measure: str | None = Field(description="rent: units or volume")
    amount: float | None = Field(description="rent: how much space")
    po_id: str | None = Field(description="move, receive_elsewhere: the purchase order")
    supplier_id: str | None
    weeks_later: int | None = Field(description="move: by how many weeks")
    warehouse: str | None = Field(description="rent: where; receive_elsewhere: the other warehouse")


class WarehouseOutlook(_Frozen):
    warehouse: str
    capacity_units: int | None
    capacity_volume: Decimal | None
    weeks_over: list[WeekOver] = Field(description="empty: within its capacity every week")
    advice: list[Advice]
    advice_text: str | None = Field(
        description='what to do in one sentence ("rent space for 1,200 units in 2027-W10, or move PO-88 2 weeks '
        'later"); null when within capacity'
    )
    unknown_volume: list[str] = Field(
        description="SKUs held here without a unit volume (not counted in volume)"
    )


class ReportOutlook(_Frozen):
    """The report's `capacity_outlook`: empty (configured false, nothing projected) when no warehouse has a
    capacity."""

    configured: bool = Field(description="some warehouse has a capacity; false: nothing was projected")
    as_of: date | None = Field(description="the latest message time seen (never the wall clock)")
    weeks: int | None = Field(description="how many weeks were projected (null: none)")
    demand: str | None = Field(description="where the projected demand came from")
    warehouses: list[WarehouseOutlook] = Field(description="every warehouse with a capacity, by name")


EMPTY = ReportOutlook(configured=False, as_of=None, weeks=None, demand=None, warehouses=[])


def report_outlook(engine: Any, weeks: int | None = None) -> ReportOutlook:
    """`weeks`: by default as many as `antrian capacity` projects."""
    # Imported here: a report with no capacity to look at need not load the projection (the Stock aggregate)
    from services.capacity import DEFAULT_WEEKS, capacity_configured, capacity_outlook

    if not capacity_configured(engine):
        return EMPTY
    weeks = weeks or DEFAULT_WEEKS
    found = capacity_outlook(engine, weeks)
    limited = [w for w in found.warehouses if w.capacity_units is not None or w.capacity_volume is not None]
    return ReportOutlook(
        configured=True,
        as_of=found.as_of,
        weeks=weeks,
        demand=found.demand,
        warehouses=[_warehouse(w) for w in limited],
    )


def _warehouse(w: Outlook) -> WarehouseOutlook:
    spans = {week.week: week for week in w.weeks}
    weeks = list(dict.fromkeys(o.week for o in w.overflows))
    return WarehouseOutlook(
        warehouse=w.warehouse,
        capacity_units=w.capacity_units,
        capacity_volume=w.capacity_volume,
        weeks_over=[_week(spans[week], [o for o in w.overflows if o.week == week]) for week in weeks],
        advice=[Advice(**vars(s)) for s in w.suggestions],
        advice_text=advice_text(w.suggestions) if w.overflows else None,
        unknown_volume=list(w.unknown_volume) if w.capacity_volume is not None else [],
    )


def _week(span: Week, over: list[Overflow]) -> WeekOver:
    by = {o.measure: o for o in over}
    orders: dict[tuple[str, str], list[Any]] = {}
    for arrival in sorted({a for o in over for a in o.causes}, key=lambda a: (a.arrives, a.po_id, a.sku)):
        orders.setdefault((arrival.supplier_id, arrival.po_id), []).append(arrival)
    units, volume = by.get(UNITS), by.get(VOLUME)
    return WeekOver(
        week=span.week,
        first_day=span.first_day,
        last_day=span.last_day,
        over_units=None if units is None else int(units.over),
        over_volume=None if volume is None else volume.over,
        purchase_orders=[
            CausingOrder(
                po_id=po_id,
                supplier_id=supplier_id,
                units=sum(a.quantity for a in lines),
                skus=list(dict.fromkeys(a.sku for a in lines)),
                arrives=lines[0].arrives,
            )
            for (supplier_id, po_id), lines in orders.items()
        ],
    )


def advice_text(suggestions: tuple[Suggestion, ...]) -> str:
    """Rent first, then each alternative: "rent space for 5 units from 2026-W02 to 2026-W10, or receive
    po-2 at north". Renting the same space in weeks that follow one another is one clause."""
    runs: list[list[Suggestion]] = []
    for rent in (s for s in suggestions if s.kind == "rent"):
        run = next((r for r in runs if _continues(r[-1], rent)), None)
        if run is None:
            runs.append([rent])
        else:
            run.append(rent)
    rents = "; ".join(_rent(run) for run in runs)
    return rents + "".join(f", or {s.text}" for s in suggestions if s.kind != "rent")


def _continues(last: Suggestion, rent: Suggestion) -> bool:
    if (last.measure, last.amount) != (rent.measure, rent.amount) or not last.week or not rent.week:
        return False
    return _monday(rent.week) - _monday(last.week) == timedelta(days=7)


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def _rent(run: list[Suggestion]) -> str:
    if len(run) == 1:
        return run[0].text
    return run[0].text.replace(f" in {run[0].week}", f" from {run[0].week} to {run[-1].week}")


def outlook_lines(found: ReportOutlook) -> list[str]:
    """The text report's lines: one a warehouse over capacity ("main: rent space for ...")."""
    if not found.configured:
        return [NOT_CONFIGURED]
    lines = [f"{w.warehouse}: {w.advice_text}" for w in found.warehouses if w.advice_text]
    return lines or [f"every warehouse stays within its capacity for the next {found.weeks} weeks"]
