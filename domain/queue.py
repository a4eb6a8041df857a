"""A SKU's backorder queue: its waiting lines in policy order, and the units they wait for.

The Stock's event bodies change the queue only through these methods, so the
units waiting always equal the sum of the entries: no event body keeps that sum
by hand. The decisions (who, how many, where) were taken before and are in the
events; these methods only carry them out.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import islice
from typing import Any, overload

from domain.eta import EtaPlan
from domain.values import LinePlace, LineRequest, QueueEntry, Reservation

SortKey = Callable[[Any], tuple[Any, ...]]


class Queue(Sequence[QueueEntry]):
    """Waiting lines, one entry per line, and their total.

    Mutable, unlike the values it holds: a queue may hold 100,000 lines and an
    event body changes one of them, on every replay; copying the whole queue per
    event would make replaying a deep queue quadratic. Compared by value.
    """

    __slots__ = ("_entries", "_waiting")

    def __init__(self, entries: Iterable[QueueEntry] = ()) -> None:
        self._entries = list(entries)
        self._waiting = sum(entry.quantity for entry in self._entries)

    # ----------------------------------------------------------------- reads
    @property
    def waiting(self) -> int:
        """Units the lines wait for, kept for O(1) reads and tail inserts."""
        return self._waiting

    @overload
    def __getitem__(self, index: int) -> QueueEntry: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[QueueEntry]: ...

    def __getitem__(self, index: int | slice) -> QueueEntry | Sequence[QueueEntry]:
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[QueueEntry]:
        return iter(self._entries)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Queue) and self._entries == other._entries

    def __repr__(self) -> str:
        return f"Queue({self._entries!r})"

    def position_of(self, order_id: str, line_id: str) -> int | None:
        """The line's 1-based place, if it waits."""
        for index, entry in enumerate(self._entries):
            if entry.order_id == order_id and entry.line_id == line_id:
                return index + 1
        return None

    def units_before(self, index: int) -> int:
        """Units waiting ahead of the entry at `index`."""
        return units_before(self._entries, index, self._waiting)

    def moved_back_by(self, position: int, key: tuple[str, str], named: int) -> tuple[list[LinePlace], int]:
        """The lines a line joining at `position` moves back one place: the first `named`
        of them with their new places, and how many move in all."""
        index = position - 1
        if position > len(self._entries) or self._entries[index].key == key:
            return [], 0  # at the tail, or the line already waits there: nobody moves
        places = [
            LinePlace(order_id=entry.order_id, line_id=entry.line_id, position=place)
            for place, entry in enumerate(islice(self._entries, index, index + named), start=position + 1)
        ]
        return places, len(self._entries) - index

    # --------------------------------------------------------------- changes
    def join_at(self, index: int, entry: QueueEntry) -> None:
        """Put `entry` at `index`, or add its units to the same line's entry already there."""
        entries = self._entries
        if index < len(entries) and entries[index].key == entry.key:
            entries[index] = with_quantity(entries[index], entries[index].quantity + entry.quantity)
        else:
            entries.insert(index, entry)
        self._waiting += entry.quantity

    def join_in_order(self, entry: QueueEntry, key: SortKey) -> None:
        """Add `entry` at its policy place, merged with the line's entry if it already waits."""
        self._waiting += entry.quantity
        for index, waiting in enumerate(self._entries):
            if waiting.key == entry.key:
                del self._entries[index]
                entry = with_quantity(waiting, waiting.quantity + entry.quantity)
                break
        insort(self._entries, entry, key=key)

    def serve_head(self, quantity: int) -> QueueEntry:
        """Serve `quantity` units to the head entry; returns it as it was."""
        return self._serve_at(0, quantity)

    def serve(self, order_id: str, line_id: str, quantity: int) -> QueueEntry:
        """Serve `quantity` units to the line, wherever it waits (the head, in O(1), for every
        policy that serves in queue order; rationing policies may pass lines held back)."""
        entries = self._entries
        if entries and entries[0].order_id == order_id and entries[0].line_id == line_id:
            return self._serve_at(0, quantity)
        position = self.position_of(order_id, line_id)
        if position is None:
            raise KeyError((order_id, line_id))
        return self._serve_at(position - 1, quantity)

    def _serve_at(self, index: int, quantity: int) -> QueueEntry:
        entry = self._entries[index]
        if quantity == entry.quantity:
            self._entries.pop(index)
        else:
            self._entries[index] = with_quantity(entry, entry.quantity - quantity)
        self._waiting -= quantity
        return entry

    def withdraw(self, order_id: str, line_id: str) -> QueueEntry:
        """Take the line out (its place is not kept); returns its entry."""
        position = self.position_of(order_id, line_id)
        if position is None:
            raise KeyError((order_id, line_id))
        entry = self._entries.pop(position - 1)
        self._waiting -= entry.quantity
        return entry

    def move(self, order_id: str, line_id: str, position: int, released: int | None) -> None:
        """The line to `position` (1-based, counted after it left its place), released or not."""
        entry = self.withdraw(order_id, line_id)
        self.join_at(position - 1, entry.model_copy(update={"released": released}))

    def resort(self, key: SortKey) -> None:
        self._entries.sort(key=key)

    def promise(self, start: int, plan: EtaPlan) -> None:
        """Give the lines a plan names their new promise; the lines it expires leave."""
        self._entries, left = apply_promises(self._entries, start, plan)
        self._waiting -= left


def with_quantity(entry: QueueEntry, quantity: int) -> QueueEntry:
    return entry.model_copy(update={"quantity": quantity})


def entry_for(
    line: LineRequest | Reservation, order_id: str, line_id: str, quantity: int, since: date
) -> QueueEntry:
    """A waiting entry for a line request or a reservation taken back."""
    return QueueEntry(
        order_id=order_id,
        line_id=line_id,
        quantity=quantity,
        tier=line.tier,
        placed_at=line.placed_at,
        since=since,
        wait_limit=line.wait_limit,
        customer_id=line.customer_id,
        customer_group=line.customer_group,
        channel=line.channel,
    )


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
            kept.append(
                entry.model_copy(
                    update={
                        "eta": change.new,
                        "needs_purchase": change.needs_purchase,
                        "failover": change.failover,
                    }
                )
            )
        unseen -= 1
        if not unseen:
            break
    kept.extend(queue[copied_to:])
    return kept, left


def units_before(queue: Sequence[QueueEntry], index: int, waiting: int) -> int:
    """Units waiting ahead of queue[index], summing whichever side is shorter.

    `waiting` is the queue's total, so both sides give the same figure; a line
    joining near the head of a long queue then costs the lines ahead of it, not
    those behind.
    """
    if index <= len(queue) // 2:
        return sum(entry.quantity for entry in islice(queue, index))
    return waiting - sum(entry.quantity for entry in islice(queue, index, None))
