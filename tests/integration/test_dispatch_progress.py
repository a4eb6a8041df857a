"""`antrian notifications dispatch` is never silent while it sends: progress lines with counts and rate."""

from __future__ import annotations

import logging
import os
import re

import pytest
from typer.testing import CliRunner

from infra.cli.main import app
from infra.dispatch_progress import DispatchProgress
from projections.notifications.dispatcher import Report
from projections.notifications.outbox import Status
from tests.conftest import make_engine
from tests.messages import apply, order_placed, sku_configured, ts

pytestmark = pytest.mark.integration

LINE = re.compile(
    r"notifications dispatch: \+(\d+) sent \(([\d.]+)/s\); (\d+) so far: delivered (\d+), failed (\d+)"
)


def test_the_dispatch_command_logs_progress_while_it_sends_and_the_counts_add_up(
    monkeypatch, tmp_path, caplog
):
    # Given a store where twelve orders wait for A (a backorder notice each), and a line due at any moment
    for name in [k for k in os.environ if k.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ANTRIAN_NOTIFY_FILE", str(tmp_path / "sent.jsonl"))
    monkeypatch.setenv("ANTRIAN_PROGRESS_SECONDS", "0.000001")
    db = tmp_path / "shop.sqlite"
    engine = make_engine("sqlite", db)
    apply(
        engine,
        sku_configured("m0", "A"),
        *[order_placed(f"m{i}", f"O{i}", (("1", "A", 1),), at=ts(1)) for i in range(1, 13)],
    )
    engine.close()

    # When the notifications are dispatched
    with caplog.at_level(logging.INFO, logger="antrian.notifications"):
        result = CliRunner().invoke(app, ["--db", str(db), "notifications", "dispatch"])

    # Then it delivered all twelve, and said so as it went: what each line added sums to the total
    assert result.exit_code == 0, result.output
    assert "delivered 12" in result.output
    found = [LINE.search(r.getMessage()) for r in caplog.records if r.name == "antrian.notifications"]
    lines = [match for match in found if match]
    assert len(lines) >= 2
    assert sum(int(match[1]) for match in lines) == 12
    assert (int(lines[-1][3]), int(lines[-1][4])) == (12, 12)


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 2.0
        return self.now


def test_a_progress_line_comes_once_per_interval_with_the_rate_and_the_failures_so_far(caplog):
    # Given a line due every 4 s, and a clock that moves 2 s per notification
    progress = DispatchProgress(every=4, clock=Ticking())
    report = Report()
    # When six notifications are claimed, the third failing
    with caplog.at_level(logging.INFO, logger="antrian.notifications"):
        for n in range(6):
            report.keys.append(f"k{n}")
            report.outcomes[Status.FAILED if n == 2 else Status.DELIVERED] += 1
            progress(report)
    # Then a line came every other notification, 2 sent in 4 s each, with the failure counted
    lines = [LINE.search(r.getMessage()) for r in caplog.records]
    assert [(m[1], m[2], m[3], m[4], m[5]) for m in lines if m] == [
        ("2", "0.5", "2", "2", "0"),
        ("2", "0.5", "4", "3", "1"),
        ("2", "0.5", "6", "5", "1"),
    ]
