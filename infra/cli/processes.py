"""`antrian engine --kafka` and `antrian relay`: the production processes."""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from typing import Any

import typer

from infra.cli.signals import Stopping, handle_signals
from infra.settings import Settings
from services.writing import WriteStuck

log = logging.getLogger(__name__)
EXIT_WRITE_STUCK = 75  # EX_TEMPFAIL: a supervisor restarts the engine, which resumes from the store
# (also the exit of an engine whose lease was lost: restarted, it stands by)


def run_engine(
    settings: Settings, batch: int, relay: str = "process", metrics_port: int | None = None
) -> None:
    """Consume the upstream topics; `relay`: "process" (a child), "thread" or "none"."""
    from kafka import KafkaConsumer

    from infra.bootstrap import build_engine, build_engine_lease
    from infra.cli.relay import RelayProcess, relay_of
    from infra.election import LeaseWatch, elected
    from infra.kafka.fairness import FairnessBuffer
    from infra.kafka.inbound import FETCH_MAX_WAIT_MS, InboundConsumer
    from infra.kafka.observing import EngineObserver
    from infra.kafka.topics import TopicRegistry
    from infra.metrics import process_metrics

    stopping = threading.Event()
    # Before anything slow: a signal while the engine starts (its store, the group join)
    # stops it cleanly, rather than with a KeyboardInterrupt's traceback and code 130.
    handle_signals(Stopping(stopping))
    relay_died: list[int | None] = []
    child = None
    if relay == "process":  # first, while this process has no threads or connections to fork
        child = RelayProcess(settings)

        def on_end(code: int | None) -> None:
            if code == 0:  # it was asked to stop: Ctrl-C or SIGTERM to the group, or to it alone
                log.info("the relay process stopped on request: the engine stops too")
            else:
                relay_died.append(code)
            stopping.set()

        child.start(on_end)
    lease = build_engine_lease(settings)
    if lease is not None and not elected(lease, stopping, lambda said: typer.echo(said, err=True)):
        if child is not None:
            child.stop()
        typer.echo("stopped: applied 0, duplicates 0, dead letters 0 (stood by)", err=True)
        _relay_died(relay_died)
        return
    watch = LeaseWatch(lease, stopping) if lease is not None else None
    if watch is not None:
        watch.start()
    engine = build_engine(settings)
    topics = TopicRegistry(settings.topic_prefix)
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.kafka_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
    )
    inbound = InboundConsumer(
        engine,
        consumer,
        [t.name for t in topics.inbound()],
        batch_size=batch,
        stopping=stopping,
        ahead=timedelta(minutes=settings.max_ahead_minutes),
        fairness=FairnessBuffer(
            timedelta(seconds=settings.fairness_window_seconds), settings.fairness_max_held
        )
        if settings.fairness
        else None,
        observer=EngineObserver(process_metrics(), engine, consumer, settings.progress_seconds),
    )
    if metrics_port is not None:
        try:
            serve_metrics_or_exit(metrics_port)
        except typer.Exit:
            if child is not None:
                child.stop()
            raise
    stoppables: list[Any] = [inbound]
    relay_thread = None
    if relay == "thread":
        outbound = relay_of(settings, engine, topics)
        stoppables.append(outbound)
        relay_thread = threading.Thread(target=outbound.run, name="relay", daemon=True)
        relay_thread.start()
    handle_signals(*stoppables)
    if stopping.is_set():  # asked to stop while starting
        for stoppable in stoppables:
            stoppable.stopping.set()
    typer.echo(f"engine consuming {', '.join(inbound.topics)} as group {settings.kafka_group}", err=True)
    try:
        stats = inbound.run()
    except WriteStuck as stuck:
        # The writer thread may sit in PostgreSQL holding the event table's lock; only the
        # end of this process closes its connection (PostgreSQL rolls the batch back, and
        # its messages are consumed again from the store's positions). Not a clean exit:
        # one that waits for the writer thread would wait with it.
        log.error("%s", stuck)
        typer.echo(f"error: {stuck}", err=True)
        if child is not None:
            child.stop()
        os._exit(EXIT_WRITE_STUCK)
    finally:
        consumer.close()
        for stoppable in stoppables:
            stoppable.stopping.set()
        if relay_thread is not None:
            relay_thread.join(timeout=30)
        if child is not None:
            child.stop()
        if lease is not None:
            lease.release()
    typer.echo(
        f"stopped: applied {stats.applied}, duplicates {stats.duplicates}, dead letters {stats.dead_letters}",
        err=True,
    )
    if watch is not None and watch.lost:
        typer.echo(
            "error: the engine lease was lost (its store session ended): stopped to stand by", err=True
        )
        raise typer.Exit(EXIT_WRITE_STUCK)
    _relay_died(relay_died)


def _relay_died(codes: list[int | None]) -> None:
    if codes:
        typer.echo(f"error: the relay process exited (code {codes[0]}): the engine stopped", err=True)
        raise typer.Exit(1)


def serve_metrics_or_exit(port: int) -> None:
    """`/metrics` on 127.0.0.1:port; a port that is taken stops the command (exit code 2), said in one line."""
    from infra.metrics import serve_metrics

    try:
        serve_metrics(port)
    except OSError as error:
        typer.echo(f"error: --metrics-port {port}: {error.strerror or error}", err=True)
        raise typer.Exit(2) from None
    log.info("metrics on http://127.0.0.1:%d/metrics", port)
