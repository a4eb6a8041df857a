"""`replenish-v3`: replenish-v2, after first expediting from the fastest source what customers wait for.

A desk that sees customers waiting, and nothing on order that comes before a faster
(dearer) backup could deliver, buys those units from the backup. `replenish-v2` ranks
sources primary first whatever the queue, so it leaves such customers waiting a
primary's lead time. `replenish-v3` makes the desk's habit a rule:

- the fastest source is the one with the shortest lead time (ties: the usual rank);
  when it is the preferred source anyway, there is nothing to expedite;
- the shortfall is the units customers wait for that neither free units nor open PO
  lines arriving by today + the fastest source's lead time cover (lines already on order
  from the fastest source count, late or not: ordering again from it brings none sooner);
- less what is already suggested from the fastest source (replenishment and failover),
  what is missing is suggested from it first, in its order multiples, at least its
  minimum, within the room its weekly capacity leaves (none: nothing is expedited);
- then replenish-v2 runs as released, the expedited units counting as suggested.

Kept apart from domain/replenishment.py, which holds the released versions unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property

from domain.eta import source_rank
from domain.replenishment import OrderUpTo, Suggestion, order_quantity, order_terms, preferred, trimmed
from domain.values import Source


def fastest(sources: tuple[Source, ...]) -> Source | None:
    """The source that delivers soonest: shortest lead time, ties by the usual rank."""
    return min(sources, key=lambda s: (s.lead_time_days, source_rank(s)), default=None)


@dataclass(frozen=True)
class ExpediteFirst:
    """What `replenish-v3` sees: replenish-v2's view of the SKU, and the failover purchases
    suggested and not yet ordered (units already bought from the fast source for waiting lines)."""

    base: OrderUpTo
    failover_from: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def fast(self) -> Source | None:
        """The fastest source, when it delivers sooner than the preferred one; else None."""
        quick = fastest(self.base.sources)
        ranked = preferred(self.base.sources)
        if quick is None or quick.supplier_id == ranked[0].supplier_id:
            return None
        return quick

    @cached_property
    def arriving_in_time(self) -> int:
        """Units of open PO lines that come no later than an order placed today from the fast source:
        those arriving on or before the day it would deliver, and all already on order from it (one
        running late says the source is slow now: a new order from it would come no sooner, and
        counting it out would buy the same units again every day it is late)."""
        fast = self.fast
        if fast is None:
            return 0
        by = self.base.today + timedelta(days=fast.lead_time_days)
        return sum(
            line.quantity
            for line in self.base.inbound
            if line.arrival <= by or line.supplier_id == fast.supplier_id
        )

    @property
    def gap(self) -> int:
        """Units up to the level (replenish-v2's): an outstanding suggestion within it stands."""
        return self.base.gap

    @property
    def shortfall(self) -> int:
        """Units customers wait for that nothing free or on order brings by then."""
        return max(0, self.base.waiting - self.base.available - self.arriving_in_time)

    def already_from_fast(self) -> int:
        if self.fast is None:
            return 0
        supplier_id = self.fast.supplier_id
        return self.base.suggested_from.get(supplier_id, 0) + self.failover_from.get(supplier_id, 0)

    def expedite(self) -> Suggestion | None:
        """The fast source's share for the waiting customers, if any is missing and it has room."""
        source = self.fast
        if source is None:
            return None
        missing = self.shortfall - self.already_from_fast()
        if missing <= 0:
            return None
        quantity = order_quantity(missing, source)
        room = self.base.room(source)
        if room is not None and quantity > room:
            step = max(1, source.order_multiple)
            quantity = max(0, room) // step * step
            if quantity <= 0 or quantity < source.minimum_order_quantity:
                return None  # no room this week: replenish-v2's ranking finds the next source
        return Suggestion(
            source.supplier_id,
            quantity,
            self._reason(source, missing, quantity, room),
            {
                "expedite": True,
                "shortfall": self.shortfall,
                "already_suggested_from_fast": self.already_from_fast(),
                "fast_source": source.supplier_id,
                "fast_lead_time_days": source.lead_time_days,
                "preferred_source": preferred(self.base.sources)[0].supplier_id,
                "arriving_in_time": self.arriving_in_time,
                "waiting": self.base.waiting,
                "available": self.base.available,
                "room": room,
            },
        )

    def next_suggestion(self) -> Suggestion | None:
        """The expedite step first; once nothing is missing there, replenish-v2's next step."""
        return self.expedite() or self.base.next_suggestion()

    def wanted(self) -> int:
        """What an outstanding suggestion is still worth: all the rule would suggest, nothing being
        suggested yet and the reorder point taken as reached (as replenish-v2's `wanted`)."""
        fresh = replace(self, base=replace(self.base, suggested=0, suggested_from={}, standing=True))
        total = 0
        for _ in range(len(self.base.sources) + 2):
            step = fresh.next_suggestion()
            if step is None:
                break
            total += step.quantity
            taken = dict(fresh.base.suggested_from)
            taken[step.supplier_id] = taken.get(step.supplier_id, 0) + step.quantity
            fresh = replace(fresh, base=replace(fresh.base, suggested=total, suggested_from=taken))
        return total

    def kept(self, wanted: int) -> dict[str, int]:
        """The outstanding suggestion cut to `wanted`: the fast source's units for the shortfall stay,
        the rest is trimmed least preferred supplier first (as replenish-v2 trims)."""
        if self.fast is None:
            return self.base.kept(wanted)
        by_supplier = dict(self.base.suggested_from)
        ranking = [s.supplier_id for s in preferred(self.base.sources)]
        supplier_id = self.fast.supplier_id
        held = min(by_supplier.get(supplier_id, 0), self.shortfall, wanted)
        by_supplier[supplier_id] = by_supplier.get(supplier_id, 0) - held
        kept = trimmed(by_supplier, wanted - held, ranking)
        if held:
            kept[supplier_id] = kept.get(supplier_id, 0) + held
        return dict(sorted(kept.items()))

    def _reason(self, source: Source, missing: int, quantity: int, room: int | None) -> str:
        first = preferred(self.base.sources)[0]
        later = sorted(
            (
                line
                for line in self.base.inbound
                if line.arrival > self.base.today + timedelta(days=source.lead_time_days)
            ),
            key=lambda line: (line.arrival, line.supplier_id, line.po_id),
        )
        on_order = f"next PO {later[0].arrival.isoformat()}" if later else "nothing later on order"
        terms = order_terms(source, room)
        share = f"{quantity} from {source.supplier_id}"
        if quantity < missing:
            share += ", all its capacity allows"
        return (
            f"expedite: {missing} units customers wait for come no sooner from supply on order "
            f"({on_order}); {source.supplier_id} delivers in {source.lead_time_days} days against "
            f"{first.supplier_id}'s {first.lead_time_days}: {share} ({terms})"
        )
