"""A SKU's reservations: units allocated to order lines and not yet shipped, and their sum.

The Stock's event bodies hold and release units only through these methods, so
the units allocated always equal the sum of the reservations: available to
promise is then on hand less one number, without a walk of every line.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping
from datetime import datetime

from domain.allocation import line_key
from domain.values import LineRequest, QueueEntry, Reservation


class Reservations(Mapping[str, Reservation]):
    """Reservations by line key (`line_key(order_id, line_id)`), and the units they hold.

    Mutable, like the Stock's queue, for the same reason: an event body changes
    one line of many, on every replay. Compared by value.
    """

    __slots__ = ("_by_line", "_allocated")

    def __init__(self, by_line: Mapping[str, Reservation] | None = None) -> None:
        self._by_line = dict(by_line or {})
        self._allocated = sum(reservation.quantity for reservation in self._by_line.values())

    @property
    def allocated(self) -> int:
        return self._allocated

    def __getitem__(self, key: str) -> Reservation:
        return self._by_line[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_line)

    def __len__(self) -> int:
        return len(self._by_line)

    def items(self) -> ItemsView[str, Reservation]:
        """The dict's own view: Mapping's looks each key up again (redistribution reads them all)."""
        return self._by_line.items()

    def __repr__(self) -> str:
        return f"Reservations({self._by_line!r})"

    def for_line(self, order_id: str, line_id: str) -> int:
        reservation = self._by_line.get(line_key(order_id, line_id))
        return reservation.quantity if reservation else 0

    def hold(
        self,
        order_id: str,
        line_id: str,
        quantity: int,
        line: LineRequest | QueueEntry,
        at: datetime | None = None,
    ) -> None:
        """Allocate `quantity` more units to the line, on the terms it asked (or waited) with;
        `at`: the decision's time (redistribution takes only recent allocations)."""
        key = line_key(order_id, line_id)
        held = self._by_line.get(key)
        self._by_line[key] = Reservation(
            quantity=quantity + (held.quantity if held else 0),
            tier=line.tier,
            placed_at=line.placed_at,
            wait_limit=line.wait_limit,
            substitute_for=line.substitute_for if isinstance(line, LineRequest) else None,
            customer_id=line.customer_id,
            customer_group=line.customer_group,
            channel=line.channel,
            allocated_at=at,
        )
        self._allocated += quantity

    def release(self, order_id: str, line_id: str, quantity: int) -> Reservation:
        """Give back `quantity` of the line's units; returns its reservation as it was."""
        key = line_key(order_id, line_id)
        held = self._by_line[key]
        if held.quantity == quantity:
            del self._by_line[key]
        else:
            self._by_line[key] = held.model_copy(update={"quantity": held.quantity - quantity})
        self._allocated -= quantity
        return held
