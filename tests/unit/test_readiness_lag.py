"""Read models are 'within N seconds of the log' when they reached what the log held N seconds ago."""

from __future__ import annotations

from infra.http.health import LagWatch


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_read_models_that_follow_a_busy_log_closely_are_never_behind_for_long():
    clock = Clock()
    watch = LagWatch(30, clock)
    for second in range(100):
        clock.now = second
        # the log grows every second; the projections trail it by one second's events
        assert watch.behind_for(log_end=second + 2, reached=second + 1) <= 1


def test_read_models_stuck_at_one_point_are_behind_since_the_log_first_went_past_it():
    clock = Clock()
    watch = LagWatch(30, clock)
    assert watch.behind_for(log_end=10, reached=10) == 0
    clock.now = 5
    watch.behind_for(log_end=12, reached=10)
    clock.now = 50
    assert watch.behind_for(log_end=20, reached=10) == 45


def test_read_models_that_catch_up_are_not_behind_any_more():
    clock = Clock()
    watch = LagWatch(30, clock)
    watch.behind_for(log_end=12, reached=10)
    clock.now = 100
    assert watch.behind_for(log_end=12, reached=12) == 0
