"""The capacity outlook and the worklist's overflow marks, from messages applied to a real engine."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from infra.bootstrap import build_engine
from infra.settings import Settings
from services.capacity import capacity_outlook, fitting_now, worklist_marks
from services.outcomes import Status
from simulation.agenda import Agenda, Outbox
from simulation.purchasing import Purchasing
from simulation.world import SkuPlan, SupplierPlan, Terms, World
from tests import messages as m

pytestmark = pytest.mark.integration


@pytest.fixture
def engine():
    engine = build_engine(Settings(store="memory"))
    yield engine
    engine.close()


def test_a_suggestion_that_would_overflow_its_warehouse_is_split_and_said_so(engine):
    # Given main holds 20 units, A has 15 on hand, an order takes them and 15 more wait,
    # and S1 sells A in 60s (lead time 7 days, no lateness history: 2 days)
    m.apply(
        engine,
        m.warehouse_configured("w-1", "main", capacity_units=20),
        m.supplier_registered("s-1", "S1", [m.terms("A", 7, moq=60)]),
        m.stock_received("r-1", "A", 15),
        m.order_placed("o-1", "O1", [("1", "A", 30)]),
    )
    # When the worklist's suggestion of 60 is checked
    splits, text = worklist_marks(engine, [("A", "S1", 60)])
    # Then arriving on day 9, 15 ship to the waiting line and 20 fit: 35 then; the other 25 never fit
    # in the 8 weeks (nothing is forecast to sell), so they are the last part, past the horizon
    warehouse, parts = splits["A"]
    arrives = date(2026, 1, 5) + timedelta(days=9)
    assert warehouse == "main" and parts[0] == (arrives, 35) and sum(q for _, q in parts) == 60
    assert text["A"].startswith("would overflow main: split it: 35 to arrive 2026-01-14")
    # And a quantity that fits is not marked
    assert worklist_marks(engine, [("A", "S1", 30)]) == ({}, {})
    # And what a buyer following the split orders now is the first part, arriving that day
    assert fitting_now(engine, [("A", "S1", 60)]) == {("A", "S1"): 35}


def test_a_buyer_following_the_engine_orders_only_what_fits_in_the_warehouse_in_whole_packs(engine):
    # Given main holds 20 units, A waits for 15 and S1 sells A in packs of 10 (ordered as multiples)
    m.apply(
        engine,
        m.warehouse_configured("w-1", "main", capacity_units=20),
        m.supplier_registered(
            "s-1", "S1", [m.terms("A", 7, moq=10) | {"order_multiple": 10}], schema_version=2
        ),
        m.stock_received("r-1", "A", 15),
        m.order_placed("o-1", "O1", [("1", "A", 30)]),
        m.sku_configured("k-1", "A", reorder_point=20, safety_stock=40),
    )
    # And upstream re-sends the receipt, and sends an order of 10^9 + 1 units, out of order (earlier)
    resent = engine.handle_raw(m.stock_received("r-1", "A", 15))
    absurd = engine.handle_raw(m.order_placed("o-2", "O2", [("1", "A", 10**9 + 1)], at=m.ts(hours=-1)))
    assert (resent.status, absurd.status) == (Status.DUPLICATE, Status.REJECTED)
    suggested = engine.get_stock("A").suggested_from
    primary = Terms("S1", 7, "1.50", "primary", 10)
    world = World(
        (SkuPlan("A", 5.0, 20, 40, 0, 10, primary, primary),), (SupplierPlan("S1", "S1", "punctual"),), (), ()
    )
    desk = Purchasing(world, engine, Outbox(), Agenda(), random.Random(1), follow_engine=True)
    # When the desk reviews the engine's suggestion that evening
    (placed,) = list(desk.review(datetime(2026, 1, 5, 18, tzinfo=UTC)))
    # Then it orders the 35 that fit on arrival, rounded down to packs: 30; the rest stays suggested
    assert suggested == {"S1": 80}
    assert placed["lines"] == [{"sku": "A", "quantity": 30}]


def test_the_outlook_reads_the_warehouse_a_skus_unit_volume_and_its_home(engine):
    m.apply(
        engine,
        m.warehouse_configured("w-1", "north", capacity_volume="1.0"),
        m.stock_received("r-1", "A", 10, warehouse="north"),
        m.stock_received("r-2", "B", 10, warehouse="north"),
        m.sku_configured("k-1", "A", schema_version=2, reason="measured", unit_volume="0.125"),
    )
    found = capacity_outlook(engine, weeks=1)
    (north,) = found.warehouses
    assert north.capacity_volume is not None and north.unknown_volume == ("B",)
    # 10 x 0.125 = 1.25 against 1.0 (B's units are not guessed at); the 7 days touch W02 and W03
    assert [(o.week, o.measure, o.over) for o in north.overflows] == [
        ("2026-W02", "volume", 0.25),
        ("2026-W03", "volume", 0.25),
    ]
    assert north.suggestions[0].text.startswith("rent space for 0.250 volume in 2026-W02")
