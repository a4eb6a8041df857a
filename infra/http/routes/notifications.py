"""What customers were told or are about to be, with delivery status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from infra.http.auth import READERS, Caller, allow, shown
from infra.http.backend import Backend
from infra.http.deps import backend
from infra.http.models import Notification
from infra.http.pagination import Page, PageRequest, page_request, paginate
from infra.http.problems import BAD_CURSOR, REFUSED
from projections.notifications.outbox import Status

router = APIRouter(tags=["notifications"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Of = Annotated[Backend, Depends(backend)]


@router.get("/notifications", response_model=Page[Notification], responses=BAD_CURSOR)
def notifications(
    caller: Readers,
    of: Of,
    page: PageRequest = Depends(page_request),
    status: Status | None = Query(None, description="delivery status"),
    order: str | None = Query(None, description="order id"),
    kind: str | None = None,
) -> Page[Notification]:
    """Every notification composed, oldest first, as `antrian notifications list`."""
    from projections.notifications.outbox import listing

    with of.reading() as tx:
        rows = listing(tx, status)
    kept = [
        Notification.model_validate(row)
        for row in rows
        if (order is None or row["order_id"] == order) and (kind is None or row["kind"] == kind)
    ]
    return shown(paginate(kept, page, ("notifications", status, order, kind)), caller)
