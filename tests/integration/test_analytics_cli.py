"""`antrian report` over a SQLite store: the tables, the definitions and the PNG charts."""

from __future__ import annotations

import pytest

from tests.integration.test_analytics import HISTORY
from tests.support.cli import cli_over

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def antrian(tmp_path, monkeypatch):
    run, _ = cli_over(HISTORY, tmp_path, monkeypatch)
    return run


def row(output: str, metric: str) -> str:
    """The service table's row of `metric`."""
    return next(line for line in output.splitlines() if line.lstrip("│| ").startswith(f"{metric} "))


def test_report_prints_the_service_figures_and_what_each_one_means(antrian):
    result = antrian("report")

    assert result.exit_code == 0, result.output
    figures = {
        "lines ordered": "5 (20 units)",
        "fill rate": "20.0%",
        "backorder rate": "80.0%",
        "wait mean": "9.50 d",
        "wait p90": "10.00 d",
        "on time by first ETA": "50.0% of 2",
        "supplier on time": "0.0%",
        "supplier mean delay": "2.00 d",
    }
    for metric, value in figures.items():
        assert value in row(result.output, metric), metric
    assert (
        "  fill rate: lines fully allocated by the message that placed the order / lines ordered"
        in result.output
    )


def test_report_for_a_range_counts_only_the_lines_ordered_in_it(antrian):
    result = antrian("report", "--from", "2026-01-06", "--to", "2026-01-08")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Report for lines ordered 2026-01-06 .. 2026-01-08\n")
    assert "2 (4 units)" in row(result.output, "lines ordered")


def test_report_charts_are_four_png_files(antrian, tmp_path):
    result = antrian("report", "--charts", str(tmp_path / "charts"), "--top", "2")

    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert written == ["demand_trend.png", "promises_kept.png", "supplier_on_time.png", "wait_times.png"]
    for name in written:
        assert (tmp_path / "charts" / name).read_bytes()[:8] == PNG


def test_charts_of_an_empty_range_are_still_written(antrian, tmp_path):
    result = antrian("report", "--from", "2030-01-01", "--charts", str(tmp_path / "none"))

    assert result.exit_code == 0, result.output
    assert all(p.read_bytes()[:8] == PNG for p in (tmp_path / "none").iterdir())


def test_report_refuses_a_date_it_cannot_read_or_a_range_that_ends_before_it_starts(antrian):
    assert antrian("report", "--from", "5 Jan").exit_code == 2
    assert antrian("report", "--from", "2026-01-09", "--to", "2026-01-08").exit_code == 2
