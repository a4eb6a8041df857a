"""Following each order line through its Stock's facts, as the Stock itself counted them.

A line's waiting units on one Stock start at what its request backordered,
fall with every fill, expiry and withdrawal, and rise again when units are
taken back from it, unless the units held there were a substitute (those
are asked of the line's own SKU, never queued on the substitute's). All of
one (Stock, order, line)'s facts come from that one Stock, so ordering them
by notification id is their true order in every feed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.order import Order

Key = tuple[str, str, str]  # (stock_key, order_id, line_id)


@dataclass(frozen=True)
class LineOutcome:
    """One ordered line: what it asked and got at order time, and how its wait ended (so far)."""

    order_id: str
    line_id: str
    sku: str
    requested: int
    allocated: int  # at order time
    backordered: int  # at order time
    requested_at: datetime  # business time of the order message
    filled_at: datetime | None  # business time of the fill that left nothing waiting
    first_eta: date | None  # the first date promised to the line
    waiting: int  # units still waiting on the line's own SKU
    cancelled_by_customer: bool
    cancelled_automatically: bool
    # Business time of the line's last dated fact: when it stopped waiting, if it did unfilled (a
    # withdrawal carries no time of its own, so this is a lower bound for a cancelled line).
    last_fact_at: datetime | None = None

    @property
    def day(self) -> date:
        return self.requested_at.date()

    @property
    def wait_days(self) -> float | None:
        if self.backordered == 0 or self.filled_at is None:
            return None
        return (self.filled_at - self.requested_at).total_seconds() / 86400

    @property
    def eta_slip_days(self) -> int | None:
        """Days the fill came after the first promise (0 if on time); None if it is not judged yet."""
        if self.backordered == 0 or self.filled_at is None or self.first_eta is None:
            return None
        return max(0, (self.filled_at.date() - self.first_eta).days)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def follow(
    requests: Iterable[Mapping[str, Any]],
    movements: Iterable[Mapping[str, Any]],
    promises: Mapping[tuple[str, str], str],
    cancellations: Iterable[Mapping[str, Any]],
) -> tuple[list[LineOutcome], dict[str, int]]:
    """Every ordered line's outcome, and the units waiting now per SKU (every line, substitutes included)."""
    facts, skus = _facts(requests, movements)
    cancelled: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for c in cancellations:
        cancelled[(c["order_key"], c["line_id"])].add(bool(c["automatic"]))
    outcomes: list[LineOutcome] = []
    waiting_by_sku: dict[str, int] = defaultdict(int)
    for key, items in facts.items():
        waiting, first, filled_at, last_at = _walk(items)
        if key[0] in skus:
            waiting_by_sku[skus[key[0]]] += waiting
        if first is not None:
            order_key = str(Order.create_id(first["order_id"]))
            ways = cancelled.get((order_key, first["line_id"]), set())
            outcomes.append(
                LineOutcome(
                    order_id=first["order_id"],
                    line_id=first["line_id"],
                    sku=first["sku"],
                    requested=first["requested"],
                    allocated=first["allocated"],
                    backordered=first["backordered"],
                    requested_at=parse_time(first["requested_at"]),
                    filled_at=filled_at,
                    first_eta=_date(promises.get((order_key, first["line_id"]))),
                    waiting=waiting,
                    cancelled_by_customer=False in ways,
                    cancelled_automatically=True in ways,
                    last_fact_at=last_at,
                )
            )
    outcomes.sort(key=lambda o: (o.requested_at, o.order_id, o.line_id))
    return outcomes, {sku: units for sku, units in waiting_by_sku.items() if units}


def waiting_changes(
    requests: Iterable[Mapping[str, Any]], movements: Iterable[Mapping[str, Any]]
) -> list[tuple[datetime, int]]:
    """Each change of the units waiting (all lines, all SKUs), at its business time, oldest first.

    The same walk as `follow`, so the changes of a line add up to what `follow` says
    still waits on it; a fact without a time takes the time of the fact before it.
    """
    facts, _ = _facts(requests, movements)
    changes: list[tuple[datetime, int]] = []
    for items in facts.values():
        _walk(items, changes)
    return sorted(changes)


def _facts(
    requests: Iterable[Mapping[str, Any]], movements: Iterable[Mapping[str, Any]]
) -> tuple[dict[Key, list[tuple[int, int, str, Mapping[str, Any]]]], dict[str, str]]:
    """Each (Stock, order, line)'s facts in log order, and each Stock's SKU."""
    facts: dict[Key, list[tuple[int, int, str, Mapping[str, Any]]]] = defaultdict(list)
    skus: dict[str, str] = {}
    for r in requests:
        facts[(r["stock_key"], r["order_id"], r["line_id"])].append((r["notification_id"], -1, "request", r))
        skus[r["stock_key"]] = r["sku"]
    for m in movements:
        facts[(m["stock_key"], m["order_id"], m["line_id"])].append(
            (m["notification_id"], m["seq"], m["kind"], m)
        )
    for items in facts.values():
        items.sort(key=lambda item: (item[0], item[1]))
    return facts, skus


def _walk(
    items: list[tuple[int, int, str, Mapping[str, Any]]],
    changes: list[tuple[datetime, int]] | None = None,
) -> tuple[int, Mapping[str, Any] | None, datetime | None, datetime | None]:
    """(units waiting at the end, the line's first own request or None, when its backorder was filled,
    the business time of its last dated fact).

    `changes`, when given, receives each change of the units waiting with its business time.
    """
    substitute_here = any(kind == "request" and row["substitute_for"] for _, _, kind, row in items)
    first: Mapping[str, Any] | None = None
    waiting = 0
    filled_at: datetime | None = None
    when: datetime | None = None
    for _, _, kind, row in items:
        before = waiting
        stamp = row.get("requested_at") if kind == "request" else row.get("at")
        when = parse_time(stamp) if stamp else when
        if kind == "request":
            if first is None and not row["substitute_for"]:
                first = row
            waiting += row["backordered"]
        elif kind == "fill":
            waiting -= row["quantity"]
            if (
                waiting == 0
                and first is not None
                and first["backordered"]
                and filled_at is None
                and row["at"]
            ):
                filled_at = parse_time(row["at"])
        elif kind == "revoke":
            waiting += 0 if substitute_here else row["quantity"]
        else:  # expire, withdraw
            waiting -= row["quantity"]
        if changes is not None and when is not None and waiting != before:
            changes.append((when, waiting - before))
    return waiting, first, filled_at, when


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
