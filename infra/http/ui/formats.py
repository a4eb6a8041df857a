"""How figures read on a page: shares as percentages, days with one decimal, times in UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} d"


def when(value: Any) -> str:
    """An API time (text or datetime) as `YYYY-MM-DD HH:MM UTC`; a day stays a day."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else value
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value.utcoffset() is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def yesno(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


FILTERS: dict[str, Callable[..., str]] = {"pct": pct, "days": days, "when": when, "yesno": yesno}
