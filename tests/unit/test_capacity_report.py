"""The report's capacity sentence and the dashboard's spans of weeks: worked examples."""

from __future__ import annotations

from domain.capacity_advice import Suggestion
from infra.http.ui.pages.report import over_capacity


def rent(week: str, amount: float, measure: str = "units") -> Suggestion:
    said = f"{int(amount)} units" if measure == "units" else f"{amount:.3f} volume"
    return Suggestion("rent", f"rent space for {said} in {week}", week=week, measure=measure, amount=amount)


def test_renting_the_same_space_in_weeks_that_follow_one_another_reads_as_one_clause():
    from services.capacity_report import advice_text

    said = advice_text(
        (
            rent("2026-W52", 5),
            rent("2026-W52", 0.25, "volume"),
            rent("2026-W53", 5),  # 2026 has 53 ISO weeks
            rent("2026-W53", 0.25, "volume"),
            rent("2027-W01", 5),
            rent("2027-W02", 7),  # more space: a clause of its own
            rent("2027-W04", 7),  # not the week after: another clause
            Suggestion("move", "move PO-88 2 weeks later", po_id="PO-88", weeks_later=2),
        )
    )
    assert said == (
        "rent space for 5 units from 2026-W52 to 2027-W01; rent space for 0.250 volume from 2026-W52 to "
        "2026-W53; rent space for 7 units in 2027-W02; rent space for 7 units in 2027-W04, "
        "or move PO-88 2 weeks later"
    )


def test_the_dashboard_lists_only_warehouses_over_capacity_with_their_weeks_as_spans():
    def week(name: str, first: str, last: str, units: int | None) -> dict:
        return {
            "week": name,
            "first_day": first,
            "last_day": last,
            "over_units": units,
            "over_volume": None,
            "purchase_orders": [{"po_id": "PO-1"}],
        }

    outlook = {
        "warehouses": [
            {
                "warehouse": "main",
                "capacity_units": 1200,
                "capacity_volume": None,
                "weeks_over": [
                    week("2027-W10", "2027-03-08", "2027-03-14", 30),
                    week("2027-W11", "2027-03-15", "2027-03-21", 30),
                    week("2027-W12", "2027-03-22", "2027-03-28", 40),
                ],
                "advice_text": "rent ...",
            },
            {
                "warehouse": "north",
                "capacity_units": 5,
                "capacity_volume": None,
                "weeks_over": [],
                "advice_text": None,
            },
        ]
    }
    (row,) = over_capacity(outlook)
    assert row == {
        "warehouse": "main",
        "capacity": "1,200 units",
        "weeks": "2027-W10 to 2027-W11: 30 units over, 2027-W12: 40 units over",
        "pos": "PO-1",
        "advice": "rent ...",
    }
