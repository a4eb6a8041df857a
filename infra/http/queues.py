"""SKU queues remembered between requests until the queue read model moves.

Ops ask for the same long queue again and again (the busiest SKU is a quarter of
`GET /backorders?sku=` in the HTTP bench), and building one from its rows costs
about 4 ms for 200 waiting lines, while the queue projection may not have moved
since the last ask. The mark is the projection's position in every feed, read in
the same transaction as the rows, so an answer is never older than the position it
was read at; any event the projection applies changes the mark and the next ask
reads the rows again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from projections import positions
from projections.positions import Mark
from projections.queue_read import SkuQueue, sku_queue

if TYPE_CHECKING:
    from projections.store import Tx


class QueueCache:
    """Used under the backend's lock: one request at a time reads or fills it."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[Mark, SkuQueue | None]] = OrderedDict()

    def mark(self, tx: Tx) -> Mark:
        return positions.mark(tx, "queue")

    def queue(self, tx: Tx, sku: str, mark: Mark | None = None) -> SkuQueue | None:
        """`sku_queue(tx, sku)`, from memory while the projection stands at `mark` (read if not given)."""
        now = self.mark(tx) if mark is None else mark
        kept = self._kept.get(sku)
        if kept is not None and kept[0] == now:
            self._kept.move_to_end(sku)
            return kept[1]
        found = sku_queue(tx, sku)
        self._kept[sku] = (now, found)
        self._kept.move_to_end(sku)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return found
