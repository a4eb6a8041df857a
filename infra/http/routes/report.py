"""The periodic report's figures: JSON, or the per-SKU table as CSV (`Accept: text/csv`)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from infra.http.auth import READERS, Caller, allow
from infra.http.backend import Backend
from infra.http.deps import backend
from infra.http.models import CalibrationBucket, Kept, PromisesKept, Report, SupplierPromises
from infra.http.params import AS_OF_INSTANT, Instant, IsoDay
from infra.http.problems import REFUSED
from projections.analytics.promises import PromiseTally, Share

router = APIRouter(tags=["report"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Of = Annotated[Backend, Depends(backend)]
CSV_COLUMNS = ("sku", "lines", "units", "backordered_lines", "backordered_units", "backorder_share")


@router.get(
    "/report",
    response_model=Report,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def report(
    request: Request,
    caller: Readers,
    of: Of,
    start: IsoDay | None = Query(None, alias="from", description="first day (inclusive)"),
    end: IsoDay | None = Query(None, alias="to", description="last day (inclusive)"),
    as_of: Instant | None = Query(
        None,
        description=AS_OF_INSTANT
        + "; the figures folded from the log up to it (no capacity outlook: it looks "
        "ahead from today)",
    ),
    fresh: bool = Query(
        False,
        description="computed now if the read model moved since they were last computed; by default the last "
        "figures are answered at once (current=false) while new ones are computed in the background",
    ),
) -> Report | Response:
    """Service level, waits, promises kept, per-SKU and supplier figures over [from, to], and the capacity
    outlook of the coming weeks, as `antrian report --json`."""
    moment = None
    if as_of is not None:
        from infra.http.as_of import moment_model, report_as_of
        from services.capacity_report import EMPTY

        found, moment = report_as_of(of, as_of, start, end)
        computed_at, current, outlook = datetime.now(UTC), True, EMPTY
    else:
        with of.reading() as tx:
            kept = of.reports.figures(tx, start, end, fresh)
        found, computed_at, current, outlook = (
            kept.report,
            kept.computed_at,
            kept.current,
            of.capacity_outlook(),
        )
    figures = Report.model_validate(
        {
            **{k: v for k, v in asdict(found).items() if k in Report.model_fields and k != "promises"},
            "promises": _promises(found.promises),
            "computed_at": computed_at,
            "current": current,
            "moment": None if moment is None else moment_model(moment),
            "capacity_outlook": outlook,
            "skus": [{**asdict(s), "backorder_share": s.backorder_share} for s in found.skus],
            "suppliers": [{**asdict(s), "on_time_rate": s.on_time_rate} for s in found.suppliers],
            "waiting_units_by_day": [{"day": d, "units": u} for d, u in found.waiting_by_day.items()],
            "waits_by_week": [
                {"week": w, "lines": n, "p50_days": p50, "p90_days": p90}
                for w, (n, p50, p90) in found.waits_by_week.items()
            ],
        }
    )
    if "text/csv" in request.headers.get("accept", ""):
        return Response(_csv(figures), media_type="text/csv")
    return figures


def _kept(share: Share) -> Kept:
    return Kept(kept=share.kept, judged=share.judged, rate=share.rate)


def _promises(p: PromiseTally) -> PromisesKept:
    return PromisesKept(
        first=_kept(p.first),
        latest=_kept(p.latest),
        suppliers=[
            SupplierPromises(
                supplier_id=s,
                first=_kept(p.first_by_supplier.get(s, Share())),
                latest=_kept(p.latest_by_supplier.get(s, Share())),
            )
            for s in p.suppliers
        ],
        calibration=[
            CalibrationBucket(
                confidence=label, mean_promised=promised, first=_kept(first), latest=_kept(latest)
            )
            for label, promised, first, latest in p.calibration()
        ],
    )


def _csv(figures: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for sku in figures.skus:
        writer.writerow([getattr(sku, column) for column in CSV_COLUMNS])
    return out.getvalue()
