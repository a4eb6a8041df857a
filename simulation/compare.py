"""Planning off against planning on: the key figures of two demo runs of one seed, side by side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulation.summary import DemoSummary


@dataclass(frozen=True)
class Figure:
    label: str
    value: Callable[[DemoSummary], float | None]
    shown: Callable[[float], str]
    change: str  # "points" (a share), "relative" (a percentage of the first), "absolute"


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


FIGURES = (
    Figure("fill rate (lines filled at order)", lambda s: s.fill_rate if s.lines else None, _pct, "points"),
    Figure("backordered lines", lambda s: s.backordered_lines, _count, "absolute"),
    Figure("first promises kept", lambda s: s.promises.first.rate, _pct, "points"),
    Figure("latest promises kept", lambda s: s.promises.latest.rate, _pct, "points"),
    Figure("mean units on hand", lambda s: s.mean_on_hand, _count, "relative"),
    Figure("units over capacity (unit-days)", lambda s: s.units_over_capacity, _count, "absolute"),
    Figure("purchase spend", lambda s: float(s.purchase_spend), lambda v: f"{v:,.2f}", "relative"),
    Figure("wait p90 (days)", lambda s: s.wait_p90_days, lambda v: f"{v:.1f}", "absolute"),
)


def compare_table(off: DemoSummary, on: DemoSummary) -> str:
    """The figures of a run without and a run with planning, and how much planning changed each."""
    o = off.options
    rows = [
        f"Antrian demo: seed {o.seed}, {o.days} days from {o.window_start.isoformat()}"
        + (f" after {o.warm_up_days} days' warm-up" if o.warm_up_days else "")
        + f", {o.skus} SKUs, "
        f"about {o.orders_per_day} orders a day: planning off against planning on",
        "",
        f"{'':<34}{'planning off':>14}{'planning on':>14}{'change':>12}",
    ]
    for figure in FIGURES:
        before, after = figure.value(off), figure.value(on)
        rows.append(
            f"{figure.label:<34}{_cell(figure, before):>14}{_cell(figure, after):>14}"
            f"{_change(figure, before, after):>12}"
        )
    return "\n".join(rows)


def _cell(figure: Figure, value: float | None) -> str:
    return "n/a" if value is None else figure.shown(value)


def _change(figure: Figure, before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return ""
    if figure.change == "points":
        return f"{(after - before) * 100:+.1f} pts"
    if figure.change == "relative":
        return f"{(after - before) / before:+.1%}" if before else ""
    difference = after - before
    return ("+" if difference >= 0 else "") + figure.shown(difference)
