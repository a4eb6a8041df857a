"""The loop the consumer and the relay share."""

from __future__ import annotations

import threading
from collections.abc import Callable


def poll_until_stopped(
    step: Callable[[], int], stopping: threading.Event, idle_polls: int | None = None, pause: float = 0.0
) -> None:
    """Run `step` until `stopping` is set, or until it found nothing `idle_polls` times in a row."""
    idle = 0
    while not stopping.is_set():
        if step():
            idle = 0
            continue
        idle += 1
        if idle_polls is not None and idle >= idle_polls:
            return
        if pause:
            stopping.wait(pause)
