"""Product allocation: per-period quotas per customer, customer group or channel (quota-v1).

SAP calls it product allocation: a scarce SKU is capped per customer (or region,
or channel) per period, so one big buyer cannot empty the shelf. A quota is
counted in units allocated from the SKU in a calendar period of the decision's
time (UTC; ISO weeks), never the wall clock: replay finds the same period.

Pure: the Stock keeps the units used in the current period (`QuotaUse`) and hands
them in; these functions only say which period a time falls in, whose quota a
line counts against and how much of it is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from pydantic import Field

from domain.base import Value


class Period(str, Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Per(str, Enum):
    CUSTOMER = "customer"
    GROUP = "group"
    CHANNEL = "channel"


class Beyond(str, Enum):
    """What the part of a line over its quota waits for."""

    NEXT_PERIOD = "next_period"  # the next calendar period
    UNWANTED = "unwanted"  # units no line within its quota waits for


class Quota(Value):
    """The most units one customer / group / channel may have allocated from a SKU per period."""

    units: int = Field(gt=0)
    period: Period
    per: Per
    beyond: Beyond = Beyond.NEXT_PERIOD

    def describe(self) -> str:
        return f"{self.units}/{self.period.value}"


class Asker(Protocol):
    """What a quota looks at on a line: who asked (None on lines stored before it was kept)."""

    @property
    def order_id(self) -> str: ...
    @property
    def customer_id(self) -> str | None: ...
    @property
    def customer_group(self) -> str | None: ...
    @property
    def channel(self) -> str | None: ...


def quota_key(quota: Quota, line: Asker) -> str:
    """Whose quota the line counts against, e.g. "customer C1", "group north", "channel web".

    An order without a group or channel counts as its own customer; a line stored
    before customers were kept on lines counts as its own order.
    """
    customer = f"customer {line.customer_id}" if line.customer_id else f"order {line.order_id}"
    if quota.per is Per.GROUP and line.customer_group:
        return f"group {line.customer_group}"
    if quota.per is Per.CHANNEL and line.channel:
        return f"channel {line.channel}"
    return customer


def period_of(period: Period, at: datetime) -> str:
    """The calendar period `at` falls in: "2026-12-06", "2026-W49" (ISO week) or "2026-12"."""
    day = at.date()
    if period is Period.DAY:
        return day.isoformat()
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def next_period(period: Period, at: datetime) -> str:
    """The period after the one `at` falls in (what a line over its quota waits for)."""
    return period_of(period, datetime.combine(next_period_start(period, at), datetime.min.time()))


def next_period_start(period: Period, at: datetime) -> date:
    """The first day of the period after the one `at` falls in (ISO weeks start on Monday)."""
    day = at.date()
    if period is Period.DAY:
        return day + timedelta(days=1)
    if period is Period.WEEK:
        return day + timedelta(days=7 - day.weekday())
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class QuotaUse(Value):
    """Units allocated per quota key in one period (the Stock keeps the current period's)."""

    period: str | None = None
    used: dict[str, int] = {}

    def in_period(self, label: str) -> Mapping[str, int]:
        """What was used in `label` (read only): nothing if the use kept is of another (earlier) period."""
        return self.used if self.period == label else {}

    def plus(self, label: str, key: str, units: int) -> QuotaUse:
        """Decisions never go back in time (domain/decisions.py's `decided_at`), so a new
        period only ever follows: what was used before it is forgotten. Built without
        validation (it runs in event bodies, on every allocation): the values are ints."""
        used = dict(self.in_period(label))
        count = max(0, used.get(key, 0) + units)
        if count:
            used[key] = count
        else:
            used.pop(key, None)
        return QuotaUse.model_construct(period=label, used=used)


def left(quota: Quota, used: Mapping[str, int], line: Asker) -> int:
    return max(0, quota.units - used.get(quota_key(quota, line), 0))


def waits_reason(quota: Quota, used: Mapping[str, int], line: Asker, at: datetime, taken: int = 0) -> str:
    """E.g. "quota of 5/week for customer C used: 5; waits for 2026-W50" (`taken`: just now)."""
    key = quota_key(quota, line)
    then = (
        f"waits for {next_period(quota.period, at)}"
        if quota.beyond is Beyond.NEXT_PERIOD
        else "waits for units no line within its quota waits for"
    )
    return f"quota of {quota.describe()} for {key} used: {used.get(key, 0) + taken}; {then}"


def quota_inputs(
    quota: Quota | None, at: datetime, used: Mapping[str, int], line: Asker | None
) -> dict[str, Any]:
    """What a quota decision saw, for its record: the quota, and (for one line) its key's use;
    not every key's, which would grow every event with the number of customers."""
    if quota is None:
        return {}
    inputs: dict[str, Any] = {
        "quota": f"{quota.describe()} per {quota.per.value}, beyond: {quota.beyond.value}",
        "quota_period": period_of(quota.period, at),
    }
    if line is not None:
        key = quota_key(quota, line)
        inputs.update(quota_key=key, quota_used=used.get(key, 0))
    return inputs
