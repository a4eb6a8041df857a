"""Properties of the capacity projection, on inputs hypothesis draws."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from domain.capacity import Arrival, Capacity, CapacityInputs, SkuInput, moved, project, sku_levels
from domain.capacity_advice import Suggestion, Trial, fits, outlook, split

AS_OF = date(2027, 3, 1)
DAYS = 28
WAREHOUSES = ("main", "annex")


SUPPLIER_OF = {"PO-1": "acme", "PO-2": "acme", "PO-3": "zenith"}


@st.composite
def inputs(draw: st.DrawFn) -> CapacityInputs:
    """SKUs with and without a unit volume; POs of one or several lines, some overdue (dated before
    the as-of: they arrive on day 1); capacities in units, in volume or both."""
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
                unit_volume=draw(st.none() | st.decimals(Decimal("0.1"), Decimal("3"), places=1)),
                demand=draw(
                    st.lists(st.floats(0, 50), max_size=DAYS) | st.floats(1, 40).map(lambda d: [d] * DAYS)
                ),
            )
        )
    arrivals = []
    for po in draw(st.lists(st.sampled_from(sorted(SUPPLIER_OF)), max_size=3, unique=True)):
        arrives = AS_OF + timedelta(days=draw(st.integers(-10, DAYS)))
        warehouse = draw(st.sampled_from(WAREHOUSES))
        for sku in draw(st.lists(st.sampled_from([s.sku for s in skus]), min_size=1, unique=True)):
            arrivals.append(Arrival(po, SUPPLIER_OF[po], sku, draw(st.integers(1, 500)), arrives, warehouse))
    capacities = [_capacity(draw, w, skus) for w in WAREHOUSES]
    return CapacityInputs(AS_OF, DAYS, skus, arrivals, capacities)


def _capacity(draw: st.DrawFn, warehouse: str, skus: list[SkuInput]) -> Capacity:
    """In units, volume or both; often tight: just above what the warehouse holds now, so that an
    arrival overflows it and waiting for demand to draw stock down makes room."""
    held = sum(s.on_hand.get(warehouse, 0) for s in skus)
    volume_held = sum(float(s.unit_volume or 0) * s.on_hand.get(warehouse, 0) for s in skus)
    units = draw(st.none() | st.integers(100, 2000) | st.integers(0, 100).map(lambda extra: held + extra))
    volume = draw(
        st.none()
        | st.integers(100, 2000).map(Decimal)
        | st.integers(0, 100).map(lambda extra: Decimal(int(volume_held) + extra))
    )
    if units is None and volume is None:
        units = held + 50
    return Capacity(warehouse, units=units, volume=volume)


def within_capacity(checked: CapacityInputs) -> bool:
    """Checked here from the daily loads, not with the module's own weekly check."""
    loads = project(checked)
    return all(
        (c.units is None or units <= c.units + 1e-9)
        and (c.volume is None or volume <= float(c.volume) + 1e-9)
        for c in checked.capacities
        for units, volume in zip(loads[c.warehouse].units, loads[c.warehouse].volume, strict=True)
    )


def applied(drawn: CapacityInputs, suggestion: Suggestion) -> CapacityInputs:
    """The suggestion carried out, by its documented rule: an overdue PO is moved from day 1."""
    day_one = AS_OF + timedelta(days=1)
    po = (suggestion.supplier_id, suggestion.po_id)
    lines = [a for a in drawn.arrivals if (a.supplier_id, a.po_id) == po]
    later = timedelta(days=7 * (suggestion.weeks_later or 0))
    shift = (
        later + max(timedelta(0), day_one - min(a.arrives for a in lines))
        if suggestion.weeks_later
        else timedelta(0)
    )
    changed = [
        replace(
            a,
            arrives=a.arrives + shift,
            warehouse=suggestion.warehouse or a.warehouse
            if suggestion.kind == "receive_elsewhere"
            else a.warehouse,
        )
        if (a.supplier_id, a.po_id) == po
        else a
        for a in drawn.arrivals
    ]
    return replace(drawn, arrivals=changed)


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


@settings(max_examples=300)  # about one draw in ten has a move to check
@given(inputs())
def test_a_suggested_po_move_or_other_warehouse_really_keeps_every_day_within_capacity(
    drawn: CapacityInputs,
) -> None:
    for warehouse in outlook(drawn):
        for suggestion in warehouse.suggestions:
            if suggestion.kind != "rent":
                assert within_capacity(applied(drawn, suggestion)), suggestion.text


def _reaches(predicate: Callable[[CapacityInputs], bool]) -> CapacityInputs:
    return find(
        inputs(), predicate, settings=settings(max_examples=5000, database=None, phases=[Phase.generate])
    )


def _suggested(drawn: CapacityInputs, kind: str) -> list[Suggestion]:
    return [s for w in outlook(drawn) for s in w.suggestions if s.kind == kind]


def test_the_drawn_inputs_reach_moves_of_overdue_and_multi_line_pos_receipts_elsewhere_and_volume_overflows() -> (
    None
):
    """The properties above hold on inputs that exercise every suggestion (they are not vacuous)."""

    def overdue_move(d: CapacityInputs) -> bool:
        return any(
            a.arrives <= AS_OF and (a.supplier_id, a.po_id) == (s.supplier_id, s.po_id)
            for s in _suggested(d, "move")
            for a in d.arrivals
        )

    def multi_line_move(d: CapacityInputs) -> bool:
        return any(len({a.sku for a in d.arrivals if a.po_id == s.po_id}) > 1 for s in _suggested(d, "move"))

    def volume_overflow(d: CapacityInputs) -> bool:
        return any(o.measure == "volume" for w in outlook(d) for o in w.overflows)

    for reached in (overdue_move, multi_line_move, volume_overflow):
        assert reached(_reaches(reached))
    assert _suggested(_reaches(lambda d: bool(_suggested(d, "receive_elsewhere"))), "receive_elsewhere")


@given(inputs(), st.integers(1, 2000), st.integers(1, DAYS))
def test_a_split_keeps_the_quantity_and_its_parts_within_the_horizon_add_nothing_over_capacity(
    drawn: CapacityInputs, quantity: int, on_day: int
) -> None:
    sku = drawn.skus[0].sku
    parts = split(drawn, sku, quantity, AS_OF + timedelta(days=on_day), "main")
    assert sum(q for _, q in parts) == quantity
    inside = [(d, q) for d, q in parts if (d - AS_OF).days <= DAYS]
    extra = [Arrival("new", "new", sku, q, d, "main") for d, q in inside]
    with_parts = replace(drawn, arrivals=[*drawn.arrivals, *extra])
    if within_capacity(drawn):
        assert within_capacity(with_parts)
    before, after = project(drawn), project(with_parts)
    for c in drawn.capacities:
        for was, now in zip(before[c.warehouse].units, after[c.warehouse].units, strict=True):
            assert c.units is None or now <= max(c.units, was) + 1e-6
        for was, now in zip(before[c.warehouse].volume, after[c.warehouse].volume, strict=True):
            assert c.volume is None or now <= max(float(c.volume), was) + 1e-6


@given(inputs(), st.integers(0, 21), st.sampled_from([None, *WAREHOUSES]))
def test_a_trial_that_projects_only_the_moved_pos_skus_again_agrees_with_projecting_everything(
    drawn: CapacityInputs, days: int, to: str | None
) -> None:
    trial = Trial(drawn)
    for po in {(a.supplier_id, a.po_id) for a in drawn.arrivals}:
        assert trial.fits_moved(po, days=days, to=to) == fits(moved(drawn, po, days=days, to=to))
