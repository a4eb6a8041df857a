"""Properties of the capacity projection, on inputs hypothesis draws."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.capacity import Arrival, Capacity, CapacityInputs, SkuInput, project, sku_levels
from domain.capacity_advice import outlook, split

AS_OF = date(2027, 3, 1)
DAYS = 28
WAREHOUSES = ("main", "annex")


@st.composite
def inputs(draw: st.DrawFn) -> CapacityInputs:
    skus = []
    for name in draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3, unique=True)):
        on_hand = draw(st.dictionaries(st.sampled_from(WAREHOUSES), st.integers(0, 500), max_size=2))
        skus.append(
            SkuInput(
                name,
                on_hand,
                draw(st.sampled_from(WAREHOUSES)),
                allocated=draw(st.integers(0, sum(on_hand.values()))),
                waiting=draw(st.integers(0, 100)),
                demand=draw(st.lists(st.floats(0, 50), max_size=DAYS)),
            )
        )
    arrivals = [
        Arrival(
            f"PO-{i}",
            "acme",
            draw(st.sampled_from([s.sku for s in skus])),
            draw(st.integers(1, 500)),
            AS_OF + timedelta(days=draw(st.integers(1, DAYS))),
            draw(st.sampled_from(WAREHOUSES)),
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    capacities = [Capacity(w, units=draw(st.integers(100, 2000))) for w in WAREHOUSES]
    return CapacityInputs(AS_OF, DAYS, skus, arrivals, capacities)


def within_capacity(checked: CapacityInputs) -> bool:
    """Checked here from the daily loads, not with the module's own weekly check."""
    loads = project(checked)
    return all(
        units <= c.units + 1e-9
        for c in checked.capacities
        if c.units is not None
        for units in loads[c.warehouse].units
    )


@given(inputs())
def test_no_skus_stock_ever_goes_negative_in_any_warehouse(drawn: CapacityInputs) -> None:
    for sku in drawn.skus:
        levels = sku_levels(sku, [a for a in drawn.arrivals if a.sku == sku.sku], drawn)
        assert all(level >= 0 for series in levels.values() for level in series)


@given(inputs())
def test_with_no_pos_no_demand_and_nothing_allocated_or_waiting_every_warehouse_stays_at_its_on_hand(
    drawn: CapacityInputs,
) -> None:
    still = [replace(s, allocated=0, waiting=0, demand=()) for s in drawn.skus]
    loads = project(replace(drawn, skus=still, arrivals=()))
    for warehouse in WAREHOUSES:
        on_hand = sum(s.on_hand.get(warehouse, 0) for s in still)
        assert loads[warehouse].units == [float(on_hand)] * DAYS


@given(inputs())
def test_a_suggested_po_move_or_other_warehouse_really_keeps_every_day_within_capacity(
    drawn: CapacityInputs,
) -> None:
    for warehouse in outlook(drawn):
        for suggestion in warehouse.suggestions:
            if suggestion.kind == "rent":
                continue
            po = (suggestion.supplier_id, suggestion.po_id)
            changed = [
                replace(
                    a,
                    arrives=a.arrives + timedelta(days=7 * (suggestion.weeks_later or 0)),
                    warehouse=suggestion.warehouse if suggestion.kind == "receive_elsewhere" else a.warehouse,
                )
                if (a.supplier_id, a.po_id) == po
                else a
                for a in drawn.arrivals
            ]
            assert within_capacity(replace(drawn, arrivals=changed)), suggestion.text


@given(inputs(), st.integers(1, 2000), st.integers(1, DAYS))
def test_a_split_keeps_the_quantity_and_every_part_within_the_horizon_fits(
    drawn: CapacityInputs, quantity: int, on_day: int
) -> None:
    if not within_capacity(drawn):
        return  # a split is asked for a warehouse that fits without it
    sku = drawn.skus[0].sku
    parts = split(drawn, sku, quantity, AS_OF + timedelta(days=on_day), "main")
    assert sum(q for _, q in parts) == quantity
    inside = [(d, q) for d, q in parts if (d - AS_OF).days <= DAYS]
    extra = [Arrival("new", "new", sku, q, d, "main") for d, q in inside]
    assert within_capacity(replace(drawn, arrivals=[*drawn.arrivals, *extra]))
