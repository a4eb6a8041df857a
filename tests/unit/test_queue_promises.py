"""Applying an ETA plan to a queue: what it names changes or leaves, nothing else moves."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.eta import EtaChange, EtaPlan, Expiry
from domain.queue import apply_promises
from domain.values import QueueEntry, Tier

DAY = date(2026, 3, 2)


def entry(order: int, line: int, quantity: int) -> QueueEntry:
    return QueueEntry(
        order_id=f"o{order}",
        line_id=f"l{line}",
        quantity=quantity,
        tier=Tier.STANDARD,
        placed_at=datetime(2026, 3, 1, 9),
        since=DAY,
    )


@st.composite
def queue_and_plan(draw):
    # Lines of one order sit apart in the queue, so the look must match whole keys.
    keys = draw(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 3)), unique=True, max_size=40))
    queue = [entry(o, li, draw(st.integers(1, 9))) for o, li in keys]
    start = draw(st.integers(0, len(queue)))
    fates = draw(
        st.lists(st.sampled_from(["stay", "change", "expire"]), min_size=len(queue), max_size=len(queue))
    )
    changes, expired = [], []
    for index, (waiting, fate) in enumerate(zip(queue, fates, strict=True)):
        if index < start or fate == "stay":
            continue
        if fate == "change":
            new = DAY + timedelta(days=draw(st.integers(0, 60)))
            changes.append(
                EtaChange(
                    order_id=waiting.order_id,
                    line_id=waiting.line_id,
                    old=None,
                    new=new,
                    needs_purchase=draw(st.booleans()),
                )
            )
        else:
            expired.append(
                Expiry(
                    order_id=waiting.order_id,
                    line_id=waiting.line_id,
                    quantity=waiting.quantity,
                    eta=DAY,
                    wait_limit=DAY,
                )
            )
    return queue, start, EtaPlan(changes=changes, expired=expired)


@given(queue_and_plan())
def test_named_lines_get_their_promise_or_leave_and_every_other_line_stays_as_it_was(case):
    queue, start, plan = case
    changed = {(c.order_id, c.line_id): c for c in plan.changes}
    gone = {(e.order_id, e.line_id) for e in plan.expired}
    expected = [
        waiting.model_copy(update={"eta": c.new, "needs_purchase": c.needs_purchase})
        if (c := changed.get(waiting.key)) is not None
        else waiting
        for waiting in queue
        if waiting.key not in gone
    ]
    kept, left = apply_promises(list(queue), start, plan)
    assert kept == expected
    assert left == sum(waiting.quantity for waiting in queue if waiting.key in gone)


def test_a_plan_naming_only_the_line_that_joined_leaves_the_long_tail_behind_it_untouched():
    queue = [entry(n, 0, 1) for n in range(1000)]
    change = EtaChange(order_id="o10", line_id="l0", old=None, new=DAY, needs_purchase=True)
    kept, left = apply_promises(queue, 10, EtaPlan(changes=[change], expired=[]))
    assert kept[10].eta == DAY and left == 0
    assert all(a is b for a, b in zip(kept[11:], queue[11:], strict=True))
