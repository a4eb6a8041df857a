"""The metrics move when the engine and the projections work, read as Prometheus reads them."""

from __future__ import annotations

import socket
import uuid

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from infra.bootstrap import build_runner, log_feed
from infra.kafka.inbound import InboundConsumer
from infra.kafka.observing import EngineObserver
from infra.metrics import Metrics, process_metrics, serve_metrics
from infra.projections_observer import ProjectionObserver
from projections.notifications.outbox import status_counts
from projections.store import SqliteReadStore
from tests import messages as m
from tests.conftest import make_engine
from tests.integration.test_kafka_inbound import GOOD, consumer_for, publish


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """`/metrics` over HTTP, as {(sample name, sorted labels): value}."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_engine_counts_each_decision_it_writes_by_kind():
    # Given an engine and the process's decision counts so far
    metrics = process_metrics()
    before = metrics.value("antrian_decisions_total", kind="LineRequested")
    engine = make_engine("memory")
    # When two orders are placed for a SKU with stock
    m.apply(engine, *GOOD)
    # Then two line requests were decided, and only decision events are counted as decisions
    assert metrics.value("antrian_decisions_total", kind="LineRequested") - before == 2
    kinds = {
        sample.labels["kind"]
        for family in metrics.registry.collect()
        for sample in family.samples
        if sample.name == "antrian_decisions_total"
    }
    assert kinds <= {
        "LineRequested",
        "QueueFilled",
        "EtasRevised",
        "AllocationsRevoked",
        "ReplenishmentSuggested",
        "LineReleasedAhead",
        "ReleaseWithdrawn",
    }


@pytest.mark.kafka
def test_messages_applied_and_refused_from_kafka_show_on_the_metrics_port(kafka_bootstrap, tmp_path):
    # Given a topic with four good messages, one that is not JSON and one of an unknown type
    topic = f"t-{uuid.uuid4().hex[:10]}.inbound"
    unknown = {**GOOD[1], "message_id": "u-1", "type": "Teleported"}
    publish(kafka_bootstrap, topic, [*map(orjson.dumps, GOOD), b"{not json", orjson.dumps(unknown)])
    engine = make_engine("sqlite", tmp_path / "s.sqlite")
    metrics, port = Metrics(), free_port()
    server = serve_metrics(port, metrics)
    try:
        consumer = consumer_for(kafka_bootstrap, f"{topic}-g")
        observer = EngineObserver(metrics, engine, consumer, every=60)
        before = scrape(port)

        # When the engine consumes it
        inbound = InboundConsumer(engine, consumer, [topic], observer=observer)
        inbound.run(idle_polls=10)
        consumer.close()
        after = scrape(port)
    finally:
        server.shutdown()

    # Then the port shows nothing before, and every message after, by type and outcome
    assert ("antrian_messages_applied_total", (("type", "OrderPlaced"),)) not in before
    assert after[("antrian_messages_applied_total", (("type", "OrderPlaced"),))] == 2
    assert after[("antrian_messages_applied_total", (("type", "StockReceived"),))] == 1
    assert after[("antrian_messages_refused_total", (("type", "unknown"),))] == 2
    assert after[("antrian_dead_letters_written_total", ())] == 2
    assert after[("antrian_dead_letters", ())] == 2
    # And the batches were timed, and the partition's position is past the last record
    assert after[("antrian_batch_seconds_count", ())] >= 1
    assert after[("antrian_engine_position", (("partition", "0"), ("topic", topic)))] == 6


def test_projection_lag_is_what_the_log_holds_beyond_the_read_models_and_zero_once_caught_up(tmp_path):
    # Given an engine whose log holds orders the read models have not seen
    engine = make_engine("memory")
    m.apply(engine, *GOOD)
    runner = build_runner(SqliteReadStore(tmp_path / "read.sqlite"), ["queue", "notifications"])
    feed = log_feed(engine)
    metrics = Metrics()

    # When the observer first looks
    observer = ProjectionObserver(metrics, runner, feed, every=60)

    # Then each projection is behind by the whole log
    end = feed.ends()
    assert metrics.value("antrian_projection_lag", projection="queue") == sum(end.values()) > 0

    # When the runner catches up under its watch
    runner.run(feed, on_batch=observer.on_batch, on_idle=observer.on_idle)
    observer.refresh()

    # Then the lag is zero, the events applied are counted, and the outbox shows what waits to be sent
    assert metrics.value("antrian_projection_lag", projection="queue") == 0
    assert metrics.value("antrian_projection_events_total", projection="queue") > 0
    with runner.store.reading() as tx:
        pending = status_counts(tx).get("pending", 0)
    assert pending > 0
    assert metrics.value("antrian_notifications", status="pending") == pending
