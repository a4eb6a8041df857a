"""`antrian engine --kafka` and `antrian relay`: the production processes."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import typer

from infra.settings import Settings


def _stop_on_signals(*stoppables: Any) -> None:
    def stop(signum: int, _frame: Any) -> None:
        logging.getLogger("antrian").info("signal %s: stopping after the current batch", signum)
        for stoppable in stoppables:
            stoppable.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def run_engine(settings: Settings, engine: Any, batch: int, relay: bool) -> None:
    from kafka import KafkaConsumer

    from infra.kafka_inbound import InboundConsumer
    from infra.topics import TopicRegistry

    topics = TopicRegistry(settings.topic_prefix)
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.kafka_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch,
    )
    inbound = InboundConsumer(engine, consumer, [t.name for t in topics.inbound()], batch_size=batch)
    stoppables: list[Any] = [inbound]
    relay_thread = None
    if relay:
        outbound = _relay(settings, engine, topics)
        stoppables.append(outbound)
        relay_thread = threading.Thread(target=outbound.run, name="relay", daemon=True)
        relay_thread.start()
    _stop_on_signals(*stoppables)
    typer.echo(f"engine consuming {', '.join(inbound.topics)} as group {settings.kafka_group}", err=True)
    try:
        stats = inbound.run()
    finally:
        consumer.close()
        for stoppable in stoppables:
            stoppable.stopping.set()
        if relay_thread is not None:
            relay_thread.join(timeout=30)
    typer.echo(
        f"stopped: applied {stats.applied}, duplicates {stats.duplicates}, dead letters {stats.dead_letters}",
        err=True,
    )


def run_relay(settings: Settings, engine: Any) -> None:
    from infra.topics import TopicRegistry

    relay = _relay(settings, engine, TopicRegistry(settings.topic_prefix))
    _stop_on_signals(relay)
    stats = relay.run()
    typer.echo(f"relay stopped at notification {stats.position}: published {stats.published}", err=True)


def _relay(settings: Settings, engine: Any, topics: Any) -> Any:
    from infra.kafka_relay import OutboundRelay, relay_producer

    return OutboundRelay(engine, relay_producer(settings.kafka_bootstrap), topics)
