"""eta-v4 under a quota: the floors looked up line by line (OverQuota) are the floors a scan of
every waiting line with its quota key gives, and so is every plan made with them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.eta import Rationing, plan_etas_v4
from domain.quotas import OverQuota, Per, Period, Quota, next_period_start, quota_key
from domain.values import QueueEntry, Tier
from tests.unit.test_eta_policy import T0, TODAY, d, source
from tests.unit.test_eta_v2_policy import line
from tests.unit.test_eta_v4_policy import AskedOfEveryLine

# Few names, some with spaces and some empty, so keys collide across lines and kinds.
WHO = st.sampled_from([None, "", "C1", "C2", "C 3", "north"])
GROUPS = st.sampled_from([None, "", "north", "south west"])
CHANNELS = st.sampled_from([None, "", "web", "shop"])
ORDERS = st.sampled_from(["O1", "O2", "O 3", "C1"])


def dates(around: date) -> st.SearchStrategy[date | None]:
    """None, any date of the next weeks, or one close to `around` (the next period's first day)."""
    near = st.integers(-4, 4).map(lambda days: around + timedelta(days=days))
    return st.one_of(st.none(), st.integers(-3, 40).map(d), near, near)


@st.composite
def waiting_lines(draw: st.DrawFn, around: date = TODAY) -> list[QueueEntry]:
    lines = []
    for index in range(draw(st.integers(0, 10))):
        eta = draw(dates(around))
        lines.append(
            QueueEntry(
                order_id=draw(ORDERS),
                line_id=str(index),  # unique, so a line's key names one line
                quantity=draw(st.integers(1, 7)),
                tier=draw(st.sampled_from(list(Tier))),
                placed_at=datetime(2026, 1, 1, tzinfo=UTC),
                since=TODAY - timedelta(days=draw(st.integers(0, 5))),
                wait_limit=draw(st.one_of(st.none(), dates(around))),
                eta=eta,
                needs_purchase=eta is not None and draw(st.sampled_from([True, True, False])),
                customer_id=draw(WHO),
                customer_group=draw(GROUPS),
                channel=draw(CHANNELS),
            )
        )
    return lines


@st.composite
def quotas(draw: st.DrawFn) -> Quota:
    return Quota(
        units=draw(st.integers(1, 6)),
        period=draw(st.sampled_from(list(Period))),
        per=draw(st.sampled_from(list(Per))),
    )


@st.composite
def uses(draw: st.DrawFn, queue: list[QueueEntry]) -> dict[str, int]:
    """Units used this period by some keys: the waiting lines' own, under any `per` (the quota may
    have been counted per something else earlier in the period), and keys no line has."""
    keys = [quota_key(Quota(units=1, period=Period.DAY, per=per), entry) for entry in queue for per in Per]
    keys += ["customer C9", "group east", "channel phone", "order O 3", "customer C 3"]
    chosen = draw(st.lists(st.sampled_from(keys), max_size=8)) if keys else []
    return {key: draw(st.integers(1, 8)) for key in chosen}


def floors_by_scanning(quota: Quota, used: dict[str, int], until: date, queue: list[QueueEntry]):
    """The straightforward floors: every waiting line's quota key built and looked up."""
    return {
        entry.key: until
        for entry in queue
        if used.get(quota_key(quota, entry), 0) + entry.quantity > quota.units
    }


@settings(max_examples=300, deadline=None)
@given(queue=waiting_lines(), quota=quotas(), data=st.data())
def test_a_line_is_over_its_quota_exactly_when_its_key_s_use_leaves_it_no_room(queue, quota, data):
    used = data.draw(uses(queue))
    until = d(7)
    over = OverQuota(quota, used, until)
    expected = floors_by_scanning(quota, used, until, queue)
    assert {entry.key: until for entry in queue if over(entry) is not None} == expected
    assert all(over(entry) in (None, until) for entry in queue)


@settings(max_examples=300, deadline=None)
@given(
    quota=quotas(),
    data=st.data(),
    at=st.datetimes(min_value=datetime(2025, 12, 29), max_value=datetime(2026, 1, 31)),
    pos=st.lists(st.tuples(st.integers(1, 12), st.integers(-2, 30)), max_size=4),
    lead=st.one_of(st.none(), st.integers(0, 8)),
    held=st.dictionaries(st.sampled_from([t.value for t in Tier]), st.integers(0, 6), max_size=2),
)
def test_eta_v4_promises_a_quota_sku_exactly_as_with_floors_found_by_scanning_every_line(
    quota, data, at, pos, lead, held
):
    until = next_period_start(quota.period, at)
    queue = data.draw(waiting_lines(around=until))
    used = data.draw(uses(queue))
    supply = [line(f"PO-{i}", q, days) for i, (q, days) in enumerate(pos)]
    sources = [] if lead is None else [source(lead=lead)]
    scanned = floors_by_scanning(quota, used, until, queue)

    def plan(rules: Rationing):
        return plan_etas_v4(queue, 0, 0, supply, sources, TODAY, rules)

    fast = plan(Rationing(kept_back=held, waits=OverQuota(quota, used, until)))
    assert fast == plan(Rationing(kept_back=held, waits=AskedOfEveryLine(scanned)))


def test_a_promise_the_day_before_the_next_period_moves_to_it_when_the_line_is_over_its_quota():
    # Given a customer who used the week's 4 units, two of its lines promised from buying anew
    # behind another customer's
    quota = Quota(units=4, period=Period.WEEK, per=Per.CUSTOMER)
    monday = next_period_start(Period.WEEK, T0)
    assert monday == d(7)
    waiting = [
        QueueEntry(
            order_id=order_id,
            line_id="1",
            quantity=1,
            tier=Tier.STANDARD,
            placed_at=T0,
            since=TODAY,
            eta=eta,
            needs_purchase=True,
            customer_id=customer_id,
        )
        for order_id, customer_id, eta in (
            ("H", "C2", d(5)),  # the head: where the walk finds no PO left
            ("A", "C1", monday - timedelta(days=1)),
            ("B", "C1", monday),
        )
    ]
    # When eta-v4 walks the queue (no PO; buying anew comes in 5 days)
    rules = Rationing(waits=OverQuota(quota, {"customer C1": 4}, monday))
    plan = plan_etas_v4(waiting, 0, 0, [], [source(lead=0)], TODAY, rules)
    # Then the line promised the day before the next week waits for it; the other keeps its promise
    assert [(c.order_id, c.new) for c in plan.changes] == [("A", monday)]
