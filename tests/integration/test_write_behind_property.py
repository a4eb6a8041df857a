"""Write-behind decides what a settled engine decides, whatever the store refuses on the way.

Random traffic (orders, cancellations, shipments, receipts, redeliveries and
messages about unknown orders) is cut into random batches, submitted back to
back to an engine that writes behind; writes picked at random are refused as if
another instance had got there first. The outcome of every message, the dead
letters and the aggregates must be those of an engine that saves each batch
before it decides the next. The memory store keeps it fast; the PostgreSQL
tests (test_write_behind.py) refuse writes for real.
"""

from __future__ import annotations

import itertools
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.bootstrap import engine_env, writer_for
from infra.settings import Settings
from services.dead_letters import DeadLetter
from services.engine import Engine
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m
from tests.integration.test_batches import _business

SKUS = ("A", "B")
FEED = "antrian.orders:0"

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("place"), st.integers(0, 7), st.sampled_from(SKUS), st.integers(1, 4), st.booleans()
        ),
        st.tuples(st.just("cancel"), st.integers(0, 9)),
        st.tuples(st.just("ship"), st.integers(0, 9)),
        st.tuples(st.just("receive"), st.sampled_from(SKUS), st.integers(1, 6)),
        st.tuples(st.just("again"), st.integers(0, 40)),
    ),
    min_size=1,
    max_size=40,
)


def traffic(plan: list[tuple]) -> list[dict[str, Any]]:
    """Messages from steps; order numbers 8 and 9 are never placed (their messages are refused)."""
    sent: list[dict[str, Any]] = [
        m.supplier_registered("s1", "S1", list(SKUS)),
        m.stock_received("r0", "A", 3, at=m.ts(0, 0, 1)),
    ]
    for n, step in enumerate(plan, 1):
        at = m.ts(0, 1, n)
        kind = step[0]
        if kind == "place":
            _, order, sku, quantity, gold = step
            tier = "gold" if gold else "standard"
            sent.append(m.order_placed(f"p{n}", f"O{order}", [("1", sku, quantity)], tier=tier, at=at))
        elif kind == "cancel":
            sent.append(m.order_cancelled(f"c{n}", f"O{step[1]}", at=at))
        elif kind == "ship":
            sent.append(m.order_shipped(f"s{n}", f"O{step[1]}", at=at))
        elif kind == "receive":
            sent.append(m.stock_received(f"r{n}", step[1], step[2], at=at))
        else:
            sent.append(sent[step[1] % len(sent)])  # a redelivery
    return sent


def batches(messages: list, cuts: list[int]) -> list[list]:
    points = sorted({c % (len(messages) + 1) for c in cuts} | {0, len(messages)})
    return [messages[a:b] for a, b in itertools.pairwise(points) if b > a]


def letters(outcomes):
    return [
        DeadLetter.of(f"feed:{i}", b"raw", None, o.message_id, o.message_type, o.field, o.detail)
        for i, o in enumerate(outcomes)
        if o.status is Status.REJECTED
    ]


def writing_behind(refused: set[int]) -> Engine:
    """A memory engine that writes behind, and whose writes numbered in `refused` are refused."""
    env = {**engine_env(Settings(store="memory")), "ANTRIAN_WRITE_BEHIND": "y"}
    engine = Engine(env, writer_for(env))
    write_behind = engine.writer.write_behind  # type: ignore[attr-defined]
    assert write_behind is not None
    submit = write_behind.submit
    numbers = itertools.count()

    def flaky(write):
        number = next(numbers)

        def refuse_or_write():
            if number in refused:
                raise IntegrityError("refused as if another instance had written first")
            return write()

        return submit(refuse_or_write)

    write_behind.submit = flaky
    return engine


def outcome_list(pending) -> list[tuple[str | None, Status]]:
    return [(o.message_id, o.status) for p in pending for o in p.result()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=steps, cuts=st.lists(st.integers(0, 60), max_size=8), refused=st.sets(st.integers(0, 8), max_size=3)
)
def test_batches_written_behind_decide_what_a_settled_engine_decides_even_when_writes_are_refused(
    plan, cuts, refused
):
    raw = traffic(plan)
    parts = batches([parse_message(message) for message in raw], cuts)
    reference = Engine(engine_env(Settings(store="memory")))
    expected = [
        (o.message_id, o.status)
        for i, part in enumerate(parts, 1)
        for o in reference.handle_batch(part, Tracking(FEED, i), letters)
    ]

    engine = writing_behind(refused)
    pending = [engine.submit_batch(part, Tracking(FEED, i), letters) for i, part in enumerate(parts, 1)]

    assert outcome_list(pending) == expected
    assert _business(engine) == _business(reference)
    assert [d.message_id for d in engine.dead_letters()] == [d.message_id for d in reference.dead_letters()]
    assert engine.position(FEED) == len(parts)
    engine.close()
