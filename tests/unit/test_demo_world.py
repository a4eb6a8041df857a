"""The demo world's unevenness: seasonal demand, supplier capacity, supplier disruptions."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

import pytest

from infra.bootstrap import build_engine
from infra.settings import Settings
from simulation import DemoOptions, generate_messages
from simulation.agenda import Agenda, Outbox
from simulation.purchasing import DISRUPTION_REASONS, PurchaseOrder, Purchasing
from simulation.shop import Shop
from simulation.variability import Disruption, Variability
from simulation.world import SkuPlan, SupplierPlan, Terms, World, at

# Seed 10 in this size of shop: SUP-01 delivers nothing from 16 January to 27 February,
# SUP-02 ships at most 60 units of SKU-004 a week.
OPTIONS = DemoOptions(seed=10, days=63, skus=6, orders_per_day=12)


def world_of(options: DemoOptions) -> World:
    return Shop(options, engine=None).world


@pytest.fixture(scope="module")
def stream() -> list[dict]:
    return list(generate_messages(OPTIONS, build_engine(Settings(store="memory"))))


def day(message: dict) -> date:
    return date.fromisoformat(message["occurred_at"][:10])


def test_a_world_has_a_few_seasonal_skus_with_two_to_four_times_the_demand_in_one_or_two_months():
    seasons = world_of(DemoOptions(seed=7)).variability.seasons
    assert len(seasons) == 4  # one SKU in five of 20
    for season in seasons:
        assert 2.0 <= season.factor <= 4.0
        assert 1 <= len(season.months) <= 2
        peak = date(2026, season.months[0], 10)
        assert season.factor_on(peak) == season.factor
        assert season.factor_on(peak + timedelta(days=92)) == 1.0


def test_seasonal_skus_sell_more_in_their_peak_months():
    # Given a small shop over a year
    options = DemoOptions(seed=3, days=365, skus=5, orders_per_day=8)
    (season,) = world_of(options).variability.seasons
    # When it runs
    units: dict[bool, int] = defaultdict(int)
    days: dict[bool, int] = defaultdict(int)
    for index in range(options.days):
        days[(options.start + timedelta(days=index)).month in season.months] += 1
    for message in generate_messages(options, build_engine(Settings(store="memory"))):
        if message["type"] == "OrderPlaced":
            peak = day(message).month in season.months
            units[peak] += sum(line["quantity"] for line in message["lines"] if line["sku"] == season.sku)
    # Then the seasonal SKU sells at least half its factor more per day in its peak months
    assert units[True] / days[True] > units[False] / days[False] * (1 + (season.factor - 1) / 2)


def test_the_same_seed_has_the_same_world_and_a_longer_run_sees_the_disruptions_of_a_shorter_one():
    short, long = (world_of(DemoOptions(seed=10, days=d)).variability for d in (42, 365))
    assert world_of(DemoOptions(seed=10, days=42)) == world_of(DemoOptions(seed=10, days=42))
    assert short.seasons == long.seasons and short.capacities == long.capacities
    assert set(short.disruptions) <= set(long.disruptions)
    assert len(long.disruptions) > len(short.disruptions)


def test_a_disrupted_supplier_delivers_nothing_while_disrupted_and_its_purchase_orders_are_delayed(stream):
    variability: Variability = world_of(OPTIONS).variability
    disruption = next(d for d in variability.disruptions if d.supplier_id == "SUP-01")
    supplier_of = {
        m["purchase_order_id"]: m["supplier_id"] for m in stream if m["type"] == "PurchaseOrderPlaced"
    }
    receipts = [m for m in stream if m["type"] == "StockReceived" and m.get("supplier_id") == "SUP-01"]
    assert receipts and not [m for m in receipts if disruption.covers(day(m))]
    delays = [
        m
        for m in stream
        if m["type"] == "PurchaseOrderDelayed" and supplier_of[m["purchase_order_id"]] == "SUP-01"
    ]
    told = [m for m in delays if m["reason"] in DISRUPTION_REASONS]
    assert told, "no purchase order of the disrupted supplier was delayed for the disruption"
    for m in told:
        assert disruption.start <= day(m) < disruption.end
        assert date.fromisoformat(m["new_expected_date"]) >= disruption.end


def test_a_capacity_limited_supplier_ships_at_most_its_capacity_a_week_in_the_demo(stream):
    ((supplier_id, sku, capacity),) = world_of(OPTIONS).variability.capacities
    shipped: dict[date, int] = defaultdict(int)
    for m in stream:
        if m["type"] == "StockReceived" and (m.get("supplier_id"), m["sku"]) == (supplier_id, sku):
            shipped[day(m) - timedelta(days=day(m).weekday())] += m["quantity"]
    assert shipped and max(shipped.values()) <= capacity


def supplier_run(variability: Variability, quantity: int) -> list[dict]:
    """What SUP-01, punctual, sends about one purchase order of SKU-001 placed on 5 January."""
    terms = Terms("SUP-01", 7, "1.00", "primary", 10)
    plan = SkuPlan(
        "SKU-001", 5.0, 10, 5, 0, 10, terms, replace(terms, supplier_id="SUP-02", priority="backup")
    )
    suppliers = (SupplierPlan("SUP-01", "One", "punctual"), SupplierPlan("SUP-02", "Two", "punctual"))
    world = World((plan,), suppliers, (), (), variability)
    agenda = Agenda()
    purchasing = Purchasing(world, None, Outbox(), agenda, random.Random(1))
    placed = date(2026, 1, 5)
    purchasing.supply(
        PurchaseOrder("PO-1", "SUP-01", placed, placed + timedelta(days=7), {"SKU-001": quantity})
    )
    return list(agenda.run_until(at(placed + timedelta(days=120), 0)))


def test_a_purchase_order_above_the_suppliers_weekly_capacity_arrives_in_weekly_parts():
    # Given SUP-01 ships at most 30 units of SKU-001 a week
    limited = Variability(capacities=(("SUP-01", "SKU-001", 30),))
    # When it is sent a purchase order of 100
    sent = supplier_run(limited, 100)
    # Then 100 arrive in parts of 30, a week apart, and the rest is announced each time
    receipts = [m for m in sent if m["type"] == "StockReceived"]
    assert [m["quantity"] for m in receipts] == [30, 30, 30, 10]
    days = [day(m) for m in receipts]
    assert [(b - a).days for a, b in zip(days, days[1:], strict=False)] == [7, 7, 7]
    told = [m for m in sent if m["type"] == "PurchaseOrderDelayed" and "capacity" in m["reason"]]
    assert [date.fromisoformat(m["new_expected_date"]) for m in told] == days[1:]


def test_a_supplier_disrupted_before_a_purchase_order_arrives_delivers_it_after_and_says_so():
    # Given SUP-01 delivers nothing from 8 to 29 January
    disruption = Disruption("SUP-01", date(2026, 1, 8), date(2026, 1, 29))
    # When a purchase order placed on 5 January is due on the 12th
    sent = supplier_run(Variability(disruptions=(disruption,)), 20)
    # Then it arrives after the disruption, and a delay saying why came while it lasted
    (receipt,) = [m for m in sent if m["type"] == "StockReceived"]
    assert day(receipt) >= disruption.end
    (notice,) = [m for m in sent if m["type"] == "PurchaseOrderDelayed" and m["reason"] in DISRUPTION_REASONS]
    assert disruption.covers(day(notice))
    assert notice["new_expected_date"] == day(receipt).isoformat()


def test_the_demo_tells_the_engine_its_warehouse_capacity(stream):
    configured = [m for m in stream if m["type"] == "WarehouseConfigured"]
    assert [(m["warehouse"], m["capacity_units"]) for m in configured] == [
        ("main", world_of(OPTIONS).warehouse_capacity)
    ]
