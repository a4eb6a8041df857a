"""Changes to a SKU's backorder queue: one sorted list, one entry per waiting line.

Used by the Stock's event bodies, so they only change state: the decisions
(who, how many, where) were taken before and are in the events.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable
from datetime import date
from itertools import islice
from typing import Any

from domain.eta import EtaPlan
from domain.values import QueueEntry


def entry_for(line: Any, order_id: str, line_id: str, quantity: int, since: date) -> QueueEntry:
    """A waiting entry for a line request or a reservation taken back."""
    return QueueEntry(
        order_id=order_id,
        line_id=line_id,
        quantity=quantity,
        tier=line.tier,
        placed_at=line.placed_at,
        since=since,
        wait_limit=line.wait_limit,
    )


def join_at(queue: list[QueueEntry], index: int, entry: QueueEntry) -> None:
    """Put `entry` at `index`, or add its units to the same line's entry already there."""
    if index < len(queue) and queue[index].key == entry.key:
        queue[index] = queue[index].model_copy(update={"quantity": queue[index].quantity + entry.quantity})
    else:
        queue.insert(index, entry)


def join_in_order(queue: list[QueueEntry], entry: QueueEntry, key: Callable[[Any], tuple]) -> None:
    """Add `entry` at its policy place, merged with the line's entry if it already waits."""
    for index, waiting in enumerate(queue):
        if waiting.key == entry.key:
            del queue[index]
            entry = waiting.model_copy(update={"quantity": waiting.quantity + entry.quantity})
            break
    insort(queue, entry, key=key)


def take_from_head(queue: list[QueueEntry], quantity: int) -> QueueEntry:
    """Serve `quantity` units to the head entry; returns it as it was."""
    head = queue[0]
    if quantity == head.quantity:
        queue.pop(0)
    else:
        queue[0] = head.model_copy(update={"quantity": head.quantity - quantity})
    return head


def apply_promises(queue: list[QueueEntry], start: int, plan: EtaPlan) -> tuple[list[QueueEntry], int]:
    """The queue with new promises and without expired lines; and the units that left.

    Runs on every replay; a plan usually names a few lines of a long queue, near
    `start` (the line that joined and those it pushed past a PO), so the look
    stops at the last line it names, only the entries of the orders it names are
    looked at one by one, and the runs of lines between them are copied as they are.
    """
    changes = {(c.order_id, c.line_id): c for c in plan.changes}
    gone = {(e.order_id, e.line_id) for e in plan.expired}
    orders = {order_id for order_id, _ in changes} | {order_id for order_id, _ in gone}
    unseen = len(changes) + len(gone)
    kept = queue[:start]
    left = 0
    copied_to = start
    named = (i for i, entry in enumerate(islice(queue, start, None), start) if entry.order_id in orders)
    for index in named if unseen else ():
        entry = queue[index]
        key = (entry.order_id, entry.line_id)
        change = None if key in gone else changes.get(key)
        if key not in gone and change is None:
            continue
        kept.extend(queue[copied_to:index])
        copied_to = index + 1
        if change is None:
            left += entry.quantity
        else:
            kept.append(entry.model_copy(update={"eta": change.new, "needs_purchase": change.needs_purchase}))
        unseen -= 1
        if not unseen:
            break
    kept.extend(queue[copied_to:])
    return kept, left


def units_before(queue: list[QueueEntry], index: int, waiting: int) -> int:
    """Units waiting ahead of queue[index], summing whichever side is shorter.

    Every event body changes `waiting` by exactly the units it adds to or
    takes from the queue, so `waiting` always equals the queue's total and
    both sides give the same figure; a line joining near the head of a long
    queue then costs the lines ahead of it, not those behind.
    """
    if index <= len(queue) // 2:
        return sum(entry.quantity for entry in islice(queue, index))
    return waiting - sum(entry.quantity for entry in islice(queue, index, None))
