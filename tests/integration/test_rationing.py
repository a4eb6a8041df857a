"""The three rationing policies through the engine: messages in, decisions, orders, notices, replay.

Real traffic: version 4 configurations (re-sent, absurd), version 3 orders with
groups and channels beside version 1 and 2 ones, duplicates, a late message,
a receipt that fills held-back lines; every store ends with replay MATCH.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from domain.stock import stock_id
from infra.bootstrap import build_engine
from infra.settings import Settings
from projections.notifications.projection import NotificationsProjection
from projections.queue import BackorderQueueProjection
from projections.whatif_outcome import history_outcome
from services.outcomes import Status
from services.replay import Replayer
from tests import messages as m
from tests.support.cli import cli_over
from tests.support.read_side import project, rows

pytestmark = pytest.mark.integration


@pytest.fixture
def engine():
    engine = build_engine(Settings(store="memory"))
    yield engine
    engine.close()


def decisions(engine, sku: str = "A") -> list[tuple[str, str, str]]:
    return [
        (type(e).__name__, e.decision.policy, e.decision.reason)
        for e in engine.events.get(stock_id(sku))
        if getattr(e, "decision", None) is not None and not e.decision.policy.startswith(("eta", "replenish"))
    ]


def assert_replays(engine) -> None:
    report = Replayer(engine).verify()
    assert report.verdicts and not report.diffs, [
        (v.subject, v.kind, v.recorded, v.recomputed) for v in report.diffs
    ]


RESERVE = m.sku_configured_v4("k1", "A", "tier-reserve-v1", reserve={"gold": 1, "standard": 4})
QUOTA = m.sku_configured_v4(
    "k1", "A", "quota-v1", quota={"units": 3, "period": "week", "per": "group", "beyond": "next_period"}
)
REDISTRIBUTE = m.sku_configured_v4("k1", "A", redistribute_within_hours=24)


# ------------------------------------------------------------ tier reserve
def test_a_reserve_holds_a_standard_line_back_serves_a_gold_one_and_replays(engine):
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", ("A",)),
        RESERVE,
        m.stock_received("r1", "A", 5),
        m.order_placed("o1", "O1", (("1", "A", 3),), at=m.ts(hours=1)),
        m.order_placed_v3("o2", "O2", (("1", "A", 3),), "gold", at=m.ts(hours=2), channel="web"),
    )
    o1, o2 = engine.get_order("O1").line("1"), engine.get_order("O2").line("1")
    assert (o1.allocated_total, o1.backordered, o2.allocated_total) == (1, 2, 3)  # 1 above 4; 3 above 1
    assert engine.get_stock("A").available == 1
    reasons = [reason for _, _, reason in decisions(engine)]
    assert reasons[0].startswith("5 free, 4 kept back for higher tiers: standard line takes 1")

    m.apply(engine, m.stock_received("r2", "A", 6, at=m.ts(hours=3)))  # 7 free: 3 above standard's 4

    assert engine.get_order("O1").line("1").allocated_total == 3
    assert engine.get_stock("A").available == 5
    assert_replays(engine)


# ------------------------------------------------------------------ quotas
def test_a_group_over_its_weekly_quota_waits_for_next_week_and_is_served_by_any_decision_then(engine):
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", ("A", "B")),
        QUOTA,
        m.stock_received("r1", "A", 20),
        m.order_placed_v3("o1", "O1", (("1", "A", 2),), at=m.ts(hours=1), group="north"),
        m.order_placed_v3("o2", "O2", (("1", "A", 4),), at=m.ts(hours=2), group="north"),
        m.order_placed_v2("o3", "O3", (("1", "A", 4),), at=m.ts(hours=3)),  # no group: its own customer
    )
    assert engine.get_order("O2").line("1").backordered == 3
    assert engine.get_order("O3").line("1").allocated_total == 3
    waits = [r for kind, _, r in decisions(engine) if kind == "LineRequested" and "quota" in r]
    assert waits[0].startswith("quota of 3/week for group north used: 3; waits for 2026-W03")

    m.apply(engine, m.order_placed("o4", "O4", (("1", "A", 1),), at=m.ts(days=7)))  # next Monday

    assert engine.get_order("O2").line("1").allocated_total == 4
    assert_replays(engine)


def test_a_late_message_dated_before_the_boundary_is_decided_in_the_period_the_sku_is_in(engine):
    m.apply(
        engine,
        QUOTA,
        m.stock_received("r1", "A", 20),
        m.order_placed_v3("o1", "O1", (("1", "A", 5),), at=m.ts(hours=1), group="north"),
        m.order_placed_v3("o2", "O2", (("1", "A", 1),), at=m.ts(days=7), group="south"),
        # placed on Sunday of the first week, its message read on Monday: the SKU already decides in W03
        m.order_placed_v3("o3", "O3", (("1", "A", 3),), at=m.ts(days=6, hours=13), group="north"),
    )
    assert engine.get_order("O1").line("1").allocated_total == 5  # its 2 waiting served first in W03
    assert engine.get_order("O3").line("1").allocated_total == 1  # W03's quota: 2 + 1
    assert_replays(engine)


# ------------------------------------------------------------ redistribution
def test_a_platinum_line_takes_a_recent_standard_allocation_and_the_loser_is_told_and_waits_again(engine):
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", ("A",)),
        REDISTRIBUTE,
        m.stock_received("r1", "A", 4),
        m.order_placed("o1", "O1", (("1", "A", 2),), at=m.ts(hours=1)),
        m.order_placed("o2", "O2", (("1", "A", 2),), "gold", at=m.ts(hours=2)),
        m.order_placed("o3", "O3", (("1", "A", 3),), "platinum", at=m.ts(hours=3)),
    )
    o1, o2, o3 = (engine.get_order(o).line("1") for o in ("O1", "O2", "O3"))
    assert (o3.allocated_total, o3.backordered) == (3, 0)
    assert (o1.allocated_total, o1.backordered, o1.position) == (0, 2, None)  # back from allocated to waiting
    assert (o2.allocated_total, o2.backordered) == (1, 1)
    stock = engine.get_stock("A")
    assert [(e.order_id, e.quantity) for e in stock.queue] == [("O2", 1), ("O1", 2)]  # policy places
    kinds = [(kind, policy) for kind, policy, _ in decisions(engine)]
    assert ("AllocationsRevoked", "redistribute-v1") in kinds and ("QueueFilled", "redistribute-v1") in kinds

    runner = project(engine, [NotificationsProjection(), BackorderQueueProjection()])
    queue = rows(runner, "SELECT order_id, waiting FROM queue_lines WHERE waiting > 0 ORDER BY order_id")
    assert queue == [{"order_id": "O1", "waiting": 2}, {"order_id": "O2", "waiting": 1}]
    subjects = [r["subject"] for r in rows(runner, "SELECT subject FROM notifications")]
    assert any("O1" in subject for subject in subjects)
    assert_replays(engine)
    assert history_outcome(engine.recorder, engine.mapper).redistributed_units == 3  # counted once


def test_redistribution_is_off_by_default_and_never_takes_shipped_units_or_old_allocations(engine):
    m.apply(
        engine,
        m.stock_received("r1", "A", 4),
        m.order_placed("o1", "O1", (("1", "A", 2),), at=m.ts(hours=1)),
        m.order_placed("o2", "O2", (("1", "A", 2),), at=m.ts(hours=1)),
        m.order_placed("o3", "O3", (("1", "A", 1),), "platinum", at=m.ts(hours=2)),
    )
    assert engine.get_order("O3").line("1").backordered == 1  # off: nothing taken
    m.apply(
        engine,
        m.order_shipped("sh1", "O1", (("1", None),), at=m.ts(hours=3)),
        REDISTRIBUTE,
        m.order_placed("o4", "O4", (("1", "A", 1),), "platinum", at=m.ts(days=2)),  # O2's are 47h old
        m.order_placed("o5", "O5", (("1", "A", 1),), "platinum", at=m.ts(days=2, hours=1)),
    )
    assert engine.get_order("O1").line("1").shipped == 2
    assert engine.get_order("O2").line("1").allocated_total == 2
    assert engine.get_order("O4").line("1").backordered == 1
    assert_replays(engine)


# ------------------------------------------------------------- real traffic
def test_an_absurd_quota_or_reserve_is_refused_naming_the_field(engine):
    absurd = m.sku_configured_v4(
        "k9", "A", "quota-v1", quota={"units": 10**12, "period": "week", "per": "customer"}
    )
    rising = m.sku_configured_v4("k8", "A", reserve={"gold": 5, "standard": 2})
    too_long = m.sku_configured_v4("k7", "A", redistribute_within_hours=10**6)

    outcomes = [engine.handle_raw(raw) for raw in (absurd, rising, too_long)]

    assert [(o.status, o.field) for o in outcomes] == [
        (Status.REJECTED, "quota.units"),
        (Status.REJECTED, "reserve"),
        (Status.REJECTED, "redistribute_within_hours"),
    ]
    assert "levels never increase with tier" in outcomes[1].detail


def test_a_duplicate_and_a_re_sent_configuration_change_nothing(engine):
    m.apply(engine, QUOTA, m.stock_received("r1", "A", 5), m.order_placed("o1", "O1", (("1", "A", 4),)))
    before = engine.get_stock("A").version

    assert engine.handle_raw(QUOTA).status is Status.DUPLICATE
    again = {**QUOTA, "message_id": "k2", "occurred_at": m.ts(hours=1)}
    m.apply(engine, again)

    stock = engine.get_stock("A")
    configured = [e for e in engine.events.get(stock_id("A")) if type(e).__name__ == "Configured"][-1]
    assert (configured.quota, configured.reserve) == (None, None)  # the same settings: nothing to change
    assert stock.version == before + 1 and stock.reserved_for("O1", "1") == 3
    assert_replays(engine)


def test_old_message_versions_mean_what_they_meant(engine):
    """Version 1-3 configurations leave the rationing settings alone; a version 3 order without a
    group or channel places what version 2 places."""
    m.apply(
        engine,
        m.sku_configured_v4("k1", "A", reserve={"standard": 2}, redistribute_within_hours=5),
        m.sku_configured("k2", "A", 1, 0, "priority-fifo-v1"),
        m.stock_received("r1", "A", 3),
        m.order_placed_v2("o1", "O1", (("1", "A", 1),)),
        m.order_placed_v3("o2", "O2", (("1", "A", 1),)),
    )
    stock = engine.get_stock("A")
    assert (stock.reserve, stock.redistribute_within_hours) == ({"standard": 2}, 5)
    requested = [e.request for e in engine.events.get(stock_id("A")) if type(e).__name__ == "LineRequested"]
    assert [r.model_dump(exclude={"order_id", "customer_id"}) for r in requested][0] == requested[
        1
    ].model_dump(exclude={"order_id", "customer_id"})
    assert [(k, p) for k, p, _ in decisions(engine)] == [("LineRequested", "priority-fifo-v1")] * 2


def test_replay_verify_says_match_on_a_store_using_all_three_policies(tmp_path, monkeypatch):
    messages = (
        m.supplier_registered("s1", "S1", ("A", "B", "C")),
        RESERVE,
        m.sku_configured_v4(
            "k2", "B", "quota-v1", quota={"units": 2, "period": "day", "per": "channel", "beyond": "unwanted"}
        ),
        m.sku_configured_v4("k3", "C", redistribute_within_hours=12),
        *(m.stock_received(f"r-{sku}", sku, 4) for sku in "ABC"),
        *(
            m.order_placed_v3(f"o{i}", f"O{i}", (("1", sku, 2),), tier, at=m.ts(hours=i), channel="web")
            for i, (sku, tier) in enumerate(
                [
                    ("A", "standard"),
                    ("A", "gold"),
                    ("B", "standard"),
                    ("B", "gold"),
                    ("B", "standard"),
                    ("C", "standard"),
                    ("C", "standard"),
                    ("C", "platinum"),
                ],
                start=1,
            )
        ),
        m.stock_received("r2", "A", 3, at=m.ts(days=1)),
        m.stock_received("r3", "B", 3, at=m.ts(days=1)),
    )
    antrian, _ = cli_over(messages, tmp_path, monkeypatch)
    result = antrian("replay", "verify")

    assert result.exit_code == 0, result.output
    total, matched = re.fullmatch(
        r"replay verify: (\d+) decision\(s\) re-run, (\d+) MATCH, 0 DIFF\n", result.output
    ).groups()  # type: ignore[union-attr]
    assert total == matched and int(total) > 20
    audit = antrian("audit", "O7")
    assert "redistributed to higher-tier O8/1: took back O7/1 x2" in audit.output, audit.output
    beyond = (
        "quota of 2/day for channel web used: 4, beyond it as nobody within a quota waits for these units"
    )
    assert beyond in antrian("audit", "O4").output


def test_a_substitute_whose_reserve_holds_the_line_back_is_refused_and_the_line_keeps_its_place(engine):
    m.apply(
        engine,
        m.sku_configured("k0", "A"),
        m.sku_configured_v4("k1", "B", "tier-reserve-v1", reserve={"standard": 5}),
        m.substitutes_declared("d1", "A", ["B"]),
        m.stock_received("r1", "B", 4),
        m.order_placed("o1", "O1", (("1", "A", 2),), accept_substitutes=True, at=m.ts(hours=1)),
    )
    offer = engine.get_order("O1").line("1").offer
    assert offer is not None and offer.sku == "B"  # offers look at free units, as before

    outcome = engine.handle_raw(m.substitute_accepted("a1", "O1", at=m.ts(hours=2)))

    assert outcome.status is Status.REJECTED and "keeps its queue place" in outcome.detail
    assert engine.get_stock("A").position_of("O1", "1") == 1 and engine.get_stock("B").available == 4
    assert_replays(engine)


def test_the_stock_position_shows_the_rationing_settings_as_they_were_and_as_they_are(tmp_path, monkeypatch):
    quota = {"units": 5, "period": "week", "per": "group", "beyond": "unwanted"}
    run, _ = cli_over(
        (
            m.sku_configured_v4("k1", "A", "tier-reserve-v2", reserve={"standard": 4}, at=m.ts(hours=1)),
            m.sku_configured_v4(
                "k2", "A", "quota-v1", quota=quota, redistribute_within_hours=12, at=m.ts(hours=3)
            ),
        ),
        tmp_path,
        monkeypatch,
    )

    then = json.loads(run("stock", "A", "--as-of", "2026-01-05T12:00:00Z", "--json").output)["stock"]
    now = run("stock", "A")

    assert (then["policy"], then["reserve"], then["quota"], then["redistribute_within_hours"]) == (
        "tier-reserve-v2",
        {"standard": 4},
        None,
        0,
    )
    assert "reserve standard 4; quota 5/week per group, beyond: unwanted; redistribution 12 h" in now.output


# ---------------------------------------------------- promises that know the rules (eta-v4)
def reserve_world(engine, eta_policy: str) -> None:
    """4 units kept back from standard lines; a platinum line empties 3 of them, so a PO's first 3
    units refill the reserve before a standard line may take any."""
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", ("A",)),
        m.sku_configured_v4(
            "k1", "A", "tier-reserve-v1", reserve={"gold": 1, "standard": 4}, eta_policy=eta_policy
        ),
        m.stock_received("r1", "A", 5),
        m.po_placed("p1", "PO-1", (("A", 3),), expected=m.day(10), at=m.ts(minutes=1)),
        m.po_placed("p2", "PO-2", (("A", 10),), expected=m.day(20), at=m.ts(minutes=2)),
        m.order_placed("o1", "O1", (("1", "A", 3),), at=m.ts(hours=1)),  # takes 1, waits for 2
        m.order_placed("o2", "O2", (("1", "A", 3),), "platinum", at=m.ts(hours=2)),  # 3 of the reserve
    )


def test_under_a_reserve_eta_v4_promises_a_standard_line_the_po_that_reaches_it_after_the_reserve_refills():
    promised = {}
    for policy in ("eta-v2", "eta-v4"):
        engine = build_engine(Settings(store="memory"))
        try:
            reserve_world(engine, policy)
            promised[policy] = engine.get_stock("A").queued("O1", "1").eta
            m.apply(engine, m.stock_received("r2", "A", 3, at=m.ts(days=10), po="PO-1", supplier_id="S1"))
            assert engine.get_order("O1").line("1").backordered == 2  # PO-1 only refilled the reserve
            assert_replays(engine)
        finally:
            engine.close()
    # eta-v2 promised PO-1's date, which could not come true; eta-v4 PO-2's, ten days later
    assert promised["eta-v4"] - promised["eta-v2"] == timedelta(days=10)


def test_a_line_over_its_quota_is_promised_no_earlier_than_the_next_period_under_eta_v4(engine):
    quota = {"units": 3, "period": "week", "per": "group", "beyond": "next_period"}
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", ("A",)),
        m.sku_configured_v4("k1", "A", "quota-v1", quota=quota, eta_policy="eta-v4"),
        m.stock_received("r1", "A", 1),
        m.po_placed("p1", "PO-1", (("A", 10),), expected=m.day(1), at=m.ts(minutes=1)),
        m.order_placed_v3("o1", "O1", (("1", "A", 1),), at=m.ts(hours=1), group="north"),
        m.order_placed_v3("o2", "O2", (("1", "A", 4),), at=m.ts(hours=2), group="north"),
        m.order_placed_v3("o3", "O3", (("1", "A", 2),), at=m.ts(hours=3), group="south"),
    )
    # Real traffic: O2 sent again, an absurd order refused, and a south order dated before O3 read after it
    resent = engine.handle_raw(
        m.order_placed_v3("o2", "O2", (("1", "A", 4),), at=m.ts(hours=2), group="north")
    )
    absurd = engine.handle_raw(m.order_placed_v3("o9", "O9", (("1", "A", 10**12),), at=m.ts(hours=3)))
    late = engine.handle_raw(m.order_placed_v3("o5", "O5", (("1", "A", 1),), at=m.ts(hours=2), group="south"))
    assert (resent.status, absurd.status, late.status) == (Status.DUPLICATE, Status.REJECTED, Status.APPLIED)
    stock = engine.get_stock("A")
    next_monday = date(2026, 1, 12)  # the base time is Monday 2026-01-05
    assert stock.queued("O2", "1").eta == next_monday  # 1 of north's 3 used: 4 more do not fit this week
    assert stock.queued("O3", "1").eta < next_monday  # south's quota leaves room: PO-1 serves it
    assert stock.queued("O5", "1").eta < next_monday  # 2 + 1 of south's 3
    assert_replays(engine)


def test_under_eta_v4_a_line_whose_promise_passes_its_wait_leaves_the_queue_once_wherever_it_waits(engine):
    outcomes = m.apply(
        engine,
        m.supplier_registered("s1", "S1", ("A",), lead_time_days=30),
        m.sku_configured_v4("k1", "A", "tier-reserve-v1", reserve={"standard": 2}, eta_policy="eta-v4"),
        m.stock_received("r1", "A", 2),
        m.order_placed("o1", "O1", (("1", "A", 1),), at=m.ts(hours=1)),  # held back: waits first
        m.order_placed("o2", "O2", (("1", "A", 1),), at=m.ts(hours=2), max_wait_days=40),  # a purchase's time
        # days later a line joins behind: a purchase made now comes after O2's wait, so O2 leaves
        m.order_placed("o3", "O3", (("1", "A", 1),), at=m.ts(days=9)),
        m.order_placed("o4", "O4", (("1", "A", 1),), at=m.ts(days=9, hours=1)),
    )
    assert [o.status for o in outcomes] == [Status.APPLIED] * 7
    assert engine.get_order("O2").line("1").cancelled == 1
    assert [e.order_id for e in engine.get_stock("A").queue] == ["O1", "O3", "O4"]
    assert_replays(engine)


# ------------------------------------------- eta-v5: eta-v4's promises, walked from the line
QUOTA_WEEK = {"units": 3, "period": "week", "per": "group", "beyond": "next_period"}


def busy_days(eta_policy: str, policy: str, rules: dict) -> list[dict]:
    """Days of a scarce SKU: lines of every tier joining a queue held back by its rules, a PO that
    slips, a cancel that puts a unit back, a partial receipt, days when the rest of the PO is
    overdue and a new quota week; with a re-sent order, an absurd one and one that comes late."""
    tiers = ("standard", "gold", "standard", "platinum", "standard", "standard", "gold", "standard")
    orders = [
        m.order_placed_v3(
            f"o{day}{i}", f"O{day}{i}", (("1", "A", 1 + i % 3),), tiers[i], at=m.ts(days=day, hours=1 + i),
            group=("north", "south")[i % 2], max_wait_days=30 if i == 5 else None,
        )
        for day in (0, 1, 10, 11)
        for i in range(len(tiers))
    ]  # fmt: skip
    return [
        m.supplier_registered("s1", "S1", ("A",), lead_time_days=20),
        m.sku_configured_v4("k1", "A", policy, eta_policy=eta_policy, **rules),
        m.stock_received("r1", "A", 6),
        m.po_placed("p1", "PO-1", (("A", 5),), expected=m.day(6), at=m.ts(minutes=1)),
        m.po_placed("p2", "PO-2", (("A", 12),), expected=m.day(12), at=m.ts(minutes=2)),
        *orders[:8],
        orders[3],  # re-sent
        m.order_placed_v3("o99", "O99", (("1", "A", 10**12),), at=m.ts(hours=9)),  # refused
        m.po_delayed("d1", "PO-1", m.day(9), at=m.ts(hours=10)),
        *orders[8:12],
        m.order_placed_v3("o98", "O98", (("1", "A", 2),), "gold", at=m.ts(days=1, hours=2)),  # late
        m.order_cancelled("c1", "O00", at=m.ts(days=1, hours=4, minutes=30)),  # its unit back on the shelf
        m.stock_received("r2", "A", 3, at=m.ts(days=1, hours=6), po="PO-1", supplier_id="S1"),
        *orders[12:],  # days 10 and 11: PO-1's other 2 units are overdue, and it is a new week
    ]


def not_at_rest(engine) -> list[str]:
    """The lines whose promise a walk of the whole queue, at the SKU's latest decision, would change."""
    stock = engine.get_stock("A")
    if stock is None or not stock.queue or stock.clock is None:
        return []
    plan = stock.plan_etas(0, stock.clock)
    return [c.order_id for c in plan.changes] + [x.order_id for x in plan.expired]


RATIONING_RULES = [
    ("tier-reserve-v1", {"reserve": {"gold": 1, "standard": 4}}),
    ("quota-v1", {"quota": QUOTA_WEEK}),
]


@pytest.mark.parametrize(("policy", "rules"), RATIONING_RULES)
def test_under_eta_v5_every_line_holds_what_a_whole_walk_promises_after_every_message_and_joins_walk_from_their_place(
    policy, rules
):
    engine = build_engine(Settings(store="memory"))
    try:
        statuses = set()
        for message in busy_days("eta-v5", policy, rules):
            statuses.add(engine.handle_raw(message).status)
            assert not_at_rest(engine) == [], message["message_id"]
        assert statuses == {Status.APPLIED, Status.DUPLICATE, Status.REJECTED}
        starts = [e.start for e in engine.events.get(stock_id("A")) if type(e).__name__ == "EtasRevised"]
        assert 0 in starts and any(start > 0 for start in starts)  # some walks began at the line that joined
        assert_replays(engine)
    finally:
        engine.close()


def test_eta_v4_can_leave_lines_behind_one_that_passed_its_wait_with_a_promise_its_next_walk_moves():
    """Why eta-v5 changes how a line that leaves the queue is walked past: eta-v4's walk keeps the
    supply it looked that line up against, so the lines behind it learn of that supply later."""
    engine = build_engine(Settings(store="memory"))
    try:
        stale = []
        for message in busy_days("eta-v4", *RATIONING_RULES[0]):
            engine.handle_raw(message)
            stale += not_at_rest(engine)
        assert stale
    finally:
        engine.close()
