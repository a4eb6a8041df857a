"""A SKU: its stock position, its queue in serving order, its audit history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from infra.http.as_of_models import SkuQueueAsOf, StockPositionAsOf
from infra.http.auth import AUDITORS, READERS, Caller, allow, shown
from infra.http.backend import Backend
from infra.http.deps import backend, unknown_sku
from infra.http.models import AuditEntry, SkuQueue, StockPosition
from infra.http.pagination import Page, PageRequest, page_request, paginate
from infra.http.params import AS_OF_INSTANT, Instant
from infra.http.problems import BAD_CURSOR, NOT_FOUND, REFUSED

router = APIRouter(tags=["skus"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Auditors = Annotated[Caller, Depends(allow(*AUDITORS))]
Of = Annotated[Backend, Depends(backend)]
AsOf = Annotated[Instant | None, Query(description=AS_OF_INSTANT)]


@router.get("/skus/{sku}/queue", response_model=SkuQueue | SkuQueueAsOf, responses=NOT_FOUND)
def sku_queue(sku: str, caller: Readers, of: Of, as_of: AsOf = None) -> SkuQueue | SkuQueueAsOf:
    """The SKU's waiting lines in serving order with live positions, as `antrian queue SKU --json`; with
    `as_of`, as the Stock held them then (`antrian queue SKU --as-of T --json`)."""
    if as_of is not None:
        from infra.http.as_of import queue_as_of

        return shown(queue_as_of(of, sku, as_of), caller)
    with of.reading() as tx:
        found = of.queues.queue(tx, sku)
    if found is None:
        raise unknown_sku(sku)
    return shown(SkuQueue.model_validate(found), caller)


@router.get("/skus/{sku}", response_model=StockPosition | StockPositionAsOf, responses=NOT_FOUND)
def stock_position(
    sku: str, caller: Readers, of: Of, as_of: AsOf = None
) -> StockPosition | StockPositionAsOf:
    """On hand per warehouse, allocated, available to promise, what waits, settings, substitutes, supply, read
    from the Stock at its latest version; with `as_of`, at its version then (no incoming supply: the
    purchase-order read model is today's)."""
    if as_of is not None:
        from infra.http.as_of import stock_as_of

        return shown(stock_as_of(of, sku, as_of), caller)
    from infra.http.stock import read_stock

    return shown(read_stock(of, sku), caller)


@router.get("/skus/{sku}/audit", response_model=Page[AuditEntry], responses={**NOT_FOUND, **BAD_CURSOR})
def sku_audit(
    sku: str, caller: Auditors, of: Of, page: PageRequest = Depends(page_request), as_of: AsOf = None
) -> Page[AuditEntry]:
    """Every event of the SKU's Stock and the supplier events naming it, in log order; with `as_of`, those
    stored up to the instant's log position (the moment is `GET /skus/{sku}/queue?as_of=`'s)."""
    from projections.audit_timeline import sku_timeline

    with of.reading() as tx:
        entries = sku_timeline(tx, sku)
    if as_of is not None:
        from infra.http.as_of import moment_of, until

        entries = until(entries, moment_of(of, as_of))
    if not entries:
        raise unknown_sku(sku, at=as_of)
    key = ("sku-audit", sku) if as_of is None else ("sku-audit", sku, as_of.isoformat())
    return paginate([AuditEntry.model_validate(e) for e in entries], page, key)
