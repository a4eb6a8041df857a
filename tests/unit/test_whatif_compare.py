"""Orders ranked by how differently their lines fared in the real history and in a what-if."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from projections.analytics.lines import LineOutcome
from projections.analytics.report import Report
from projections.whatif_compare import differences
from projections.whatif_outcome import HistoryOutcome

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
WAITED = LineOutcome(
    "o1", "1", "A", 2, 0, 2, T0, T0 + timedelta(days=3), None, 0, False, False, T0 + timedelta(days=3)
)


def _outcome(*lines: LineOutcome) -> HistoryOutcome:
    return HistoryOutcome(Report(None, None), list(lines), {"o1": "gold", "o2": "standard"})


def test_the_same_fates_make_no_difference() -> None:
    assert differences(_outcome(WAITED), _outcome(WAITED)) == []


def test_a_line_still_waiting_has_waited_until_the_latest_time_either_history_knows() -> None:
    waiting = replace(WAITED, filled_at=None, waiting=2, last_fact_at=T0)
    later = LineOutcome("o2", "1", "A", 1, 1, 0, T0 + timedelta(days=5), None, None, 0, False, False, None)
    (diff,) = differences(_outcome(WAITED, later), _outcome(waiting, later))
    assert (diff.order_id, diff.tier) == ("o1", "gold")
    assert diff.lines[0].real.render() == "filled (3.0 d)"
    assert diff.lines[0].simulated.render() == "still waiting (5.0 d)"
    assert diff.score == 2 + 1  # two days more, and another fate


def test_the_orders_that_differ_most_come_first() -> None:
    sooner = replace(WAITED, filled_at=T0 + timedelta(days=1))
    other = replace(WAITED, order_id="o2", filled_at=T0 + timedelta(days=2.5))
    found = differences(_outcome(WAITED, replace(WAITED, order_id="o2")), _outcome(sooner, other))
    assert [(d.order_id, d.score) for d in found] == [("o1", 2.0), ("o2", 0.5)]
