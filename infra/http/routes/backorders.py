"""Every waiting line across SKUs: what ops chase, filtered and sorted as they ask."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query

from infra.http.auth import READERS, Caller, allow, shown
from infra.http.backend import Backend
from infra.http.deps import backend
from infra.http.models import Backorder
from infra.http.pagination import Page, PageRequest, page_request, paginate
from infra.http.params import IsoDay
from infra.http.problems import BAD_CURSOR, REFUSED

if TYPE_CHECKING:
    from projections.store import Tx

router = APIRouter(tags=["backorders"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Of = Annotated[Backend, Depends(backend)]


class Sort(StrEnum):
    AGE = "age"  # longest waiting first
    ETA = "eta"  # earliest promise first, no promise last
    POSITION = "position"  # nearest the head of its queue first
    UNITS = "units"  # most units waiting first


_SORTS = {
    Sort.AGE: lambda b: (b.waiting_since, b.sku, b.position),
    Sort.ETA: lambda b: (b.eta is None, b.eta or date.max, b.sku, b.position),
    Sort.POSITION: lambda b: (b.position, b.sku),
    Sort.UNITS: lambda b: (-b.quantity, b.sku, b.position),
}


@router.get("/backorders", response_model=Page[Backorder], responses=BAD_CURSOR)
def backorders(
    caller: Readers,
    of: Of,
    page: PageRequest = Depends(page_request),
    sku: str | None = None,
    customer: str | None = Query(None, description="customer id"),
    tier: str | None = None,
    warehouse: str | None = Query(None, description="only lines of SKUs this warehouse stocks"),
    needs_purchase: bool | None = Query(
        None, description="only lines no open PO covers (true) or covered (false)"
    ),
    overdue: bool | None = Query(
        None, description="only lines whose ETA is before as_of (true) or not (false)"
    ),
    min_age_days: int | None = Query(None, ge=0, description="waiting at least this many days at as_of"),
    as_of: IsoDay | None = Query(
        None, description="the day ages and overdue are counted at (default: today, UTC)"
    ),
    sort: Sort = Sort.AGE,
) -> Page[Backorder]:
    """Every waiting line with its live position and promise."""
    today = as_of or datetime.now(UTC).date()  # the edge reads the clock
    with of.reading() as tx:
        skus = [sku] if sku else [row[0] for row in tx.all("SELECT sku FROM queue_skus ORDER BY sku")]
        mark = of.queues.mark(tx)
        queues = [q for q in (of.queues.queue(tx, s, mark) for s in skus) if q is not None]
        stocked = _warehouses(tx, sku)
    found = [
        Backorder(
            **entry.__dict__,
            sku=queue.totals.sku,
            warehouses=stocked.get(queue.totals.sku, []),
            age_days=(today - entry.waiting_since).days,
            overdue=entry.eta is not None and entry.eta < today,
        )
        for queue in queues
        for entry in queue.entries
    ]
    kept = [
        b
        for b in found
        if (customer is None or b.customer_id == customer)
        and (tier is None or b.tier == tier)
        and (warehouse is None or warehouse in b.warehouses)
        and (needs_purchase is None or b.needs_purchase == needs_purchase)
        and (overdue is None or b.overdue == overdue)
        and (min_age_days is None or b.age_days >= min_age_days)
    ]
    kept.sort(key=_SORTS[sort])
    query = ("backorders", sku, customer, tier, warehouse, needs_purchase, overdue, min_age_days, today, sort)
    return shown(paginate(kept, page, query), caller)


def _warehouses(tx: Tx, sku: str | None) -> dict[str, list[str]]:
    """SKU -> the warehouses that hold or have held its units, by name."""
    rows = tx.all(
        "SELECT s.sku, h.warehouse FROM queue_on_hand h JOIN queue_skus s ON s.stock_key = h.stock_key"
        + (" WHERE s.sku = ?" if sku else "")
        + " ORDER BY s.sku, h.warehouse",
        (sku,) if sku else (),
    )
    found: dict[str, list[str]] = {}
    for name, warehouse in rows:
        found.setdefault(name, []).append(warehouse)
    return found
