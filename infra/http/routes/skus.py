"""A SKU: its stock position, its queue in serving order, its audit history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from infra.http.auth import AUDITORS, READERS, Caller, allow, shown
from infra.http.backend import Backend
from infra.http.deps import backend, unknown_sku
from infra.http.models import AuditEntry, SkuQueue, StockPosition
from infra.http.pagination import Page, PageRequest, page_request, paginate
from infra.http.problems import BAD_CURSOR, NOT_FOUND, REFUSED
from infra.http.stock import read_stock

router = APIRouter(tags=["skus"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Auditors = Annotated[Caller, Depends(allow(*AUDITORS))]
Of = Annotated[Backend, Depends(backend)]


@router.get("/skus/{sku}/queue", response_model=SkuQueue, responses=NOT_FOUND)
def sku_queue(sku: str, caller: Readers, of: Of) -> SkuQueue:
    """The SKU's waiting lines in serving order with live positions, as `antrian queue SKU --json`."""
    with of.reading() as tx:
        found = of.queues.queue(tx, sku)
    if found is None:
        raise unknown_sku(sku)
    return shown(SkuQueue.model_validate(found), caller)


@router.get("/skus/{sku}", response_model=StockPosition, responses=NOT_FOUND)
def stock_position(sku: str, caller: Readers, of: Of) -> StockPosition:
    """On hand per warehouse, allocated, available to promise, what waits, settings, substitutes, supply."""
    from projections.purchasing.po_read import incoming_supply

    with of.reading() as tx:
        queue = of.queues.queue(tx, sku)
    if queue is None:
        raise unknown_sku(sku)
    with of.querying() as store:
        supply = incoming_supply(store, sku)
    with of.engine_held() as engine:
        return shown(read_stock(engine, sku, queue, supply), caller)


@router.get("/skus/{sku}/audit", response_model=Page[AuditEntry], responses={**NOT_FOUND, **BAD_CURSOR})
def sku_audit(
    sku: str, caller: Auditors, of: Of, page: PageRequest = Depends(page_request)
) -> Page[AuditEntry]:
    """Every event of the SKU's Stock and the supplier events naming it, in log order."""
    from projections.audit_timeline import sku_timeline

    with of.reading() as tx:
        entries = sku_timeline(tx, sku)
    if not entries:
        raise unknown_sku(sku)
    return paginate([AuditEntry.model_validate(e) for e in entries], page, ("sku-audit", sku))
