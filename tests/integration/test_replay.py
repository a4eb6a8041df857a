"""Replay: every recorded decision re-runs to the same answer - and a changed policy would show."""

from __future__ import annotations

import pytest

from domain import allocation
from domain.eta import ETA_POLICY
from domain.order import order_uuid
from domain.stock import stock_id
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.outcomes import Status
from services.replay import Replayer

DAY1 = "2026-01-05T09:00:00Z"
DAY2 = "2026-01-06T09:00:00Z"
DAY9 = "2026-01-14T09:00:00Z"


def _order(mid: str, order_id: str, qty: int, tier: str = "standard", at: str = DAY1, **extra) -> dict:
    return {
        "message_id": mid,
        "type": "OrderPlaced",
        "occurred_at": at,
        "order_id": order_id,
        "customer_id": f"c-{order_id}",
        "customer_tier": tier,
        "placed_at": at,
        "lines": [{"line_id": "1", "sku": "A", "quantity": qty}],
        "contact": {"email": f"{order_id}@example.com"},
        **extra,
    }


HISTORY = [
    {
        "message_id": "s1",
        "type": "SupplierRegistered",
        "occurred_at": DAY1,
        "supplier_id": "acme",
        "name": "Acme",
        "terms": [
            {"sku": "A", "lead_time_days": 5, "unit_cost": "3.10"},
            {"sku": "B", "lead_time_days": 2, "unit_cost": "3.90"},
        ],
    },
    {"message_id": "s2", "type": "StockReceived", "occurred_at": DAY1, "sku": "A", "quantity": 4},
    {"message_id": "s3", "type": "StockReceived", "occurred_at": DAY1, "sku": "B", "quantity": 6},
    {
        "message_id": "s4",
        "type": "SubstitutesDeclared",
        "occurred_at": DAY1,
        "sku": "A",
        "substitutes": ["B"],
    },
    _order("o1", "o1", 3),
    _order("o2", "o2", 3, at="2026-01-05T09:05:00Z", accept_substitutes=True),
    _order("o3", "o3", 2, tier="platinum", at="2026-01-05T09:10:00Z"),
    _order("o4", "o4", 5, at="2026-01-05T09:15:00Z", max_wait_days=3),
    {
        "message_id": "p1",
        "type": "PurchaseOrderPlaced",
        "occurred_at": DAY2,
        "purchase_order_id": "po1",
        "supplier_id": "acme",
        "lines": [{"sku": "A", "quantity": 4}],
        "expected_date": "2026-01-09",
    },
    {
        "message_id": "p2",
        "type": "PurchaseOrderDelayed",
        "occurred_at": DAY2,
        "purchase_order_id": "po1",
        "supplier_id": "acme",
        "new_expected_date": "2026-01-12",
        "reason": "port congestion",
    },
    {"message_id": "x1", "type": "OrderCancelled", "occurred_at": DAY2, "order_id": "o1"},
    {
        "message_id": "r1",
        "type": "StockReceived",
        "occurred_at": DAY9,
        "sku": "A",
        "quantity": 4,
        "purchase_order_id": "po1",
    },
    {
        "message_id": "a1",
        "type": "StockAdjusted",
        "occurred_at": DAY9,
        "sku": "A",
        "counted": 1,
        "reason": "cycle count: two damaged",
    },
]


@pytest.fixture(params=["memory", "sqlite"])
def engine(request, tmp_path):
    engine = build_engine(
        Settings(store=request.param, sqlite_path=tmp_path / "replay.sqlite", default_eta_policy="eta-v1")
    )
    for message in HISTORY:
        outcome = engine.handle_raw(message)
        assert outcome.status is Status.APPLIED, outcome
    return engine


def test_every_recorded_decision_replays_to_the_same_answer(engine):
    # Given a history with allocations, backorders, fills, ETA changes, an automatic
    # cancel, a substitute offer, a release and a revocation after a cycle count
    report = Replayer(engine).verify()

    # Then every decision kind was re-run, and none differs
    kinds = {verdict.kind for verdict in report.verdicts}
    assert {"LineRequested", "QueueFilled", "EtasRevised", "AllocationsRevoked"} <= kinds
    assert {
        "LineAllocated",
        "LineBackordered",
        "BackorderFilled",
        "SubstituteOffered",
        "LineCancelled",
        "AllocationRevoked",
    } <= kinds
    assert report.diffs == []


def test_replaying_one_order_re_runs_each_later_promise_to_its_lines_from_the_stock(engine):
    # Revised promises are recorded once on the Stock (EtasRevised), none on the order
    verdicts = list(Replayer(engine).order_verdicts("o2"))

    revisions = [v for v in verdicts if v.kind == "EtaRevised"]
    stock_changes = [
        change
        for event in engine.events.get(stock_id("A"))
        if type(event).__name__ == "EtasRevised"
        for change in event.plan.changes
        if change.order_id == "o2"
    ]
    own = list(engine.events.get(order_uuid("o2")))
    told_with_backorder = [e for e in own if type(e).__name__ == "LineBackordered" and e.eta_decision]
    assert revisions and len(revisions) == len(stock_changes) - len(told_with_backorder)
    assert all(v.matches and v.policy == ETA_POLICY for v in revisions)
    assert not [e for e in own if type(e).__name__ == "EtaRevised"]


def test_replaying_one_order_shows_each_decision_it_went_through(engine):
    verdicts = list(Replayer(engine).order_verdicts("o2"))

    assert [v.kind for v in verdicts][:3] == ["LineAllocated", "LineBackordered", "LineBackordered"]
    assert all(v.matches for v in verdicts)
    assert all(v.message_id and v.reason and v.policy for v in verdicts)


def test_a_policy_that_changed_behaviour_under_a_released_name_is_caught(engine, monkeypatch):
    # Given someone "fixes" priority-fifo-v1 in place to serve the newest order first
    broken = allocation.AllocationPolicy(
        name="priority-fifo-v1",
        key=lambda line: (line.tier.rank, -line.placed_at.timestamp(), line.order_id, line.line_id),
        description="tampered",
    )
    monkeypatch.setitem(allocation.POLICIES, "priority-fifo-v1", broken)

    # When the log is replayed
    report = Replayer(engine).verify()

    # Then the changed decisions show as DIFF instead of passing silently
    assert report.diffs
    assert any(v.kind == "LineRequested" for v in report.diffs)


def test_decisions_replay_with_the_policy_version_they_were_taken_with(engine):
    # Given the SKU later switches to fifo-v1
    outcome = engine.handle_raw(
        {
            "message_id": "cfg",
            "type": "SkuConfigured",
            "occurred_at": DAY9,
            "sku": "A",
            "allocation_policy": "fifo-v1",
        }
    )
    assert outcome.status is Status.APPLIED

    # Then the earlier priority-fifo-v1 decisions still replay as recorded
    report = Replayer(engine).verify()
    assert report.diffs == []
    assert {"priority-fifo-v1", "eta-v1"} <= {v.policy for v in report.verdicts}
