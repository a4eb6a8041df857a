"""`antrian demo --planning on`: a planning run every simulated week, applied the ordinary way."""

from __future__ import annotations

import random
from dataclasses import replace
from types import SimpleNamespace

import pytest

from domain.stock import stock_id
from domain.values import Source, SupplierPriority
from infra.bootstrap import build_engine
from infra.settings import Settings
from simulation import DemoOptions, DemoSummary, generate_messages, run_demo
from simulation.agenda import Agenda, Outbox
from simulation.compare import compare_table
from simulation.purchasing import Purchasing
from simulation.readback import notifications
from simulation.world import SkuPlan, Terms, World

OPTIONS = DemoOptions(seed=4, days=21, skus=5, orders_per_day=12, planning=True)


def memory_engine():
    return build_engine(Settings(store="memory"))


@pytest.fixture(scope="module")
def planned():
    engine = memory_engine()
    return engine, run_demo(engine, OPTIONS)


def events(engine, name: str) -> list:
    return [
        engine.mapper.to_domain_event(note)
        for note in notifications(engine)
        if note.topic.rpartition(":")[2] == name
    ]


def test_planning_on_records_a_planning_run_at_the_end_of_every_simulated_week(planned):
    engine, summary = planned
    runs = events(engine, "PlanningRun.Started")
    assert [run.as_of.isoformat() for run in runs] == ["2026-01-11", "2026-01-18", "2026-01-25"]
    assert summary.planning_runs == 3


def test_planning_on_applies_each_run_as_sku_configured_messages_of_the_planning_run(planned):
    engine, summary = planned
    configured = [
        e for e in events(engine, "Stock.Configured") if (e.reason or "").startswith("planning run ")
    ]
    assert configured and summary.planned_settings == len(configured)
    runs = {str(run.originator_id) for run in events(engine, "PlanningRun.Started")}
    assert {e.reason.split(":")[0].removeprefix("planning run ") for e in configured} <= runs
    assert "Planning       3 planning runs" in summary.render()
    assert summary.rejected == 0, summary.rejections


def test_planning_off_records_no_planning_run():
    engine = memory_engine()
    summary = run_demo(engine, replace(OPTIONS, planning=False))
    assert events(engine, "PlanningRun.Started") == [] and summary.planning_runs == 0
    assert "Planning " not in summary.render()


def test_the_same_seed_with_planning_gives_the_same_figures(planned):
    _, summary = planned
    again: DemoSummary = run_demo(memory_engine(), OPTIONS)
    assert again.render() == summary.render()
    assert again.purchase_spend == summary.purchase_spend and again.mean_on_hand == summary.mean_on_hand


def test_the_comparison_shows_every_key_figure_for_both_runs(planned):
    _, on = planned
    off = run_demo(memory_engine(), replace(OPTIONS, planning=False))
    table = compare_table(off, on)
    assert ["planning", "off", "planning", "on", "change"] in [row.split() for row in table.splitlines()]
    for label in (
        "fill rate",
        "backordered lines",
        "first promises kept",
        "latest promises kept",
        "mean units on hand",
        "units over capacity",
        "purchase spend",
        "wait p90",
    ):
        (row,) = [row for row in table.splitlines() if row.startswith(label)]
        assert len(row.split()) >= len(label.split()) + 2, row
    assert f"{off.purchase_spend:,.2f}" in table and f"{on.purchase_spend:,.2f}" in table


def test_a_stream_with_planning_on_is_refused_it_records_runs_no_upstream_message_carries():
    with pytest.raises(ValueError, match="planning"):
        next(generate_messages(OPTIONS, memory_engine()))


def test_with_planning_the_skus_promise_with_failover_to_the_backup(planned):
    engine, _ = planned
    assert {engine.get_stock(f"SKU-{n:03d}").eta_policy for n in range(1, 6)} == {"eta-v6"}


def test_with_planning_the_skus_expedite_from_the_backup_for_waiting_customers(planned):
    engine, _ = planned
    assert {engine.get_stock(f"SKU-{n:03d}").replenish_policy for n in range(1, 6)} == {"replenish-v3"}
    expedited = [
        e
        for n in range(1, 6)
        for e in engine.events.get(stock_id(f"SKU-{n:03d}"))
        if type(e).__name__ == "ReplenishmentSuggested" and e.decision.inputs.get("expedite")
    ]
    assert expedited and all(e.decision.reason.startswith("expedite: ") for e in expedited)


def test_with_planning_purchasing_orders_each_suppliers_suggestion_and_failover_in_whole_packs():
    # Given the engine suggests 15 units from the primary (packs of 10) and 3 from the backup on failover
    terms = Terms("SUP-01", 7, "1.00", "primary", 10)
    plan = SkuPlan("SKU-001", 5.0, 10, 5, 0, 10, terms, Terms("SUP-02", 3, "1.30", "backup", 1))
    world = World((plan,), (), (), ())
    desk = Purchasing(world, None, Outbox(), Agenda(), random.Random(1), follow_engine=True)
    sources = {  # as the engine holds the terms: the pack is the primary's order multiple
        "SUP-01": Source(
            supplier_id="SUP-01",
            lead_time_days=7,
            priority=SupplierPriority.PRIMARY,
            minimum_order_quantity=10,
            order_multiple=10,
            lateness_days=0,
        ),
        "SUP-02": Source(
            supplier_id="SUP-02", lead_time_days=3, priority=SupplierPriority.BACKUP, lateness_days=0
        ),
    }
    stock = SimpleNamespace(
        suggested=15, suggested_from={"SUP-01": 15}, failover_from={"SUP-02": 3}, sources=sources
    )
    # Then it orders two packs from the primary and the 3 from the backup
    assert desk._as_suggested(plan, stock) == {"SUP-01": 20, "SUP-02": 3}
