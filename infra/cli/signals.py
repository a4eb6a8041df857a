"""How the long-running processes (engine, relay) stop: after the current batch, on SIGTERM or Ctrl-C."""

from __future__ import annotations

import faulthandler
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stopping:
    """Something to stop that is only its event (a process still starting up)."""

    stopping: threading.Event


def handle_signals(*stoppables: Any) -> None:
    """SIGTERM/SIGINT stop after the current batch; SIGUSR1 prints every thread's stack to stderr.

    The stack dump is for a process that looks stuck: `kill -USR1 <pid>` shows where each of
    its threads is (the consumer's, the client's network thread, the relay's) without stopping it.
    """
    faulthandler.register(signal.SIGUSR1, all_threads=True)

    def stop(signum: int, _frame: Any) -> None:
        logging.getLogger("antrian").info("signal %s: stopping after the current batch", signum)
        for stoppable in stoppables:
            stoppable.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
