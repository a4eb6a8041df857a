"""Query parameter types stricter than pydantic's lax parsing, so the API takes what it documents.

Pydantic reads `0` or `1700000000` as a date (seconds since 1970); the document
says `format: date`, and a caller who sends a number has made a mistake worth a 422,
not a report for 1 January 1970.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not _DAY.fullmatch(value):
        raise ValueError("a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


def _instant(value: object) -> object:
    from services.time_travel.moment import BadInstant, parse_instant

    if not isinstance(value, str):
        raise ValueError("an ISO 8601 date and time with its zone, e.g. 2026-01-05T10:00:00Z")
    try:
        return parse_instant(value)
    except BadInstant as error:
        raise ValueError(str(error)) from None


# An instant of business time with its zone (`as_of` on the time-travel reads).
Instant = Annotated[datetime, BeforeValidator(_instant)]
AS_OF_INSTANT = (
    "the state as it was at this instant of business time (ISO 8601 with zone), rebuilt from the event store; "
    "see `moment` in the answer for what it covers"
)
