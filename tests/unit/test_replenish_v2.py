"""replenish-v2: buying ahead to an order-up-to level, in order multiples, within weekly capacity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.replenishment import REPLENISH_V2, OrderUpTo, order_quantity, order_within, trimmed
from domain.stock import Stock
from domain.values import Cause, InboundLine, LineRequest, Source, SupplierPriority, Tier
from tests.support.replayed import replayed

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)  # a Monday
TODAY = T0.date()


def cause(mid: str = "m1", days: int = 0) -> Cause:
    return Cause(message_id=mid, at=T0 + timedelta(days=days))


def source(
    supplier: str = "S1",
    lead: int = 7,
    moq: int = 1,
    multiple: int = 1,
    capacity: int | None = None,
    backup: bool = False,
) -> Source:
    return Source(
        supplier_id=supplier,
        lead_time_days=lead,
        priority=SupplierPriority.BACKUP if backup else SupplierPriority.PRIMARY,
        minimum_order_quantity=moq,
        order_multiple=multiple,
        capacity_per_week=capacity,
        lateness_days=0,
    )


def inbound(po_id: str, quantity: int, expected: date, supplier: str = "S1") -> InboundLine:
    return InboundLine(
        po_id=po_id, supplier_id=supplier, quantity=quantity, expected=expected, lateness_days=0
    )


def position(**given: object) -> OrderUpTo:
    values: dict[str, object] = dict(
        available=0,
        inbound=(),
        waiting=0,
        reorder_point=0,
        safety_stock=0,
        order_up_to=None,
        suggested=0,
        suggested_from={},
        sources=(source(),),
        today=TODAY,
    )
    values.update(given)
    return OrderUpTo(**values)  # type: ignore[arg-type]


def stock_with(*sources: Source, on_hand: int = 0, order_up_to: int = 100, reorder_point: int = 40) -> Stock:
    stock = Stock(sku="A", policy="priority-fifo-v1")
    if on_hand:
        stock.receive("main", on_hand, None, cause("setup"))
    for s in sources:
        stock.set_source(s, cause("src"))
    stock.configure(reorder_point, 10, None, cause("cfg"), order_up_to=order_up_to)
    return stock


def sell(stock: Stock, units: int, order_id: str = "o1", days: int = 0) -> None:
    request = LineRequest(
        order_id=order_id,
        line_id="1",
        quantity=units,
        tier=Tier.STANDARD,
        placed_at=T0 + timedelta(days=days),
    )
    stock.request(request, cause(order_id, days))


def suggestions(stock: Stock) -> list[tuple[str, int, str]]:
    return [
        (e.supplier_id, e.quantity, e.decision.policy)
        for e in stock.collect_events()
        if type(e).__name__ == "ReplenishmentSuggested"
    ]


# --------------------------------------------------------------- worked examples
def test_an_order_quantity_is_at_least_the_minimum_and_a_whole_number_of_multiples():
    assert order_quantity(37, source(multiple=24)) == 48
    assert order_quantity(48, source(multiple=24)) == 48
    assert order_quantity(5, source(moq=50, multiple=25)) == 50
    assert order_quantity(51, source(moq=50, multiple=25)) == 75
    assert order_quantity(0, source()) == 1


def test_an_order_within_a_limit_is_the_most_whole_multiples_and_nothing_below_the_minimum():
    assert order_within(37, source(multiple=24)) == 24
    assert order_within(48, source(multiple=24)) == 48
    assert order_within(74, source(moq=50, multiple=25)) == 50
    assert order_within(49, source(moq=50, multiple=25)) == 0
    assert order_within(0, source()) == 0
    assert order_within(-3, source()) == 0


@given(st.integers(-10, 500), st.integers(1, 60), st.integers(1, 30))
def test_an_order_within_a_limit_never_passes_it_and_is_always_one_the_supplier_takes(units, moq, multiple):
    terms = source(moq=moq, multiple=multiple)
    ordered = order_within(units, terms)
    assert 0 <= ordered <= max(0, units)
    assert ordered == 0 or order_quantity(ordered, terms) == ordered
    # ... and it is the most: one more multiple would pass the limit
    assert ordered + multiple > units or ordered + multiple < moq


def test_a_position_at_the_reorder_point_orders_up_to_the_level_before_anyone_waits():
    # 40 free, nothing inbound, nobody waiting: at the reorder point 40, up to 100 needs 60.
    at_point = position(available=40, reorder_point=40, order_up_to=100)
    step = at_point.next_suggestion()
    assert step is not None and (step.supplier_id, step.quantity) == ("S1", 60)
    assert at_point.next_suggestion() == step  # pure
    assert position(available=41, reorder_point=40, order_up_to=100).next_suggestion() is None


def test_inbound_supply_and_waiting_customers_move_the_projected_position():
    # 10 free + 50 inbound - 25 waiting = 35, below 40: up to 100 needs 65, in cases of 12 that is 72.
    seen = position(
        available=10,
        inbound=(inbound("PO-1", 50, TODAY + timedelta(days=3)),),
        waiting=25,
        reorder_point=40,
        order_up_to=100,
        sources=(source(multiple=12),),
    )
    assert seen.projected == 35
    step = seen.next_suggestion()
    assert step is not None and step.quantity == 72
    assert "order-up-to 100" in step.reason and "multiples of 12" in step.reason


def test_what_was_suggested_and_not_yet_ordered_counts_towards_the_level():
    assert position(available=40, reorder_point=40, order_up_to=100, suggested=60).next_suggestion() is None
    step = position(available=30, reorder_point=40, order_up_to=100, suggested=60).next_suggestion()
    assert step is not None and step.quantity == 10


def test_without_a_level_the_rule_buys_to_reorder_point_plus_safety_stock_as_eta_v1_did():
    # Only the order multiple makes this SKU use replenish-v2: below the reorder point 40
    # (strictly), 40 + 10 - 30 = 20 units, in multiples of 12: 24.
    below = position(available=30, reorder_point=40, safety_stock=10, sources=(source(multiple=12),))
    step = below.next_suggestion()
    assert step is not None and step.quantity == 24
    at = position(available=40, reorder_point=40, safety_stock=10, sources=(source(multiple=12),))
    assert at.next_suggestion() is None


def test_a_supplier_at_its_weekly_capacity_leaves_the_rest_to_the_backup():
    # An order placed today from S1 (lead 7) arrives in the week of 2026-01-12; 30 of its
    # 50 a week are already due then, so 20 from S1 and the other 40 from the backup.
    arriving = TODAY + timedelta(days=8)  # Tuesday of that week
    sources = (source("S1", capacity=50), source("B1", lead=3, backup=True))
    first = position(
        available=40,
        reorder_point=40,
        order_up_to=100,
        inbound=(inbound("PO-1", 30, arriving),),
        sources=sources,
    )
    # The inbound 30 count in the position: 70 is above 40, nothing needed. Waiting customers bring it down.
    assert first.next_suggestion() is None
    low = replace(first, waiting=30)  # projected 40
    step = low.next_suggestion()
    assert step is not None and (step.supplier_id, step.quantity) == ("S1", 20)
    assert "all its capacity allows" in step.reason
    after = replace(low, suggested=20, suggested_from={"S1": 20})
    rest = after.next_suggestion()
    assert rest is not None and (rest.supplier_id, rest.quantity) == ("B1", 40)
    assert after.wanted() == 60


def test_a_supply_due_in_another_week_does_not_use_up_this_weeks_capacity():
    sources = (source("S1", capacity=50), source("B1", backup=True))
    seen = position(
        available=0,
        reorder_point=40,
        order_up_to=50,
        inbound=(inbound("PO-1", 30, TODAY + timedelta(days=1)),),  # this week, not next
        waiting=30,
        sources=sources,
    )
    step = seen.next_suggestion()
    assert step is not None and (step.supplier_id, step.quantity) == ("S1", 50)


def test_when_every_source_is_full_the_best_is_asked_past_its_capacity_and_the_reason_says_so():
    sources = (source("S1", capacity=10), source("B1", capacity=5, backup=True))
    seen = position(
        reorder_point=0, order_up_to=40, suggested=15, suggested_from={"S1": 10, "B1": 5}, sources=sources
    )
    step = seen.next_suggestion()
    assert step is not None and (step.supplier_id, step.quantity) == ("S1", 25)
    assert "past its weekly capacity" in step.reason


def test_a_reduced_suggestion_is_taken_from_the_least_preferred_supplier_first():
    assert trimmed({"S1": 20, "B1": 40}, 30, ["S1", "B1"]) == {"S1": 20, "B1": 10}
    assert trimmed({"S1": 20, "B1": 40, "OLD": 5}, 50, ["S1", "B1"]) == {"S1": 20, "B1": 30}
    assert trimmed({"S1": 20}, 0, ["S1"]) == {}


# ---------------------------------------------------------------- on a Stock
def test_a_stock_with_a_level_suggests_when_a_sale_brings_it_to_the_reorder_point():
    stock = stock_with(source(multiple=10), on_hand=45)
    assert suggestions(stock) == []
    sell(stock, 5)  # 40 free: at the reorder point
    assert suggestions(stock) == [("S1", 60, REPLENISH_V2)]
    assert stock.suggested == 60 and stock.suggested_from == {"S1": 60}
    sell(stock, 3, "o2")  # 37: up to 100 needs 63, 60 suggested, 3 more is a case of 10
    assert suggestions(stock) == [("S1", 10, REPLENISH_V2)]


def test_a_purchase_order_from_the_backup_uses_up_its_share_first():
    stock = stock_with(source("S1", capacity=20), source("B1", lead=3, backup=True), on_hand=41)
    sell(stock, 1)
    assert suggestions(stock) == [("S1", 20, REPLENISH_V2), ("B1", 40, REPLENISH_V2)]
    stock.schedule_inbound(inbound("PO-9", 40, TODAY + timedelta(days=3), supplier="B1"), cause("po"))
    assert stock.suggested_from == {"S1": 20}
    assert stock.suggested == 20


def test_a_cancelled_sale_reduces_an_outstanding_suggestion_to_what_is_still_wanted():
    stock = stock_with(source(multiple=10), on_hand=41)
    sell(stock, 2)  # 39
    assert suggestions(stock) == [("S1", 70, REPLENISH_V2)]
    stock.release("o1", "1", "customer request", cause("cancel"))  # back to 40: 60 wanted
    assert stock.suggested == 60 and stock.suggested_from == {"S1": 60}


def test_each_suggestion_replays_to_the_same_supplier_and_quantity():
    stock = stock_with(source("S1", capacity=20, multiple=5), source("B1", lead=3, backup=True), on_hand=45)
    events = list(stock.collect_events())
    sell(stock, 7)
    events += stock.collect_events()
    decisions = replayed(events, "ReplenishmentSuggested")
    assert len(decisions) == 2
    assert all(recorded == recomputed for recorded, recomputed in decisions)


def test_a_stock_without_level_multiple_or_capacity_keeps_replenishing_under_eta_v1():
    stock = stock_with(source(), on_hand=30, order_up_to=0)  # below reorder point 40: 20 suggested
    assert suggestions(stock) == [("S1", 20, "eta-v1")]
    sell(stock, 1)  # 29: reorder point + safety stock needs 21, one more
    assert suggestions(stock) == [("S1", 1, "eta-v1")]
    assert stock.replenish_policy == "eta-v1"


# ---------------------------------------------------------------- properties
@st.composite
def a_source(draw: st.DrawFn) -> Source:
    multiple = draw(st.sampled_from([1, 1, 6, 12, 24]))
    return source(
        supplier=draw(st.sampled_from(["S1", "S2", "B1"])),
        lead=draw(st.integers(0, 30)),
        moq=multiple * draw(st.integers(1, 4)),  # whole multiples, as SupplierRegistered v2 requires
        multiple=multiple,
        capacity=draw(st.none() | st.integers(1, 200)),
        backup=draw(st.booleans()),
    )


sources_st = st.lists(
    a_source(),
    min_size=1,
    max_size=3,
    unique_by=lambda s: s.supplier_id,
)


@st.composite
def views(draw: st.DrawFn, inbound_from: Callable[[list[Source]], str] = lambda s: s[0].supplier_id) -> dict:
    """What the rule sees of a SKU (as `position`'s keywords): free and waiting units, its POs
    (from the supplier `inbound_from` picks), its reorder point and level, and its sources."""
    sources = draw(sources_st)
    reorder_point = draw(st.integers(0, 200))
    on_order = draw(st.lists(st.tuples(st.integers(1, 200), st.integers(0, 40)), max_size=3))
    return {
        "available": draw(st.integers(0, 300)),
        "inbound": tuple(
            inbound(f"PO-{i}", q, TODAY + timedelta(days=d), inbound_from(sources))
            for i, (q, d) in enumerate(on_order)
        ),
        "waiting": draw(st.integers(0, 300)),
        "reorder_point": reorder_point,
        "order_up_to": reorder_point + draw(st.integers(0, 300)),
        "sources": tuple(sources),
    }


@settings(max_examples=300, deadline=None)
@given(view=views())
def test_suggestions_never_exceed_what_the_level_needs_by_more_than_one_order(view: dict) -> None:
    """Bought up to the level: every step but the last is within the need, and the last at most
    one order multiple (or the supplier's minimum) beyond it; nothing is bought above the reorder point."""
    seen = position(**view)
    sources, reorder_point = view["sources"], view["reorder_point"]
    by_id = {s.supplier_id: s for s in sources}
    total = 0
    step = seen.next_suggestion()
    if seen.projected > reorder_point:
        assert step is None
    for _ in range(len(sources) + 1):
        if step is None:
            break
        chosen = by_id[step.supplier_id]
        assert step.quantity % chosen.order_multiple == 0
        assert step.quantity >= chosen.minimum_order_quantity
        before = total
        total += step.quantity
        assert before < seen.need
        assert total - seen.need < max(chosen.order_multiple, chosen.minimum_order_quantity)
        taken = {
            **seen.suggested_from,
            step.supplier_id: seen.suggested_from.get(step.supplier_id, 0) + step.quantity,
        }
        seen = replace(seen, suggested=total, suggested_from=taken)
        step = seen.next_suggestion()
    assert step is None
    assert total >= seen.need


def test_events_stored_before_the_split_and_the_level_were_kept_still_load_and_rebuild_the_stock():
    import orjson
    from eventsourcing.persistence import StoredEvent

    from infra.bootstrap import build_engine
    from infra.settings import Settings
    from tests import messages as m

    engine = build_engine(Settings(store="memory"))
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", ["A"]),
        m.sku_configured(
            "k1", "A", reorder_point=5, safety_stock=2, schema_version=3, reason="r", order_up_to=20
        ),
        m.order_placed("o1", "O1", [("1", "A", 3)]),
        m.po_placed("p1", "PO-1", [("A", 10)], expected=m.day(7), at=m.ts(0, 1)),
    )
    added_later = ("order_up_to", "eta_policy", "suggested_from", "failover_from")
    stored = engine.recorder.select_notifications(start=1, limit=1000)
    older = []
    for record in stored:
        state = orjson.loads(record.state)
        if record.topic.endswith(("Stock.Configured", "Stock.InboundScheduled", "Stock.SuggestionReduced")):
            for name in added_later:
                state.pop(name, None)  # as stored before they were kept
        older.append(
            StoredEvent(record.originator_id, record.originator_version, record.topic, orjson.dumps(state))
        )
    stock = None
    for record in older:
        event = engine.mapper.to_domain_event(record)
        if record.originator_id == Stock.create_id("A"):
            stock = event.mutate(stock)
    assert (
        stock is not None and stock.order_up_to is None and stock.suggested == engine.get_stock("A").suggested
    )
