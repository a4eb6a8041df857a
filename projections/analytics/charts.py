"""PNG charts of a report: demand trend of the top SKUs, wait times, supplier punctuality, promises kept.

matplotlib is imported only here and only when charts are asked for, with
the Agg backend (files, no display), and through `Figure` objects rather
than pyplot's global state.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from projections.analytics.report import Report

FILES = ("demand_trend.png", "wait_times.png", "supplier_on_time.png", "promises_kept.png")


def write_charts(report: Report, directory: Path, top: int = 5) -> list[Path]:
    """Write the charts (FILES) into `directory` (created if missing); returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in zip(FILES, (_demand, _waits, _suppliers, _promises), strict=True):
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


def _promises(axes: Any, report: Report, top: int) -> None:
    """Calibration: each confidence bucket's mean promised confidence against the share kept."""
    axes.set_title("Promises kept against the confidence they were made with (first promises)")
    rows = [
        (promised, first)
        for _, promised, first, _ in report.promises.calibration()
        if promised and first.judged
    ]
    if not rows:
        _empty(axes, "no promise settled yet")
        return
    axes.plot([0, 100], [0, 100], linestyle="--", color="grey", label="calibrated")
    xs = [100 * promised for promised, _ in rows]
    ys = [100 * (first.rate or 0.0) for _, first in rows]
    axes.scatter(
        xs, ys, s=[20 + first.judged for _, first in rows], zorder=3, label="bucket (size: promises)"
    )
    for x, y, (_, first) in zip(xs, ys, rows, strict=True):
        axes.annotate(f"{first.kept}/{first.judged}", (x, y), textcoords="offset points", xytext=(6, -12))
    low = min([*xs, *ys, 70.0]) - 5
    axes.set_xlim(low, 101)
    axes.set_ylim(low, 101)
    axes.set_xlabel("confidence promised (%)")
    axes.set_ylabel("share kept (%)")
    axes.legend(loc="upper left", fontsize="small")
