"""PNG charts of a report: demand trend of the top SKUs, wait times, supplier punctuality.

matplotlib is imported only here and only when charts are asked for, with
the Agg backend (files, no display), and through `Figure` objects rather
than pyplot's global state.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from projections.analytics.report import Report

FILES = ("demand_trend.png", "wait_times.png", "supplier_on_time.png")


def write_charts(report: Report, directory: Path, top: int = 5) -> list[Path]:
    """Write the three charts into `directory` (created if missing); returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in zip(FILES, (_demand, _waits, _suppliers), strict=True):
        figure = Figure(figsize=(9, 4.5), layout="constrained")
        draw(figure.add_subplot(), report, top)
        path = directory / name
        figure.savefig(path, format="png", dpi=100)
        paths.append(path)
    return paths


def _empty(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _demand(axes: Any, report: Report, top: int) -> None:
    axes.set_title(f"Units ordered per day, top {top} SKUs")
    skus = [figures.sku for figures in report.skus[:top]]
    days = sorted({day for sku in skus for day in report.demand_by_day[sku]})
    if not days:
        _empty(axes, "no orders in range")
        return
    span = [days[0] + timedelta(days=n) for n in range((days[-1] - days[0]).days + 1)]
    for sku in skus:
        by_day = report.demand_by_day[sku]
        axes.plot(span, [by_day.get(day, 0) for day in span], marker=".", label=sku)
    axes.set_ylabel("units")
    axes.legend(loc="upper left", fontsize="small")
    axes.tick_params(axis="x", labelrotation=30)


def _waits(axes: Any, report: Report, top: int) -> None:
    axes.set_title("Wait of backordered lines until filled")
    if not report.waits:
        _empty(axes, "no backordered line filled")
        return
    axes.hist(report.waits, bins=min(30, max(5, len(report.waits) // 4)), edgecolor="white")
    if report.wait_p90_days is not None:
        axes.axvline(
            report.wait_p90_days, linestyle="--", color="black", label=f"p90 {report.wait_p90_days:.1f} d"
        )
        axes.legend()
    axes.set_xlabel("days")
    axes.set_ylabel("lines")


def _suppliers(axes: Any, report: Report, top: int) -> None:
    axes.set_title("Supplier on-time rate (first receipt by the promised date)")
    if not report.suppliers:
        _empty(axes, "no purchase order received")
        return
    names = [f"{s.supplier_id}\n({s.receipts} PO)" for s in report.suppliers]
    bars = axes.bar(names, [100 * s.on_time_rate for s in report.suppliers])
    axes.bar_label(bars, labels=[f"{s.mean_delay_days:+.1f} d" for s in report.suppliers])
    axes.set_ylim(0, 110)
    axes.set_ylabel("% on time (label: mean delay)")
