"""Warehouse capacity projection and its suggestions, on worked examples."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.capacity import Arrival, Capacity, CapacityInputs, SkuInput, home_warehouse, project, sku_levels
from domain.capacity_advice import fits, outlook, smallest_delay, split

AS_OF = date(2027, 3, 1)  # a Monday, in 2027-W09: day 1 is Tuesday 2 March, day 7 Monday 8 March (W10)


def day(n: int) -> date:
    return AS_OF + timedelta(days=n)


def po(po_id: str, sku: str, quantity: int, arrives_on_day: int, warehouse: str = "main") -> Arrival:
    return Arrival(po_id, "acme", sku, quantity, day(arrives_on_day), warehouse)


def peak_week_example(**extra: object) -> CapacityInputs:
    """1,020 on hand selling 40 a day; PO-88 brings 500 on day 8 (W10): 1020 - 8 x 40 + 500 = 1200,
    and by the next Monday (day 14, W11) 960."""
    tea = SkuInput("TEA-1", {"main": 1020}, "main", demand=[40.0] * 56)
    base = {
        "as_of": AS_OF,
        "days": 56,
        "skus": [tea],
        "arrivals": [po("PO-88", "TEA-1", 500, 8)],
        "capacities": [Capacity("main", units=1000)],
    }
    return CapacityInputs(**{**base, **extra})  # type: ignore[arg-type]


def test_a_po_arriving_in_week_10_puts_the_warehouse_200_units_over_and_it_is_named_as_the_cause():
    # Given 1,020 on hand, 40 a day sold, PO-88 (500) arriving on day 8, room for 1,000
    (main,) = outlook(peak_week_example())
    # Then only 2027-W10 is over, by 200 units, because of PO-88
    assert [(o.week, o.measure, o.over) for o in main.overflows] == [("2027-W10", "units", 200.0)]
    assert [a.po_id for a in main.overflows[0].causes] == ["PO-88"]
    assert main.weeks[1].week == "2027-W10" and main.weeks[1].peak_units == 1200.0


def test_the_suggestions_are_to_rent_200_units_in_that_week_or_to_move_the_po_one_week_later():
    (main,) = outlook(peak_week_example())
    assert [s.text for s in main.suggestions] == [
        "rent space for 200 units in 2027-W10",
        "move PO-88 1 week later",
    ]
    assert main.suggestions[1].weeks_later == 1
    # a week later it arrives at 1020 - 15 x 40 + 500 = 920: within 1,000
    assert fits(peak_week_example(arrivals=[po("PO-88", "TEA-1", 500, 15)]))


def test_a_po_that_cannot_be_moved_far_enough_within_the_horizon_is_not_suggested_to_move():
    inputs = peak_week_example(days=14)  # a move to day 15 cannot be checked within two weeks
    assert smallest_delay(inputs, ("acme", "PO-88")) is None
    (main,) = outlook(inputs)
    assert [s.kind for s in main.suggestions] == ["rent"]


def test_another_warehouse_with_room_is_suggested_for_the_po():
    inputs = peak_week_example(capacities=[Capacity("main", units=1000), Capacity("annex", units=600)])
    main = next(o for o in outlook(inputs) if o.warehouse == "main")
    assert "receive PO-88 at annex" in [s.text for s in main.suggestions]


def test_volume_capacity_counts_each_skus_unit_volume_and_names_the_skus_without_one():
    # 400 x 0.02 + 50 x 0.05 = 10.5 against room for 10; CUP-3 has no unit volume
    skus = [
        SkuInput("TEA-1", {"main": 400}, "main", unit_volume=Decimal("0.02")),
        SkuInput("MUG-2", {"main": 50}, "main", unit_volume=Decimal("0.05")),
        SkuInput("CUP-3", {"main": 10}, "main"),
    ]
    inputs = CapacityInputs(AS_OF, 7, skus, capacities=[Capacity("main", volume=Decimal("10"))])
    (main,) = outlook(inputs)
    assert main.unknown_volume == ("CUP-3",)
    assert {(o.measure, o.over) for o in main.overflows} == {("volume", 0.5)}
    assert main.suggestions[0].text.startswith("rent space for 0.500 volume in 2027-W09")
    assert main.weeks[0].peak_units == 460.0  # units are still counted, CUP-3 included


def test_units_waiting_ship_on_arrival_and_never_fill_the_warehouse():
    # 50 units wait; a PO of 80 arrives on day 3: 30 stay
    sku = SkuInput("TEA-1", {"main": 0}, "main", waiting=50)
    levels = sku_levels(sku, [po("PO-1", "TEA-1", 80, 3)], CapacityInputs(AS_OF, 5, [sku]))
    assert levels["main"] == [0.0, 0.0, 30.0, 30.0, 30.0]


def test_allocated_units_leave_on_day_one_from_the_home_warehouse_first():
    sku = SkuInput("TEA-1", {"main": 10, "annex": 5}, "main", allocated=12)
    levels = sku_levels(sku, [], CapacityInputs(AS_OF, 2, [sku]))
    assert (levels["main"], levels["annex"]) == ([0.0, 0.0], [3.0, 3.0])


def test_demand_past_the_forecast_is_none_and_a_late_po_arrives_on_day_one():
    sku = SkuInput("TEA-1", {"main": 10}, "main", demand=[2.0])
    levels = sku_levels(sku, [po("PO-1", "TEA-1", 5, -4)], CapacityInputs(AS_OF, 3, [sku]))
    assert levels["main"] == [13.0, 13.0, 13.0]


def test_a_skus_home_warehouse_received_most_of_its_units_ties_by_name_then_holds_most_then_main():
    assert home_warehouse({"north": 40, "main": 60}, {"north": 100}) == "main"
    assert home_warehouse({"north": 50, "east": 50}, {}) == "east"
    assert home_warehouse({}, {"north": 3, "main": 1}) == "north"
    assert home_warehouse({}, {}) == "main"


def test_a_warehouse_without_a_capacity_is_projected_but_never_over():
    sku = SkuInput("TEA-1", {"annex": 10_000}, "annex")
    (annex,) = outlook(CapacityInputs(AS_OF, 7, [sku]))
    assert annex.capacity_units is None and annex.overflows == () and annex.weeks[0].peak_units == 10_000


def test_a_quantity_that_would_overflow_is_split_over_weeks():
    # 900 on hand selling 10 a day, room for 1,000: 110 fit on day 1 (the day's sales make room for
    # 10), 70 a week later (1,010 - 70 sold), 70 the week after, and the last 50
    tea = SkuInput("TEA-1", {"main": 900}, "main", demand=[10.0] * 56)
    inputs = CapacityInputs(AS_OF, 56, [tea], capacities=[Capacity("main", units=1000)])
    assert split(inputs, "TEA-1", 300, day(1), "main") == [
        (day(1), 110),
        (day(8), 70),
        (day(15), 70),
        (day(22), 50),
    ]
    assert split(inputs, "TEA-1", 50, day(1), "main") == [(day(1), 50)]


def test_a_warehouse_already_over_capacity_takes_nothing_more_until_it_has_room_again():
    # Given PO-88 puts main 200 over on day 8 (1,200), falling 40 a day after it
    inputs = peak_week_example()
    # Then 100 more from day 1 would stay on the shelf into day 8: the first part waits until day 15
    # (1,200 - 7 x 40 = 920: room for 80), the last 20 a week later; none adds to the overflow
    assert split(inputs, "TEA-1", 100, day(1), "main") == [(day(15), 80), (day(22), 20)]


def test_the_projection_of_every_warehouse_sums_its_skus():
    skus = [SkuInput("A", {"main": 5, "annex": 1}, "main"), SkuInput("B", {"main": 7}, "main")]
    loads = project(CapacityInputs(AS_OF, 2, skus))
    assert loads["main"].units == [12.0, 12.0] and loads["annex"].units == [1.0, 1.0]
