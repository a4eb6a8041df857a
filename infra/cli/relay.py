"""The relay: in the foreground (`antrian relay`) or as a child process of `antrian engine --kafka`.

Engine and relay are both CPU-bound Python: as two threads of one process they
share one GIL, and end to end ran at two thirds of the rate of the same two as
separate processes (bench.kafka parts 1 and 1b). So the engine starts its relay
as a child, with its own store connection. The child stops when
asked (SIGTERM/SIGINT, as `antrian relay` does), and also when its parent is
gone, even if the parent was killed with SIGKILL, so no orphan keeps publishing.
A relay that dies on its own stops the engine with an error, for the supervisor
to restart both, rather than leaving an engine whose events nobody publishes.

Every engine starts a relay, yet one publishes per store: each relay stands by
until it holds the store's relay lease (infra/kafka/relay.py), and says which it
is ("relay: active" / "relay: standby ..."). `antrian relay` run apart takes part
in the same election.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

import typer

from infra.cli.signals import handle_signals
from infra.settings import Settings

log = logging.getLogger(__name__)

PROCESS_TITLE = "antrian relay"
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
STOP_TIMEOUT = 30.0  # seconds a stopping relay gets to finish its page before it is killed


class RelayProcess:
    def __init__(self, settings: Settings) -> None:
        # Forked, not spawned: the child has every module already (ready in milliseconds,
        # not after half a second of imports). Started before the engine opens any
        # connection or thread, so there is nothing in this process a fork could break.
        self.process = multiprocessing.get_context("fork").Process(
            target=_relay_main, args=(settings,), name="antrian-relay", daemon=False
        )
        self.stopping = False

    def start(self, on_end: Callable[[int | None], None]) -> None:
        """Start the child; `on_end(exit code)` is called if it ends before `stop()`.

        Code 0: it was asked to stop (a signal to it or to its process group); anything
        else: it died.
        """
        # Blocked across the fork: a signal to the process group just as the child starts
        # would kill it before it has handlers (code -15, taken for a death). The child
        # unblocks them once its handlers are in place; pending ones arrive then.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        threading.Thread(target=self._watch, args=(on_end,), name="relay-watch", daemon=True).start()

    def stop(self) -> int | None:
        """Ask the child to finish its page and stop; its exit code."""
        self.stopping = True
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGTERM)  # type: ignore[arg-type]
        self.process.join(STOP_TIMEOUT)
        if self.process.is_alive():
            log.error("the relay did not stop within %.0f s: killed", STOP_TIMEOUT)
            self.process.kill()
            self.process.join()
        return self.process.exitcode

    def _watch(self, on_end: Callable[[int | None], None]) -> None:
        wait([self.process.sentinel])
        if not self.stopping:
            self.process.join()  # its exit status, once the system has it
            on_end(self.process.exitcode)


def _relay_main(settings: Settings) -> None:
    """The child: named for `ps`, and stopped by a signal even before its relay runs.

    A forked child shows its parent's command line (`antrian engine --kafka`) in
    `ps` and `top`, and an operator who kills "the second engine" kills the relay.
    A signal to the process group (Ctrl-C, or a supervisor's SIGTERM) reaches the
    child too: it exits 0, which the engine reads as a stop asked for, not a death.
    """
    import setproctitle

    from infra.bootstrap import build_engine

    setproctitle.setproctitle(f"{PROCESS_TITLE} (relay child of engine pid {os.getppid()})")
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    run_relay(settings, build_engine(settings), on_start=_stop_with_parent)


def _exit_cleanly(signum: int, _frame: Any) -> None:
    """Stopped while still starting: nothing published yet, nothing to finish."""
    raise SystemExit(0)


def _stop_with_parent(relay: Any) -> None:
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        if not relay.stopping.is_set():
            log.warning("the engine process is gone: the relay stops")
            relay.stopping.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_relay(settings: Settings, engine: Any, on_start: Callable[[Any], None] | None = None) -> None:
    from infra.kafka.topics import TopicRegistry

    relay = relay_of(settings, engine, TopicRegistry(settings.topic_prefix))
    handle_signals(relay)
    if on_start is not None:
        on_start(relay)
    stats = relay.run()
    typer.echo(f"relay stopped at notification {stats.position}: published {stats.published}", err=True)


def relay_of(settings: Settings, engine: Any, topics: Any) -> Any:
    """A relay that publishes while it holds the store's relay lease, and says which it is."""
    from infra.bootstrap import build_relay_lease
    from infra.kafka.relay import OutboundRelay, relay_producer
    from infra.kafka.relay_progress import RelayProgress

    def announce(role: str) -> None:
        typer.echo(role, err=True)

    producer = relay_producer(settings.kafka_bootstrap)
    return OutboundRelay(
        engine,
        producer,
        topics,
        lease=build_relay_lease(settings),
        announce=announce,
        progress=RelayProgress(settings.progress_seconds),
    )
