"""The shared poll loop: a server's loop keeps Python's full collections for idle moments."""

from __future__ import annotations

import gc
import threading

from infra.kafka.polling import NO_AUTOMATIC_FULL_COLLECTION, FullCollections, poll_until_stopped


def test_a_loop_run_until_stopped_has_no_automatic_full_collections_and_restores_them_after():
    before = gc.get_threshold()
    stopping = threading.Event()
    seen: list[tuple[int, int, int]] = []

    def step() -> int:
        seen.append(gc.get_threshold())
        stopping.set()
        return 1

    poll_until_stopped(step, stopping)
    assert seen == [(before[0], before[1], NO_AUTOMATIC_FULL_COLLECTION)]
    assert gc.get_threshold() == before


def test_a_loop_with_an_idle_limit_leaves_the_collector_alone():
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    poll_until_stopped(lambda: seen.append(gc.get_threshold()) or 0, threading.Event(), idle_polls=1)
    assert seen == [before]


def test_a_full_collection_runs_in_an_idle_moment_and_under_load_only_when_overdue():
    full: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(note)
    try:
        collections = FullCollections(every=3600.0, idle_gap=0.0)
        collections.after_step(idle=False)
        assert full == []
        collections.after_step(idle=True)
        assert full == [1]
        collections.every = 0.0
        collections.after_step(idle=False)
        assert full == [1, 1]
    finally:
        gc.callbacks.remove(note)
