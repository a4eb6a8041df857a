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


class Waiting(Asker, Protocol):
    """A waiting line as a quota looks at it: who asked, and for how many units."""

    @property
    def quantity(self) -> int: ...


class OverQuota:
    """When each waiting line may next take units under the quota, given its use this period:
    `until` (the next period's first day) for a line its key's use leaves no room for, else None.

    eta-v4 asks it of every waiting line on every walk, so a line's use is looked up by who asked
    (the use split once by the kind of key), not by building the line's `quota_key`; a line no
    bigger than the room every key has left needs no lookup at all. It answers as
    `used.get(quota_key(quota, line), 0) + line.quantity > quota.units` does.
    """

    __slots__ = (
        "_by_channel",
        "_by_group",
        "_channel",
        "_customer",
        "_group",
        "_order",
        "_room",
        "_units",
        "until",
    )

    def __init__(self, quota: Quota, used: Mapping[str, int], until: date) -> None:
        self._units, self.until = quota.units, until
        self._room = quota.units - max(used.values(), default=0)  # what the most used key has left
        by_kind: dict[str, dict[str, int]] = {"customer": {}, "order": {}, "group": {}, "channel": {}}
        for key, units in used.items():
            kind, _, who = key.partition(" ")  # as quota_key builds it: "<kind> <who>"
            by_kind.setdefault(kind, {})[who] = units
        self._customer, self._order = by_kind["customer"], by_kind["order"]
        self._group, self._channel = by_kind["group"], by_kind["channel"]
        self._by_group, self._by_channel = quota.per is Per.GROUP, quota.per is Per.CHANNEL

    @property
    def latest(self) -> date:
        """No line waits for a later date than the next period's first day."""
        return self.until

    def __call__(self, line: Waiting) -> date | None:
        quantity = line.quantity
        if quantity <= self._room:
            return None
        # quota_key's choice of key, without the string
        if self._by_group and line.customer_group:
            used = self._group.get(line.customer_group, 0)
        elif self._by_channel and line.channel:
            used = self._channel.get(line.channel, 0)
        elif line.customer_id:
            used = self._customer.get(line.customer_id, 0)
        else:
            used = self._order.get(line.order_id, 0)
        return self.until if used + quantity > self._units else None


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
