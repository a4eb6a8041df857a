"""Replaying one order reads only the part of its SKUs' histories its lines waited in, and misses nothing.

`antrian replay decision ORDER` re-runs each Stock decision from the nearest snapshot
and looks for revised promises and releases only between the order's first decision
on a SKU and the end of its last change (services/replay.py `waiting_spans`). On random
histories (orders, receipts, counts that revoke allocations, cancels, substitutes
offered and accepted, lines released ahead and withdrawn) it finds exactly the
verdicts a scan of every SKU's whole history finds, and they all MATCH.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services import replay
from services.parsing import parse_message
from services.replay import Replayer
from tests import messages as m
from tests.conftest import make_engine

pytestmark = pytest.mark.integration
ORDERS = tuple(f"o{i}" for i in range(1, 5))


@st.composite
def a_history(draw: Any) -> list[dict[str, Any]]:
    history = [m.substitutes_declared("d0", "A", ["B"]), m.stock_received("b0", "B", 2)]
    for n in range(draw(st.integers(1, 30))):
        mid, at = f"m{n}", m.ts(minutes=n)
        order_id = draw(st.sampled_from(ORDERS))
        kind = draw(
            st.sampled_from(
                ("order", "order", "receipt", "adjust", "cancel", "accept", "release", "withdraw")
            )
        )
        if kind == "order":
            lines = (("1", "A", draw(st.integers(1, 5))),)
            history.append(
                m.order_placed(
                    mid,
                    order_id,
                    lines,
                    draw(st.sampled_from(("standard", "gold"))),
                    at=at,
                    accept_substitutes=True,
                )
            )
        elif kind == "receipt":
            history.append(
                m.stock_received(mid, draw(st.sampled_from(("A", "B"))), draw(st.integers(1, 4)), at=at)
            )
        elif kind == "adjust":
            history.append(m.stock_adjusted(mid, "A", draw(st.integers(0, 3)), at=at))
        elif kind == "cancel":
            history.append(m.order_cancelled(mid, order_id, at=at))
        elif kind == "accept":
            history.append(m.substitute_accepted(mid, order_id, at=at))
        elif kind == "release":
            history.append(m.line_released_ahead(mid, order_id, at=at))
        else:
            history.append(m.line_release_withdrawn(mid, order_id, at=at))
    return history


def verdicts(engine: Any, order_id: str) -> list[Any]:
    try:
        return list(Replayer(engine).order_verdicts(order_id))
    except Exception as error:  # an order never placed
        return [type(error).__name__]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=a_history())
def test_replaying_one_order_finds_what_a_scan_of_the_whole_history_finds(
    history: list[dict[str, Any]],
) -> None:
    engine = make_engine("memory")
    for raw in history:
        engine.handle_batch([parse_message(raw)])
    for order_id in ORDERS:
        bounded = verdicts(engine, order_id)
        whole_history = replay.waiting_spans
        try:
            replay.waiting_spans = lambda *args: {}  # type: ignore[assignment]
            scanned = verdicts(engine, order_id)
        finally:
            replay.waiting_spans = whole_history
        assert bounded == scanned
        assert all(v.matches for v in bounded if not isinstance(v, str))
