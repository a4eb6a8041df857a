"""The buyer's views: purchase orders due, the replenishment worklist, supplier scorecards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from infra.http.auth import READERS, Caller, allow
from infra.http.backend import Backend
from infra.http.deps import backend
from infra.http.pagination import Page, PageRequest, page_request, paginate
from infra.http.problems import BAD_CURSOR, NOT_FOUND, REFUSED, invalid
from projections.purchasing.models import PurchaseOrderView, ReplenishmentItem, SupplierScorecard
from projections.purchasing.po_read import STATUSES

router = APIRouter(tags=["purchasing"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Of = Annotated[Backend, Depends(backend)]


@router.get("/purchase-orders", response_model=Page[PurchaseOrderView], responses=BAD_CURSOR)
def purchase_orders(
    caller: Readers,
    of: Of,
    page: PageRequest = Depends(page_request),
    status: str = Query(
        "open",
        description="open, all, or one status (placed, confirmed, delayed, ...)",
        json_schema_extra={"enum": list(STATUSES)},
    ),
    supplier: str | None = Query(None, description="supplier id"),
    sku: str | None = None,
) -> Page[PurchaseOrderView]:
    """Purchase orders by current expected date: lines, revisions, lateness, what they cover of the queues."""
    from projections.purchasing.po_read import UnknownStatusFilter
    from projections.purchasing.po_read import purchase_orders as query

    with of.querying() as store:
        try:
            found = query(store, status=status, supplier=supplier, sku=sku)
        except UnknownStatusFilter as unknown:
            raise invalid(("query", "status"), str(unknown)) from None
    return paginate(found, page, ("purchase-orders", status, supplier, sku))


@router.get("/replenishment", response_model=Page[ReplenishmentItem], responses=BAD_CURSOR)
def replenishment(
    caller: Readers, of: Of, page: PageRequest = Depends(page_request)
) -> Page[ReplenishmentItem]:
    """Every open replenishment suggestion, oldest first, until a purchase order answers it; `capacity`
    set where its quantity would overflow its SKU's home warehouse, with the split over time that fits."""
    from projections.purchasing.capacity_marks import marked, wanted
    from projections.purchasing.worklist import replenishment as query
    from services.capacity import worklist_marks

    with of.querying() as store:
        found = query(store)
    with of.engine_held() as engine:
        found = marked(found, *worklist_marks(engine, wanted(found)))
    return paginate(found, page, ("replenishment",))


@router.get("/suppliers", response_model=Page[SupplierScorecard], responses=BAD_CURSOR)
def suppliers(caller: Readers, of: Of, page: PageRequest = Depends(page_request)) -> Page[SupplierScorecard]:
    """Each supplier's scorecard: on-time rate, mean and p90 delay, POs per lateness bucket, fill rate, open POs, months."""
    from projections.purchasing.scorecard import scorecards

    with of.querying() as store:
        found = scorecards(store)
    return paginate(found, page, ("suppliers",))


@router.get("/suppliers/{supplier_id}", response_model=SupplierScorecard, responses=NOT_FOUND)
def supplier(supplier_id: str, caller: Readers, of: Of) -> SupplierScorecard:
    """One supplier's scorecard, with its figures per month of the promised date and its delay distribution."""
    from projections.purchasing.scorecard import scorecard

    with of.querying() as store:
        found = scorecard(store, supplier_id)
    if found is None:
        raise HTTPException(404, f"unknown supplier {supplier_id!r}: no supplier event names it")
    return found
