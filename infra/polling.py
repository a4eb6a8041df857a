"""The loop the consumer and the relay share."""

from __future__ import annotations

import threading
from collections.abc import Callable


def poll_until_stopped(
    step: Callable[[], int],
    stopping: threading.Event,
    idle_polls: int | None = None,
    pause: float = 0.0,
    first_pause: float | None = None,
) -> None:
    """Run `step` until `stopping` is set, or until it found nothing `idle_polls` times in a row.

    After finding nothing it waits `first_pause`, then twice that after each further empty
    step, up to `pause`: a step soon after a busy one catches work that is arriving (the
    relay's latency), while an idle loop settles at `pause` (its cost at rest).
    """
    idle = 0
    wait = first_pause if first_pause is not None else pause
    while not stopping.is_set():
        if step():
            idle = 0
            wait = first_pause if first_pause is not None else pause
            continue
        idle += 1
        if idle_polls is not None and idle >= idle_polls:
            return
        if wait:
            stopping.wait(wait)
            wait = min(pause, wait * 2)
