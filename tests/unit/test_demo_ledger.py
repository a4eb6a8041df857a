"""The demo summary's stock and spend figures, worked by hand on a few events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace as Event

from simulation.ledger import Ledger

START = date(2026, 1, 5)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 1, 5 + day, hour, tzinfo=UTC)


def test_mean_units_on_hand_is_the_mean_of_each_days_closing_stock():
    # Given 10 units received on day 0, 4 shipped on day 1, a count finding 2 more on day 2
    ledger = Ledger()
    ledger.add("Stock.Received", Event(warehouse="main", quantity=10, at=at(0)))
    ledger.add("Stock.Shipped", Event(warehouse="main", quantity=4, at=at(1)))
    ledger.see(at(2))  # a cycle count records no time: it is placed at the last time seen
    ledger.add("Stock.Adjusted", Event(warehouse="main", counted=8, previous=6))
    # Then the days close at 10, 6, 8 and 8
    assert ledger.on_hand_by_day("main", START, 4) == [10, 6, 8, 8]
    assert ledger.mean_on_hand(START, 4) == 8.0


def test_units_over_capacity_add_up_each_days_excess_under_the_capacity_then_in_force():
    # Given a warehouse of 7 units from day 0, 9 from day 2, holding 10, 6, 8, 10
    ledger = Ledger()
    ledger.add("Warehouse.Registered", Event(originator_id="w", warehouse="main"))
    ledger.add("Warehouse.Configured", Event(originator_id="w", capacity_units=7, at=at(0, 0)))
    ledger.add("Stock.Received", Event(warehouse="main", quantity=10, at=at(0)))
    ledger.add("Stock.Shipped", Event(warehouse="main", quantity=4, at=at(1)))
    ledger.add("Warehouse.Configured", Event(originator_id="w", capacity_units=9, at=at(2, 0)))
    ledger.add("Stock.Received", Event(warehouse="main", quantity=2, at=at(2)))
    ledger.add("Stock.Received", Event(warehouse="main", quantity=2, at=at(3)))
    # Then 3 + 0 + 0 + 1 units were over
    assert ledger.units_over_capacity(START, 4) == 4
    assert ledger.capacity_units() == 9


def test_purchase_spend_prices_each_line_at_the_terms_in_force_when_it_was_ordered():
    terms = [Event(sku="A", unit_cost=Decimal("2.50")), Event(sku="B", unit_cost=Decimal("1.00"))]
    ledger = Ledger()
    ledger.add("Supplier.Registered", Event(originator_id="s", terms=terms))
    ledger.add("Supplier.PurchaseOrderPlaced", Event(originator_id="s", lines={"A": 4, "B": 3}, at=at(1)))
    ledger.add(
        "Supplier.TermsUpdated", Event(originator_id="s", terms=[Event(sku="A", unit_cost=Decimal("3"))])
    )
    ledger.add("Supplier.PurchaseOrderPlaced", Event(originator_id="s", lines={"A": 1}, at=at(2)))
    assert ledger.spend == Decimal("16.00")
