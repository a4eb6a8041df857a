"""Failover: buying from the backup what a slipping supply would deliver too late.

Under `eta-v3` (domain/eta.py) a waiting line whose supply would come past its
maximum wait, or whose purchase order is later than its supplier's
`failover_after_days`, is promised from the next source instead, and carries
that source's id (`QueueEntry.failover`). The Stock then suggests buying those
lines' units from it: what the moved lines wait for, less what was suggested
from it for them before and not yet ordered, in the source's order multiples
(at least its minimum). A suggestion that outgrew the lines still moved (a PO
came back on time, a line was filled or cancelled) is reduced. Everything here
reads the queue as the suggestion's decision saw it, so replay recomputes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.base import Value
from domain.eta import Failover
from domain.replenishment import order_quantity
from domain.values import QueueEntry, Source

NAMED_LINES = 20  # lines a suggestion names (all are counted)


class SavedLine(Value):
    """A waiting line a failover purchase would serve in time."""

    order_id: str
    line_id: str
    quantity: int


@dataclass(frozen=True)
class FailoverStep:
    """One backup's failover suggestion: how much to buy from it, and the lines it serves."""

    supplier_id: str
    quantity: int
    units: int  # units the moved lines wait for
    lines: list[SavedLine]  # the first NAMED_LINES of them, in queue order
    line_count: int


def moved_lines(queue: Iterable[QueueEntry]) -> dict[str, list[QueueEntry]]:
    """Waiting lines eta-v3 moved to another source, by that source, in queue order."""
    found: dict[str, list[QueueEntry]] = {}
    for entry in queue:
        if entry.failover is not None:
            found.setdefault(entry.failover, []).append(entry)
    return found


def next_failover(
    moved: Mapping[str, list[QueueEntry]], outstanding: Mapping[str, int], sources: Mapping[str, Source]
) -> FailoverStep | None:
    """The first source (by id) whose moved lines (`moved_lines`) need more than is suggested from it."""
    for supplier_id, entries in sorted(moved.items()):
        units = sum(e.quantity for e in entries)
        missing = units - outstanding.get(supplier_id, 0)
        if missing <= 0:
            continue
        source = sources.get(supplier_id)
        quantity = order_quantity(missing, source) if source is not None else missing
        lines = [SavedLine(order_id=e.order_id, line_id=e.line_id, quantity=e.quantity) for e in entries]
        return FailoverStep(supplier_id, quantity, units, lines[:NAMED_LINES], len(lines))
    return None


def reductions(
    moved: Mapping[str, list[QueueEntry]], outstanding: Mapping[str, int], sources: Mapping[str, Source]
) -> list[tuple[str, int]]:
    """(source, what is still worth suggesting from it) where less than is outstanding."""
    cut = []
    for supplier_id, suggested in sorted(outstanding.items()):
        units = sum(e.quantity for e in moved.get(supplier_id, ()))
        source = sources.get(supplier_id)
        worth = 0 if not units else order_quantity(units, source) if source is not None else units
        if worth < suggested:
            cut.append((supplier_id, worth))
    return cut


def failover_reason(step: FailoverStep, moved: Sequence[Failover]) -> str:
    """Why, from the walk that moved them (`moved`: this decision's moves to the step's source)."""
    mine = [m for m in moved if m.backup_id == step.supplier_id]
    head = (
        f"{step.line_count} waiting line(s) ({step.units} units) promised from {step.supplier_id} "
        f"instead of their slipping supply"
    )
    if mine:
        first = mine[0]
        cause = (
            f"PO {first.po_id} from {first.supplier_id} is {first.late_days} day(s) late"
            if first.wait_limit is None or first.eta <= first.wait_limit
            else f"PO {first.po_id} from {first.supplier_id} would serve them on {first.eta.isoformat()}, "
            f"past their maximum wait ({first.wait_limit.isoformat()})"
        )
        head += f": {cause}; buying from {step.supplier_id} now promises {first.backup_eta.isoformat()}"
    return f"{head}; suggest {step.quantity} from {step.supplier_id}"


def take_from(by_supplier: Mapping[str, int], supplier_id: str, units: int) -> tuple[dict[str, int], int]:
    """`units` ordered from `supplier_id` taken off its share first: the shares left, and the units left over."""
    left = dict(by_supplier)
    share = left.get(supplier_id, 0)
    used = min(share, max(0, units))
    if share - used > 0:
        left[supplier_id] = share - used
    else:
        left.pop(supplier_id, None)
    return left, max(0, units) - used
