"""The value types inbound contracts are built from, each with its bounds.

Upstream systems send absurd values as well as good ones: a quantity of
2**64 - 1, a date in the year 9999, `true` for a count, an id made of
spaces or of invisible characters. Each of those once crashed the engine
or was stored and made state unreadable later. Every number, date, text
and list a message may carry is bounded here, so whatever is accepted can
be decided on, stored and read back; the bounds are in the published JSON
Schemas (docs/contracts/inbound) and in the README.

Messages are validated strictly (services/parsing.py): a count must be a
JSON integer, not `true`, `"5"` or `3.0`; a time must be an RFC 3339 text
with its offset, not a Unix number.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

MAX_UNITS = 1_000_000_000
"""Most units in one order line, receipt, count, PO line or stock setting.

Sums of them stay far below 2**63, the largest integer the store reads back exactly."""
MAX_DAYS = 3650
"""Longest lead time, wait or distance of a PO's expected date from its message (ten years)."""
MAX_LINES = 1000
"""Most lines in one order, shipment, cancellation or purchase order; most terms per supplier."""
MAX_SUBSTITUTES = 20
MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 1000
MAX_EMAIL_LENGTH = 254
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Every time and date lies in [EARLIEST, LATEST): date arithmetic on them can never overflow."""

# Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned characters.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _visible(value: str, allow: str = "") -> str:
    for char in value:
        if char not in allow and unicodedata.category(char) in _HIDDEN:
            raise ValueError(f"must not contain control or invisible characters (found U+{ord(char):04X})")
    return value


def _id(value: str) -> str:
    """NFC, so that an id typed on two keyboards is one id; trimmed and visible."""
    value = unicodedata.normalize("NFC", value)
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    if len(value) > MAX_ID_LENGTH:  # NFC can lengthen a few characters
        raise ValueError(f"must be at most {MAX_ID_LENGTH} characters")
    return _visible(value)


def _text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    if not value.strip():
        raise ValueError("must not be blank")
    return _visible(value, allow="\n\t")


def _in_range(value: datetime) -> datetime:
    """Checked before the move to UTC: 0001-01-01T00:00+05:00 has no UTC time to move to."""
    if EARLIEST.replace(tzinfo=None) <= value.replace(tzinfo=None) < LATEST.replace(tzinfo=None):
        value = value.astimezone(UTC)
        if EARLIEST <= value < LATEST:
            return value
    raise ValueError(f"must be {_RANGE}")


def _day_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must be {_RANGE}")
    return value


_RANGE = f"from {EARLIEST:%Y-%m-%d} up to (not including) {LATEST:%Y-%m-%d}"
_ID_RULES = "normalised to Unicode NFC; no leading or trailing whitespace; no control or invisible characters"

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, description=_ID_RULES), AfterValidator(_id)]
Text = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TEXT_LENGTH,
        description=f"not blank; {_ID_RULES} (tabs and newlines allowed)",
    ),
    AfterValidator(_text),
]
Email = Annotated[
    str,
    Field(max_length=MAX_EMAIL_LENGTH, pattern=r"^[^@\s]+@[^@\s]+$", description=_ID_RULES),
    AfterValidator(_id),
]
Utc = Annotated[
    AwareDatetime,
    Field(description=f"RFC 3339 text with its UTC offset, {_RANGE} once in UTC; never a number"),
    AfterValidator(_in_range),
]
Day = Annotated[date, Field(description=f"YYYY-MM-DD, {_RANGE}"), AfterValidator(_day_in_range)]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
Count = Annotated[int, Field(ge=0, le=MAX_UNITS)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
WaitDays = Annotated[int, Field(ge=1, le=MAX_DAYS)]
Money = Annotated[Decimal, Field(ge=0, le=MAX_UNITS, max_digits=20, decimal_places=6)]
