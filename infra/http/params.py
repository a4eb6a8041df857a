"""Query parameter types stricter than pydantic's lax parsing, so the API takes what it documents.

Pydantic reads `0` or `1700000000` as a date (seconds since 1970); the document
says `format: date`, and a caller who sends a number has made a mistake worth a 422,
not a report for 1 January 1970.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not _DAY.fullmatch(value):
        raise ValueError("a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]
