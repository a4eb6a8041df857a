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

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

MAX_UNITS = 1_000_000_000
"""Most units in one order line, receipt, count, PO line or stock setting.

Sums of them stay far below 2**63, the largest integer the store reads back exactly."""
MAX_DAYS = 3650
"""Longest lead time, wait or distance of a PO's expected date from its message (ten years)."""
MAX_LINES = 1000
"""Most lines in one order, shipment, cancellation or purchase order; most terms per supplier."""
MAX_AHEAD = timedelta(hours=1)
"""How far after its arrival a message may be dated (clocks disagree a little; nobody sends the future)."""
MAX_SUBSTITUTES = 20
MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 1000
MAX_EMAIL_LENGTH = 254
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Every time and date lies in [EARLIEST, LATEST): date arithmetic on them can never overflow."""
_EARLIEST_NAIVE, _LATEST_NAIVE = EARLIEST.replace(tzinfo=None), LATEST.replace(tzinfo=None)

# Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned characters,
# line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Letters and marks that display as nothing (Unicode's default ignorables outside Cf, the blank
# Braille pattern): an id holding one looks like another id.
_BLANK = frozenset(
    [0x034F, 0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)
MAX_MARKS = 4  # combining marks on one character: more is a glitch, not a name


def _visible(value: str, allow: str = "") -> str:
    if value.isascii() and value.isprintable():  # most ids: no character to look up (6 us a message)
        return value
    marks = 0
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if char not in allow and (category in _HIDDEN or ord(char) in _BLANK):
            raise ValueError(f"must not contain control or invisible characters (found U+{ord(char):04X})")
        marks = marks + 1 if category.startswith("M") else 0
        if marks and index == 0:
            raise ValueError("must not start with a combining mark")
        if marks > MAX_MARKS:
            raise ValueError(f"must not stack more than {MAX_MARKS} combining marks on one character")
    return value


def _id(value: str) -> str:
    """NFC, so that an id typed on two keyboards is one id; trimmed and visible."""
    if not value.isascii():  # ASCII is NFC already
        value = unicodedata.normalize("NFC", value)
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    if len(value) > MAX_ID_LENGTH:  # NFC can lengthen a few characters
        raise ValueError(f"must be at most {MAX_ID_LENGTH} characters")
    return _visible(value)


def _text(value: str) -> str:
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if not value.strip():
        raise ValueError("must not be blank")
    return _visible(value, allow="\n\t")


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


# Times, dates and amounts are checked as text here, then read by pydantic's lax parser (strict
# mode would not read a text handed on by a validator): it also reads "1767607200" as a time,
# "1_000" and Arabic-Indic digits as amounts, which upstream never means.


def _rfc3339(value: object) -> object:
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date and time as text, e.g. 2026-01-05T10:00:00Z")
    return value


def _iso_day(value: object) -> object:
    if not isinstance(value, str) or not _ISO_DAY.match(value):
        raise ValueError("must be a date as text, YYYY-MM-DD")
    return value


def _plain_decimal(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a decimal number or a text such as 2.40")
    if isinstance(value, str) and not _DECIMAL.match(value):
        raise ValueError("must be a plain decimal number such as 2.40")
    return value


def exact_int(value: object) -> object:
    """`true` and `1.0` are not 1: pydantic's strict mode lets them through a Literal."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a JSON integer")
    return value


def _in_range(value: datetime) -> datetime:
    """Checked before the move to UTC: 0001-01-01T00:00+05:00 has no UTC time to move to."""
    if _EARLIEST_NAIVE <= value.replace(tzinfo=None) < _LATEST_NAIVE:
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
    Field(
        strict=False, description=f"RFC 3339 text with its UTC offset, {_RANGE} once in UTC; never a number"
    ),
    BeforeValidator(_rfc3339),
    AfterValidator(_in_range),
]
Day = Annotated[
    date,
    Field(strict=False, description=f"YYYY-MM-DD, {_RANGE}"),
    BeforeValidator(_iso_day),
    AfterValidator(_day_in_range),
]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
Count = Annotated[int, Field(ge=0, le=MAX_UNITS)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
WaitDays = Annotated[int, Field(ge=1, le=MAX_DAYS)]
MAX_VOLUME = 1_000_000_000
"""Largest volume (a warehouse's, one unit's), in the unit the shop chose for all of them (e.g. m³)."""
Volume = Annotated[
    Decimal,
    Field(strict=False, gt=0, le=MAX_VOLUME, max_digits=20, decimal_places=6),
    BeforeValidator(_plain_decimal),
]
"""A positive volume, e.g. "0.012" (cubic metres): one unit's or a warehouse's, in one unit of the shop's choice."""
Money = Annotated[
    Decimal,
    Field(strict=False, ge=0, le=MAX_UNITS, max_digits=20, decimal_places=6),
    BeforeValidator(_plain_decimal),
]
