"""tier-reserve-v1, quota-v1 and redistribute-v1 on a Stock alone: their decisions, reasons and invariants.

The properties drive one Stock with random requests and receipts (and, for
quotas, random times across period boundaries) and read its recorded events: what
every decision allocated is checked against the rule it was taken under.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.allocation import POLICIES, PRIORITY_FIFO_V1, QUOTA_V1, TIER_RESERVE_V1, Rules
from domain.quotas import Beyond, Per, Period, Quota, next_period, period_of, quota_key
from domain.rationing import reserve_problem, scaled
from domain.redistribution import plan_takes
from domain.stock import Stock
from domain.values import (
    Cause,
    InboundLine,
    LineRequest,
    QueueEntry,
    Reservation,
    Source,
    SupplierPriority,
    Tier,
)

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)  # a Monday (ISO week 2026-W02)
TIERS = list(Tier)


def cause(mid: str, hours: float = 0) -> Cause:
    return Cause(message_id=mid, at=T0 + timedelta(hours=hours))


def ask(
    order_id: str, quantity: int, tier: Tier = Tier.STANDARD, hours: float = 0, **who: Any
) -> LineRequest:
    return LineRequest(
        order_id=order_id,
        line_id="1",
        quantity=quantity,
        tier=tier,
        placed_at=T0 + timedelta(hours=hours),
        customer_id=who.get("customer", f"c-{order_id}"),
        customer_group=who.get("group"),
        channel=who.get("channel"),
    )


def stock(policy: str, on_hand: int = 0, **settings: Any) -> Stock:
    s = Stock(sku="A", policy="priority-fifo-v1")
    s.configure(0, 0, policy, cause("cfg"), **settings)
    if on_hand:
        s.receive("main", on_hand, None, cause("in"))
    return s


def decisions(s: Stock) -> list[Any]:
    return [e for e in s.collect_events() if getattr(e, "decision", None) is not None]


# ------------------------------------------------------------- tier reserve
def test_a_lower_tier_line_waits_while_units_are_on_hand_and_its_decision_says_why():
    s = stock("tier-reserve-v1", on_hand=3, reserve={"gold": 1, "standard": 10})
    effects = s.request(ask("O1", 2), cause("o1", 1))

    assert s.available == 3 and s.waiting == 2
    (backorder, ref), *_ = effects.backordered
    assert ref.reason.startswith("3 free, 10 kept back for higher tiers: standard line waits")


def test_a_higher_tier_line_is_served_while_lower_tier_lines_wait_held_back():
    s = stock("tier-reserve-v1", on_hand=3, reserve={"gold": 1, "standard": 10})
    s.request(ask("O1", 2), cause("o1", 1))
    s.request(ask("O2", 5, Tier.GOLD, hours=2), cause("o2", 2))
    s.request(ask("O3", 1, Tier.PLATINUM, hours=3), cause("o3", 3))

    assert (s.reserved_for("O2", "1"), s.reserved_for("O3", "1")) == (2, 1)  # gold leaves 1 for platinum
    assert [(e.order_id, e.quantity) for e in s.queue] == [("O2", 3), ("O1", 2)]


def test_arriving_stock_fills_the_lines_the_reserve_lets_take_it_in_priority_order():
    s = stock("tier-reserve-v1", reserve={"gold": 2, "standard": 4})
    s.request(ask("O1", 3), cause("o1", 1))
    s.request(ask("O2", 3, Tier.GOLD, hours=2), cause("o2", 2))
    effects = s.receive("main", 6, None, cause("r", 3))

    assert [(f.order_id, f.quantity) for f, _ in effects.filled] == [("O2", 3)]  # O1 would leave 3 < 4
    assert s.available == 3 and s.position_of("O1", "1") == 1
    assert "held back" in effects.filled[0][1].reason


def test_lowering_the_reserve_serves_the_lines_it_held_back():
    s = stock("tier-reserve-v1", on_hand=3, reserve={"standard": 10})
    s.request(ask("O1", 2), cause("o1", 1))
    effects = s.configure(0, 0, None, cause("cfg2", 2), reserve={})

    assert [(f.order_id, f.quantity) for f, _ in effects.filled] == [("O1", 2)]
    assert s.available == 1 and not s.queue


def test_a_line_released_ahead_is_still_held_back_by_the_reserve():
    s = stock("tier-reserve-v1", on_hand=3, reserve={"standard": 5})
    s.request(ask("O1", 2), cause("o1", 1))
    s.request(ask("O2", 2, hours=2), cause("o2", 2))
    s.release_ahead("O2", "1", "VIP complaint", "ops", cause("rel", 3))

    assert s.queue[0].order_id == "O2" and s.reserved_for("O2", "1") == 0  # ordered first, not served


def test_a_count_takes_back_from_the_lowest_tier_first_under_a_reserve():
    s = stock("tier-reserve-v1", on_hand=6, reserve={"standard": 1})
    s.request(ask("O1", 3), cause("o1", 1))
    s.request(ask("O2", 3, Tier.GOLD, hours=2), cause("o2", 2))
    effects = s.adjust("main", 4, "count", cause("c", 3))

    assert [(f.order_id, f.quantity) for f, _ in effects.revoked] == [("O1", 2)]


def test_reserve_levels_that_rise_with_tier_or_name_no_tier_are_named_as_the_problem():
    assert reserve_problem({"gold": 2, "standard": 5}) is None
    assert "levels never increase" in (reserve_problem({"gold": 5, "standard": 2}) or "")
    assert "levels never increase" in (reserve_problem({"platinum": 1}) or "")  # gold, standard: 0
    assert "unknown tier" in (reserve_problem({"diamond": 1}) or "")


reserve_levels = st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(0, 6)).map(
    lambda t: {"platinum": t[0], "gold": max(t[:2]), "standard": max(t)}
)
traffic = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.sampled_from(TIERS), st.integers(1, 5)),
        st.tuples(st.just("receive"), st.just(Tier.STANDARD), st.integers(1, 8)),
        st.tuples(st.just("count"), st.just(Tier.STANDARD), st.integers(0, 8)),
        st.tuples(st.just("po"), st.just(Tier.STANDARD), st.integers(-3, 15)),  # due in n days
    ),
    max_size=25,
)
LEAD_DAYS = 10


@settings(max_examples=150, deadline=None)
@given(policy=st.sampled_from(["tier-reserve-v1", "tier-reserve-v2"]), reserve=reserve_levels, steps=traffic)
def test_a_reserve_never_serves_a_tier_below_its_level(policy, reserve, steps):
    """After units are given to a tier-t line, at least reserve[t] stay free (tier-reserve-v2: the
    level scaled by the days to the next supply over the lead time), checked on the state each
    decision was taken on, folded from the Stock's own events."""
    free = None
    rebuilt: Stock | None = None
    # Re-fold from the start, checking each allocation on the state it was decided on.
    for event in _history(policy, reserve, steps):
        name = type(event).__name__
        if name in ("LineRequested", "QueueFilled") and rebuilt is not None:
            level = _level(policy, reserve, rebuilt, event.decision.as_of)
        if name == "LineRequested" and event.plan.allocate and rebuilt is not None:
            free = rebuilt.available - event.plan.allocate
            assert free >= level.get(event.request.tier.value, 0), event.decision.reason
        if name == "QueueFilled" and rebuilt is not None:
            free = rebuilt.available
            for fill in event.fills:
                entry = rebuilt.queued(fill.order_id, fill.line_id)
                assert entry is not None
                free -= fill.quantity
                assert free >= level.get(entry.tier.value, 0), event.decision.reason
        rebuilt = event.mutate(rebuilt)


def _level(policy: str, reserve: dict[str, int], before: Stock, at: datetime) -> dict[str, int]:
    """The levels that applied: the whole reserve, or (v2) its share of the lead time until supply."""
    if policy == "tier-reserve-v1" or not before.inbound:
        return reserve
    due = min(line.expected for line in before.inbound.values())  # lateness 0 in this history
    return scaled(reserve, (due - at.date()).days, LEAD_DAYS)


def _history(policy: str, reserve: dict[str, int], steps: list[Any]) -> list[Any]:
    s = Stock(sku="A", policy="priority-fifo-v1")
    s.set_source(
        Source(
            supplier_id="S1", lead_time_days=LEAD_DAYS, priority=SupplierPriority.PRIMARY, lateness_days=0
        ),
        cause("src"),
    )
    s.configure(0, 0, policy, cause("cfg"), reserve=reserve)
    for i, (kind, tier, n) in enumerate(steps):
        at = cause(f"m{i}", i * 5)
        if kind == "order":
            s.request(ask(f"O{i}", n, tier, hours=i * 5), at)
        elif kind == "receive":
            s.receive("main", n, None, at)
        elif kind == "po":
            due = (T0 + timedelta(hours=i * 5)).date() + timedelta(days=n)
            s.schedule_inbound(
                InboundLine(po_id=f"P{i}", supplier_id="S1", quantity=5, expected=due, lateness_days=0), at
            )
        else:
            s.adjust("main", n, "count", at)
    return list(s.collect_events())


# ------------------------------------------------------------------ quotas
WEEKLY = Quota(units=5, period=Period.WEEK, per=Per.CUSTOMER)


def test_an_over_quota_line_waits_for_the_next_period_and_its_decision_says_so():
    s = stock("quota-v1", on_hand=20, quota=WEEKLY)
    s.request(ask("O1", 4, customer="C"), cause("o1", 1))
    effects = s.request(ask("O2", 3, customer="C", hours=2), cause("o2", 2))

    assert s.reserved_for("O2", "1") == 1 and s.waiting == 2
    (_, ref), *_ = effects.backordered
    assert ref.reason.startswith("quota of 5/week for customer C used: 5; waits for 2026-W03")


def test_a_decision_in_the_next_period_serves_the_line_that_waited_for_it():
    s = stock("quota-v1", on_hand=20, quota=WEEKLY)
    s.request(ask("O1", 7, customer="C"), cause("o1", 1))
    effects = s.request(ask("O2", 1, customer="D", hours=24 * 7), cause("o2", 24 * 7))  # next Monday

    assert [(f.order_id, f.quantity) for f, _ in effects.filled] == [("O1", 2)]
    assert s.reserved_for("O1", "1") == 7 and s.reserved_for("O2", "1") == 1


def test_units_nobody_within_their_quota_wants_go_past_the_quota_when_it_says_unwanted():
    quota = Quota(units=2, period=Period.DAY, per=Per.CUSTOMER, beyond=Beyond.UNWANTED)
    s = stock("quota-v1", on_hand=5, quota=quota)
    s.request(ask("O1", 4, customer="C"), cause("o1", 1))

    assert s.reserved_for("O1", "1") == 4  # nobody within a quota waits


def test_an_order_without_a_group_or_channel_counts_as_its_own_customer():
    quota = Quota(units=2, period=Period.DAY, per=Per.GROUP)
    grouped = ask("O1", 1, customer="C", group="north")
    alone = ask("O2", 1, customer="C")

    assert (quota_key(quota, grouped), quota_key(quota, alone)) == ("group north", "customer C")


def test_periods_are_calendar_days_iso_weeks_and_months_of_the_decision_time():
    sunday = datetime(2026, 1, 4, 23, 59, tzinfo=UTC)
    assert period_of(Period.WEEK, sunday) == "2026-W01"
    assert period_of(Period.WEEK, sunday + timedelta(minutes=1)) == "2026-W02"
    assert period_of(Period.WEEK, datetime(2026, 12, 31, tzinfo=UTC)) == "2026-W53"
    assert next_period(Period.MONTH, datetime(2026, 12, 15, tzinfo=UTC)) == "2027-01"
    assert next_period(Period.DAY, sunday) == "2026-01-05"


def test_a_late_message_dated_before_the_period_boundary_is_decided_in_the_new_period():
    s = stock("quota-v1", on_hand=20, quota=WEEKLY)
    s.request(ask("O1", 7, customer="C"), cause("o1", 1))
    s.request(ask("O2", 1, customer="D", hours=24 * 7), cause("o2", 24 * 7))  # the clock is in W03
    late = Cause(message_id="late", at=T0 + timedelta(days=6))  # dated Sunday of W02
    s.request(ask("O3", 6, customer="C", hours=24 * 6), late)

    # W03's quota of C: 2 (O1's wait, served first) + 3 of O3; the late message gets no W02 units.
    assert (s.reserved_for("O1", "1"), s.reserved_for("O3", "1")) == (7, 3)
    assert s.quota_use.period == "2026-W03"


quota_traffic = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.sampled_from(("C1", "C2", "C3")), st.integers(1, 6)),
        st.tuples(st.just("receive"), st.just(""), st.integers(1, 10)),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    units=st.integers(1, 6),
    period=st.sampled_from(list(Period)),
    hours=st.lists(st.integers(0, 40), min_size=25, max_size=25),
    steps=quota_traffic,
)
def test_a_quota_is_never_exceeded_within_a_period(units, period, hours, steps):
    quota = Quota(units=units, period=period, per=Per.CUSTOMER)
    s = stock("quota-v1", quota=quota)
    s.collect_events()
    clock = 0
    for i, (kind, customer, n) in enumerate(steps):
        clock += hours[i]
        at = cause(f"m{i}", clock)
        if kind == "order":
            s.request(ask(f"O{i}", n, hours=clock, customer=customer), at)
        else:
            s.receive("main", n, None, at)
    given_per: dict[tuple[str, str | None], int] = {}
    events: list[Any] = list(s.collect_events())
    for event in events:
        name = type(event).__name__
        grants: list[tuple[str | None, int]] = []
        if name == "LineRequested" and event.plan.allocate:
            grants = [(event.request.customer_id, event.plan.allocate)]
        if name == "QueueFilled":
            grants = [(_customer(steps, f.order_id), f.quantity) for f in event.fills]
        for customer, quantity in grants:
            key = (period_of(period, event.decision.as_of), customer)
            given_per[key] = given_per.get(key, 0) + quantity
            assert given_per[key] <= units, (key, given_per[key], event.decision.reason)


def _customer(steps: list[Any], order_id: str) -> str:
    return str(steps[int(order_id[1:])][1])


# ------------------------------------------------------------ redistribution
def reservation(tier: Tier, hours_ago: float | None, quantity: int = 2) -> Reservation:
    return Reservation(
        quantity=quantity,
        tier=tier,
        placed_at=T0,
        allocated_at=None if hours_ago is None else T0 - timedelta(hours=hours_ago),
    )


def test_redistribution_takes_from_the_lowest_tier_and_the_most_recent_allocation_first():
    held = {
        "gold/1": reservation(Tier.GOLD, 1),
        "old/1": reservation(Tier.STANDARD, 5),
        "new/1": reservation(Tier.STANDARD, 2),
    }
    takes = plan_takes(held, Tier.PLATINUM, 5, T0, within_hours=24)

    assert [(t.order_id, t.quantity) for t in takes] == [("new", 2), ("old", 2), ("gold", 1)]


def test_redistribution_never_takes_from_an_equal_tier_an_old_allocation_or_one_of_unknown_age():
    held = {
        "same/1": reservation(Tier.GOLD, 1),
        "old/1": reservation(Tier.STANDARD, 30),
        "unknown/1": reservation(Tier.STANDARD, None),
    }
    assert plan_takes(held, Tier.GOLD, 5, T0, within_hours=24) == []


@settings(max_examples=200, deadline=None)
@given(
    held=st.dictionaries(
        st.text("abc", min_size=1, max_size=3).map(lambda k: f"{k}/1"),
        st.tuples(st.sampled_from(TIERS), st.one_of(st.none(), st.integers(0, 60)), st.integers(1, 5)),
        max_size=8,
    ),
    taker=st.sampled_from(TIERS),
    needed=st.integers(0, 12),
    within=st.integers(0, 48),
)
def test_redistribution_never_takes_old_allocations_nor_from_an_equal_or_higher_tier(
    held, taker, needed, within
):
    reservations = {k: reservation(t, h, q) for k, (t, h, q) in held.items()}
    takes = plan_takes(reservations, taker, needed, T0, within_hours=within)

    assert sum(t.quantity for t in takes) <= needed
    for take in takes:
        r = reservations[f"{take.order_id}/{take.line_id}"]
        assert r.tier.rank > taker.rank
        assert r.allocated_at is not None and T0 - r.allocated_at < timedelta(hours=within)
        assert 0 < take.quantity <= r.quantity


# ------------------------------------------------------- released versions
def test_the_rationing_policies_order_as_priority_fifo_and_without_settings_decide_as_it_does():
    queue = [
        QueueEntry(order_id="S", line_id="1", quantity=2, tier=Tier.STANDARD, placed_at=T0, since=T0.date()),
        QueueEntry(order_id="G", line_id="1", quantity=2, tier=Tier.GOLD, placed_at=T0, since=T0.date()),
    ]
    queue.sort(key=PRIORITY_FIFO_V1.serving_key)
    for policy in (TIER_RESERVE_V1, QUOTA_V1):
        assert policy.key(queue[0]) == PRIORITY_FIFO_V1.key(queue[0])
        assert policy.plan_fill(3, queue, Rules()) == PRIORITY_FIFO_V1.plan_fill(3, queue)
    assert set(POLICIES) >= {"fifo-v1", "priority-fifo-v1", "tier-reserve-v1", "quota-v1"}


# ------------------------------------------------------- stored and shown
def test_a_rationing_stock_snapshot_restores_its_settings_and_the_quota_used():
    s = stock("quota-v1", on_hand=9, quota=WEEKLY, reserve={"standard": 1}, redistribute_within_hours=6)
    s.request(ask("O1", 7, customer="C"), cause("o1", 1))
    s.collect_events()
    restored: Any = Stock.Snapshot.take(s).mutate(None)

    assert vars(restored) == vars(s)
    assert restored.quota_use.used == {"customer C": 5} and restored.redistribute_within_hours == 6


def test_the_audit_summarises_the_new_settings_and_both_redistribution_decisions():
    from projections.audit_timeline import summarize

    configured = summarize(
        "Stock.Configured",
        {
            "reorder_point": 0,
            "safety_stock": 0,
            "allocation_policy": "quota-v1",
            "reserve": {"gold": 1},
            "quota": {"units": 5, "period": "week", "per": "group", "beyond": "unwanted"},
            "redistribute_within_hours": 0,
        },
    )
    decision = {"policy": "redistribute-v1", "inputs": {"for": ["O9", "1"]}}
    took = summarize(
        "Stock.AllocationsRevoked",
        {"revoked": [{"order_id": "O1", "line_id": "1", "quantity": 2}], "decision": decision},
    )
    gave = summarize(
        "Stock.QueueFilled",
        {"fills": [{"order_id": "O9", "line_id": "1", "quantity": 2}], "decision": decision},
    )

    assert configured == (
        "configured: reorder point 0, safety stock 0, kept back from tiers: gold 1, "
        "quota 5/week per group (beyond it: unwanted), no redistribution, quota-v1"
    )
    assert took == "redistributed to higher-tier O9/1: took back O1/1 x2 (they wait again)"
    assert gave == "redistributed: O9/1 x2 given to higher-tier O9/1"


# ----------------------------------------------------- tier reserve, scaled
def test_a_scaled_reserve_keeps_back_the_share_of_the_lead_time_still_to_wait_for_supply():
    reserve = {"gold": 4, "standard": 10}

    assert scaled(reserve, 3, 10) == {"gold": 2, "standard": 3}  # ceil(4 x 3/10), ceil(10 x 3/10)
    assert scaled(reserve, 0, 10) == {"gold": 0, "standard": 0}  # supply due today
    assert scaled(reserve, -2, 10) == {"gold": 0, "standard": 0}  # overdue: due any moment
    assert scaled(reserve, 12, 10) == reserve  # further than a lead time: the whole level
    assert scaled(reserve, None, 10) == reserve  # nothing on order
    assert scaled(reserve, 3, None) == reserve  # no source to measure a lead time by


def _with_supply(policy: str, due_in_days: int) -> Stock:
    s = stock(policy, on_hand=6, reserve={"standard": 10})
    s.set_source(
        Source(supplier_id="S1", lead_time_days=10, priority=SupplierPriority.PRIMARY, lateness_days=0),
        cause("src"),
    )
    s.schedule_inbound(
        InboundLine(
            po_id="P1",
            supplier_id="S1",
            quantity=20,
            expected=T0.date() + timedelta(days=due_in_days),
            lateness_days=0,
        ),
        cause("po"),
    )
    return s


def test_tier_reserve_v2_gives_units_to_a_lower_tier_when_supply_is_near_and_v1_keeps_them_back():
    near_v2, near_v1 = _with_supply("tier-reserve-v2", 2), _with_supply("tier-reserve-v1", 2)

    near_v2.request(ask("S", 3, hours=1), cause("o", 1))  # keeps back ceil(10 x 2/10) = 2 of 6
    near_v1.request(ask("S", 3, hours=1), cause("o", 1))  # keeps back 10 of 6

    assert near_v2.reserved_for("S", "1") == 3
    assert near_v1.reserved_for("S", "1") == 0
    held = decisions(near_v1)[-2].decision.reason
    assert "10 kept back for higher tiers: standard line waits" in held


def test_tier_reserve_v2_keeps_more_back_when_the_supply_moves_away_and_says_what_applied():
    s = _with_supply("tier-reserve-v2", 9)  # ceil(10 x 9/10) = 9 kept back of 6 free

    s.request(ask("S", 3, hours=1), cause("o", 1))

    assert s.reserved_for("S", "1") == 0
    requested = next(e for e in decisions(s) if type(e).__name__ == "LineRequested")
    assert "9 kept back for higher tiers" in requested.decision.reason
    assert requested.decision.inputs["reserve_now"] == {"standard": 9}
    assert (requested.decision.inputs["supply_in_days"], requested.decision.inputs["lead_days"]) == (9, 10)
