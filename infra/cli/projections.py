"""`antrian projections run|status|rebuild`: keep read models current, see how far behind, rebuild."""

from __future__ import annotations

import faulthandler
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from infra.cli.state import state
from projections import catalog

if TYPE_CHECKING:
    from rich.progress import Progress

    from projections.runner import Feed, ProjectionRunner

log = logging.getLogger("antrian.projections")
projections_app = typer.Typer(no_args_is_help=True, help="Build and rebuild the read models.")
NAMES = typer.Argument(None, help=f"Projections (default: all): {', '.join(catalog.CATALOG)}.")
KAFKA = typer.Option(
    False, "--kafka", help="Read the outbound Kafka topics instead of the event store's log."
)


def _feed(kafka: bool, names: list[str] | None) -> Feed:
    if kafka:
        from infra.kafka.projections import kafka_feed

        return kafka_feed(state.settings, names)
    from infra.bootstrap import build_engine, log_feed

    return log_feed(build_engine(state.settings))


@contextmanager
def _closed_after(feed: Feed) -> Iterator[Feed]:
    """The Kafka feed's consumer leaves its group on the way out: else the next run waits for a rebalance."""
    try:
        yield feed
    finally:
        close = getattr(feed, "close", None)
        if close is not None:
            close()


def _runner(names: list[str] | None) -> ProjectionRunner:
    from infra.bootstrap import build_read_store, build_runner

    try:
        return build_runner(build_read_store(state.settings), names)
    except KeyError as unknown:
        raise typer.BadParameter(str(unknown.args[0])) from None


@projections_app.command("run")
def run(
    names: list[str] = NAMES,
    kafka: bool = KAFKA,
    once: bool = typer.Option(False, "--once", help="Catch up and exit instead of following."),
    batch: int = typer.Option(1000, min=1, help="Events per transaction."),
    metrics_port: int = typer.Option(None, min=1, max=65535, help="Serve /metrics on 127.0.0.1:PORT."),
) -> None:
    """Apply new events to the read models, following the feed until stopped (Ctrl-C / SIGTERM)."""
    from infra.metrics import process_metrics
    from infra.projections_observer import ProjectionObserver

    runner = _runner(names)
    feed = _feed(kafka, names)
    stop = None if once else _stop_on_signals()
    started = time.perf_counter()
    with _closed_after(feed):
        observer = ProjectionObserver(process_metrics(), runner, feed, state.settings.progress_seconds)
        if metrics_port is not None:
            from infra.cli.processes import serve_metrics_or_exit

            serve_metrics_or_exit(metrics_port)
        if stop is not None:
            log.info("following %s for %s", "Kafka" if kafka else "the event log", ", ".join(runner.names))
        total = runner.run(
            feed, batch_size=batch, stop=stop, on_batch=observer.on_batch, on_idle=observer.on_idle
        )
    elapsed = time.perf_counter() - started
    per = ", ".join(f"{name} {count}" for name, count in total.per_projection.items())
    repeats = f"; dropped {total.repeats} repeat(s) already applied" if total.repeats else ""
    typer.echo(f"applied {total.events} event(s) in {elapsed:.1f} s ({per}){repeats}")


def _stop_on_signals() -> threading.Event:
    """SIGINT/SIGTERM stop the runner; SIGUSR1 prints its threads' stacks (as the engine's does)."""
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@projections_app.command("status")
def status(names: list[str] = NAMES, kafka: bool = KAFKA) -> None:
    """Per projection: state, version, position and lag in the feed it reads.

    Without --kafka the feed is the one the read models were built from (their
    positions say): asking the log's end of projections fed from Kafka showed
    them the whole log behind.
    """
    runner = _runner(names)
    positions = runner.positions()
    kafka = kafka or _fed_from_kafka(positions)
    with _closed_after(_feed(kafka, names)) as feed:
        ends = feed.ends()
    states = runner.states()
    positions = {
        name: {key: at for key, at in by_feed.items() if _is_kafka_feed(key) == kafka}
        for name, by_feed in positions.items()
    }
    from rich.table import Table

    from infra.cli.console import show, wide_console

    table = Table("projection", "state", "version", "feed", "position", "end", "lag", "applied")
    for projection in runner.projections:
        stored = states.get(projection.name)
        version = f"{stored.version}" if stored else "-"
        if stored and stored.version != projection.version:
            version += f" (code {projection.version}: rebuild)"
        current = positions[projection.name]
        state_name = stored.status if stored else "new"
        applied = str(stored.applied if stored else 0)
        feeds = sorted(set(ends) | set(current))
        if not feeds:  # nothing to read yet (no events, or no outbound topics yet)
            table.add_row(projection.name, state_name, version, "-", "0", "0", "0", applied)
        for feed_name in feeds:
            position = current[feed_name].position if feed_name in current else 0
            end = ends.get(feed_name, position)
            lag = str(max(end - position, 0))
            table.add_row(
                projection.name, state_name, version, feed_name, str(position), str(end), lag, applied
            )
    show(wide_console(), table, "projection", "feed")


def _is_kafka_feed(key: str) -> bool:
    from projections.feeds import LOG_FEED

    return key != LOG_FEED


def _fed_from_kafka(positions: dict[str, dict[str, Any]]) -> bool:
    """The read models hold positions in Kafka partitions and none in the event store's log."""
    keys = {key for by_feed in positions.values() for key in by_feed}
    return bool(keys) and all(_is_kafka_feed(key) for key in keys)


@projections_app.command("rebuild")
def rebuild(
    names: list[str] = NAMES,
    kafka: bool = KAFKA,
    restart: bool = typer.Option(False, "--restart", help="Start over even if a rebuild was interrupted."),
    batch: int = typer.Option(2000, min=1, help="Events per transaction."),
) -> None:
    """Drop the read models and rebuild them from the start of the log; an interrupted rebuild resumes."""
    runner = _runner(names)
    feed = _feed(kafka, names)
    started = runner.start_rebuild(restart=restart)
    resumed = [name for name in runner.names if name not in started]
    if resumed:
        typer.echo(f"resuming the interrupted rebuild of {', '.join(resumed)}")
    ends = feed.ends()
    begin = runner.resume_points()
    total = sum(end - begin.get(feed_key, 0) for feed_key, end in ends.items())
    clock = time.perf_counter()
    with (
        _closed_after(feed),
        _progress() as progress,
    ):
        task = progress.add_task("rebuild", total=max(total, 1))
        done = runner.run(
            feed,
            batch_size=batch,
            until=lambda: runner.caught_up(ends),
            on_batch=lambda applied: progress.advance(task, applied.read),
        )
        progress.update(task, completed=max(total, 1))
    runner.finish_rebuild()
    elapsed = time.perf_counter() - clock
    rate = done.events / elapsed if elapsed else 0.0
    typer.echo(
        f"rebuilt {', '.join(runner.names)}: {done.events} event(s) in {elapsed:.1f} s ({rate:,.0f} events/s)"
    )


def _progress() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(f"{task.speed or 0:,.0f} records/s")

    columns = (TextColumn("rebuild"), BarColumn(), MofNCompleteColumn(), RateColumn(), TimeRemainingColumn())
    return Progress(*columns, transient=False)
