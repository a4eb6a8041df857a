"""The state as of an instant is the state of a fresh store fed only the messages that occurred by it.

Random message streams (orders, receipts, purchase orders and receipts against
them, cancels, shipments, configurations, counts; duplicates, refused messages,
messages parked waiting for their order, times out of arrival order) go into one
store. For random instants the as-of answers (queue and stock of each SKU, each
order) are compared with a fresh store fed only the messages that occurred by the
instant. Where one occurring later was applied before one occurring by the instant,
the answer must name exactly those messages, and be the state of a fresh store fed
the messages judged before the first one occurring later.

Fed a message at a time, the fresh store takes them in arrival order. Fed in batches,
a message a batch wakes (parked, waiting for its order) is applied after the whole
batch, not right after what it waited for: the store's order of application is then
not the arrival order, and the fresh store is fed in the order this store judged
them (which is what the moment's log position follows).

Times stay within the parking wait (services/parking.py): a parked message refused
after waiting is judged by the message clock, which moment.py does not cover.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.outcomes import Status
from services.parsing import parse_message
from services.time_travel.views import TimeTravel, as_json
from tests import messages as m
from tests.conftest import make_engine

SKUS = ("A", "B")
ORDERS = tuple(f"o{i}" for i in range(1, 6))
POS = ("po1", "po2")
SPAN_MINUTES = 180  # within the parking wait (240 minutes)


def at(minute: int) -> str:
    return m.ts(minutes=minute)


@st.composite
def a_message(draw: Any, n: int) -> dict[str, Any]:
    minute = draw(st.integers(0, SPAN_MINUTES))
    mid = f"m{n}"
    kind = draw(
        st.sampled_from(
            ("order", "order", "receipt", "po", "po_receipt", "cancel", "ship", "configure", "adjust")
        )
    )
    sku = draw(st.sampled_from(SKUS))
    order_id = draw(st.sampled_from(ORDERS))
    quantity = draw(st.integers(1, 6))
    if kind == "order":  # an order id placed twice is refused
        tier = draw(st.sampled_from(("standard", "gold", "platinum")))
        return m.order_placed(mid, order_id, (("1", sku, quantity),), tier, at=at(minute))
    if kind == "receipt":
        return m.stock_received(mid, sku, quantity, at=at(minute))
    if kind == "po":
        po = draw(st.sampled_from(POS))
        return m.po_placed(mid, po, ((sku, quantity + 4),), expected=m.day(5), at=at(minute))
    if kind == "po_receipt":  # parked while its purchase order is not known
        po = draw(st.sampled_from(POS))
        return m.stock_received(mid, sku, quantity, at=at(minute), po=po, supplier_id="S1")
    if kind == "cancel":  # parked while its order is not known
        return m.order_cancelled(mid, order_id, at=at(minute))
    if kind == "ship":  # refused when nothing is allocated
        return m.order_shipped(mid, order_id, at=at(minute))
    if kind == "configure":
        policy = draw(st.sampled_from(("fifo-v1", "priority-fifo-v1")))
        return m.sku_configured(mid, sku, reorder_point=draw(st.integers(0, 3)), policy=policy, at=at(minute))
    return m.stock_adjusted(mid, sku, draw(st.integers(0, 8)), at=at(minute))


@st.composite
def a_stream(draw: Any) -> list[dict[str, Any]]:
    stream: list[dict[str, Any]] = [m.supplier_registered("s0", "S1", SKUS, at=at(0))]
    for n in range(draw(st.integers(1, 25))):
        if stream[1:] and draw(st.integers(0, 6)) == 0:  # a message sent again
            stream.append(draw(st.sampled_from(stream[1:])))
        else:
            stream.append(draw(a_message(n)))
    return stream


def ingest(
    messages: list[dict[str, Any]], sizes: list[int] | None = None
) -> tuple[Any, list[tuple[str, str, Any]]]:
    """A fresh store fed in batches of `sizes` (in turn; one at a time if None); how each was judged, in order."""
    engine = make_engine("memory")
    judged: list[tuple[str, str, Any]] = []
    start, turn = 0, 0
    while start < len(messages):
        size = sizes[turn % len(sizes)] if sizes else 1
        batch = [parse_message(raw) for raw in messages[start : start + size]]
        start, turn = start + size, turn + 1
        for message, outcome in zip(batch, engine.handle_batch(batch), strict=True):
            if outcome.status in (Status.APPLIED, Status.REJECTED):
                judged.append((outcome.status.value, message.message_id, message.occurred_at))
        for released in engine.take_released():
            occurred = next(
                parse_message(r).occurred_at for r in messages if r["message_id"] == released.message_id
            )
            judged.append((released.status.value, released.message_id or "?", occurred))
    return engine, judged


def answers(engine: Any, instant: Any) -> tuple[Any, dict[str, Any]]:
    travel = TimeTravel(engine)
    moment = travel.moment(instant)
    found: dict[str, Any] = {}
    for sku in SKUS:
        queue, stock = travel.queue(sku, moment), travel.stock(sku, moment)
        found[f"queue {sku}"] = queue and as_json(queue)
        found[f"stock {sku}"] = stock and as_json(stock)
    for order_id in ORDERS:
        order = travel.order(order_id, moment)
        found[f"order {order_id}"] = order and as_json(order)
    return moment, found


def expected_missing(judged: list[tuple[str, str, Any]], instant: Any) -> tuple[int, list[str]]:
    """(how many judged messages precede the cut, the ones occurred by the instant judged after it)."""
    applied = [i for i, (status, _, _) in enumerate(judged) if status == "applied"]
    first_late = next((i for i in applied if judged[i][2] > instant), None)
    if first_late is None:
        return len(judged), []
    cut = max((i for i in applied if i < first_late), default=-1) + 1
    return cut, [mid for _, mid, occurred in judged[cut:] if occurred <= instant]


def check(stream: list[dict[str, Any]], minutes: list[int], sizes: list[int] | None) -> None:
    engine, judged = ingest(stream, sizes)
    by_id = {raw["message_id"]: raw for raw in stream}
    for minute in minutes:
        instant = m.BASE + timedelta(minutes=minute)
        moment, found = answers(engine, instant)
        cut, missing = expected_missing(judged, instant)
        assert sorted(moment.missing) == sorted(missing)
        assert moment.exact == (not missing)
        if sizes is None and moment.exact:  # arrival order, re-sent messages too
            fed = [raw for raw in stream if parse_message(raw).occurred_at <= instant]
        elif sizes is None:  # the messages judged before the first one occurring later, and their re-sends
            before = {mid for _, mid, _ in judged[:cut]}
            fed = [raw for raw in stream if raw["message_id"] in before]
        else:  # in the order judged here: those occurred by then (exact), or all judged before the cut
            kept = [mid for _, mid, occurred in judged[:cut] if not moment.exact or occurred <= instant]
            fed = [by_id[mid] for mid in kept]
        fresh, _ = ingest(fed)
        assert found == answers(fresh, instant + timedelta(days=3650))[1]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=a_stream(), minutes=st.lists(st.integers(-10, SPAN_MINUTES + 10), min_size=1, max_size=3))
def test_an_as_of_answer_is_a_fresh_store_fed_the_messages_occurred_by_then_or_names_what_differs(
    stream: list[dict[str, Any]], minutes: list[int]
) -> None:
    check(stream, minutes, sizes=None)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stream=a_stream(),
    minutes=st.lists(st.integers(-10, SPAN_MINUTES + 10), min_size=1, max_size=3),
    sizes=st.lists(st.integers(2, 8), min_size=1, max_size=4),
)
def test_in_batches_an_as_of_answer_is_a_fresh_store_fed_those_messages_in_the_order_they_were_judged(
    stream: list[dict[str, Any]], minutes: list[int], sizes: list[int]
) -> None:
    check(stream, minutes, sizes)
