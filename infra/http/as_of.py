"""The `as_of` reads of the API: the queue, a stock position, an order, audits and the report then.

Each is the event store's answer at the instant's log position (services/time_travel),
served beside the current views by the same routes. `GET /backorders?as_of=DAY` is
another thing, older: the day its ages and overdue flags are counted at, over today's
waiting lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import HTTPException

from infra.http.as_of_models import OrderAsOf, SkuQueueAsOf, StockPositionAsOf
from infra.http.backend import Backend
from infra.http.deps import unknown_order, unknown_sku
from infra.http.models import Moment
from services.time_travel.views import TimeTravel

# A view of TimeTravel's read at a moment (TimeTravel.queue, .stock, .order), and the 404 for its key.
Read = Callable[[TimeTravel, str, Any], Any]
Unknown = Callable[[str, datetime | None], HTTPException]


def read_at(
    of: Backend, instant: datetime | None, read: Read, key: str, unknown: Unknown
) -> tuple[Any, dict[str, Any]]:
    """(the moment, what `read` finds for `key` then, as a dict); `unknown`'s 404 when it finds nothing.
    No instant: the log's end, as the live stock position reads it."""
    with of.travelling() as travel:
        moment = travel.at(instant)
        found = read(travel, key, moment)
    if found is None:
        raise unknown(key, None if instant is None else moment.instant)
    return moment, asdict(found)


def moment_of(of: Backend, instant: datetime) -> Any:
    with of.travelling() as travel:
        return travel.moment(instant)


def queue_as_of(of: Backend, sku: str, instant: datetime) -> SkuQueueAsOf:
    moment, queue = read_at(of, instant, TimeTravel.queue, sku, unknown_sku)
    return SkuQueueAsOf.model_validate({"moment": moment.as_json(), "queue": queue})


def stock_as_of(of: Backend, sku: str, instant: datetime) -> StockPositionAsOf:
    moment, stock = read_at(of, instant, TimeTravel.stock, sku, unknown_sku)
    return StockPositionAsOf.model_validate({"moment": moment.as_json(), "stock": stock})


def order_as_of(of: Backend, order_id: str, instant: datetime) -> OrderAsOf:
    moment, order = read_at(of, instant, TimeTravel.order, order_id, unknown_order)
    return OrderAsOf.model_validate({"moment": moment.as_json(), "order": order})


def until(entries: list[Any], moment: Any) -> list[Any]:
    """An audit timeline's entries stored up to the moment's log position."""
    if moment.position is None:
        return entries
    return [entry for entry in entries if entry.notification_id <= moment.position]


def moment_model(moment: Any) -> Moment:
    return Moment.model_validate(moment.as_json())


def report_as_of(of: Backend, instant: datetime, start: Any, end: Any) -> tuple[Any, Any]:
    """(the report's figures folded from the log up to the instant, the moment)."""
    from projections.analytics.query import read_report
    from projections.log_prefix import read_models_at

    with of.travelling() as travel:
        moment = travel.moment(instant)
        store = read_models_at(travel.engine, moment.position, ["analytics"])
    try:
        with store.reading() as tx:
            return read_report(tx, start, end), moment
    finally:
        store.close()
