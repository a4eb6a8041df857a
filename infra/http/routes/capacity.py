"""Warehouse capacity: each warehouse's projected stock, the weeks over capacity, and what to do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from infra.http.auth import READERS, Caller, allow
from infra.http.backend import Backend
from infra.http.deps import backend
from infra.http.problems import REFUSED
from services.capacity import DEFAULT_WEEKS, CapacityOutlook

router = APIRouter(tags=["planning"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Of = Annotated[Backend, Depends(backend)]


@router.get("/capacity", response_model=CapacityOutlook)
def capacity(
    caller: Readers,
    of: Of,
    weeks: int = Query(DEFAULT_WEEKS, ge=1, le=52, description="Weeks projected, from the day after as-of."),
) -> CapacityOutlook:
    """What `antrian capacity --json` prints: per warehouse, the peak of each week in units and volume,
    the weeks over capacity with the purchase orders that cause them, and the suggestions (rent space,
    move a PO later, receive it at another warehouse). From the store's Stocks and Warehouses and the
    latest planning run's forecast (none: no demand, and it says so)."""
    from services.capacity import capacity_outlook

    with of.engine_held() as engine:
        return capacity_outlook(engine, weeks)
