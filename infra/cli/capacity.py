"""`antrian capacity [--weeks N] [--json]`: each warehouse's projected stock against its capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from infra.cli.console import show, wide_console

if TYPE_CHECKING:
    from domain.capacity_advice import Outlook
    from services.capacity import CapacityOutlook


def capacity(
    weeks: int = typer.Option(8, "--weeks", min=1, max=52, help="Weeks projected, from the day after as-of."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Each warehouse's stock by week (on hand, open POs, waiting units, the latest forecast): the
    weeks over capacity, by how much, the POs that cause it, and what to do (rent, move, elsewhere)."""
    from infra.cli.planning import open_engine
    from services.capacity import capacity_outlook

    found = capacity_outlook(open_engine(), weeks)
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    render(wide_console(), found)


def render(console: Console, found: CapacityOutlook) -> None:
    if found.as_of is None:
        console.print("no stock in the store yet: nothing to project")
        return
    console.print(f"as of {found.as_of} (the latest message time seen), {found.weeks} weeks")
    console.print(f"demand: {found.demand}")
    console.print(f"where POs arrive: {found.destination_rule}")
    if not any(w.capacity_units is not None or w.capacity_volume is not None for w in found.warehouses):
        console.print("no warehouse has a capacity yet: send WarehouseConfigured")
    for warehouse in found.warehouses:
        _warehouse(console, warehouse)


def _warehouse(console: Console, w: Outlook) -> None:
    limits = [f"{w.capacity_units:,} units" if w.capacity_units is not None else None]
    limits.append(f"{w.capacity_volume} volume" if w.capacity_volume is not None else None)
    said = " and ".join(x for x in limits if x) or "no capacity configured"
    console.print(f"\n[bold]{w.warehouse}[/bold]: holds {said}")
    over = {(o.week, o.measure): o for o in w.overflows}
    table = Table("week", "from", "peak units", "peak volume", "over", "caused by")
    for week in w.weeks:
        found = [over[k] for k in ((week.week, "units"), (week.week, "volume")) if k in over]
        table.add_row(
            week.week,
            week.first_day.isoformat(),
            f"{week.peak_units:,.0f}",
            f"{week.peak_volume:,.3f}" if w.capacity_volume is not None else "-",
            ", ".join(_over(o.measure, o.over) for o in found) or "-",
            ", ".join(dict.fromkeys(a.po_id for o in found for a in o.causes)) or "-",
        )
    show(console, table, "week", "from")
    if w.unknown_volume and w.capacity_volume is not None:
        console.print(f"unit volume unknown (not counted in volume): {', '.join(w.unknown_volume)}")
    for suggestion in w.suggestions:
        console.print(f"  - {suggestion.text}")


def _over(measure: str, amount: float) -> str:
    return f"{amount:,.0f} units" if measure == "units" else f"{amount:,.3f} volume"
