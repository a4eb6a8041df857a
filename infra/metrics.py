"""Prometheus metrics of every Antrian process, `antrian_*`, in a registry of their own.

Not prometheus_client's global registry: two engines built in one test process,
or a library that registers its own collectors there, must not collide with ours
(a name registered twice is an error there). A process uses `process_metrics()`;
a test builds a `Metrics()` of its own and reads it.

The engine and the services know nothing of this: the infra side observes them
(the Kafka consumer's batches, the engine's writer, the projection runner).
Labels are bounded: a message type that is not a contract is counted as
"unknown", whatever a sender wrote in it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from domain.values import DecisionInfo
from services.contracts import BY_TYPE
from services.outcomes import Outcome, Status

UNKNOWN = "unknown"
BATCH_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)
OUTBOX_STATUSES = ("pending", "failed", "dead")


class Metrics:
    """Every `antrian_*` metric (README: Metrics and logs)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        by_type = ["type"]
        self.applied = Counter("antrian_messages_applied", "Messages applied, by type.", by_type, registry=r)
        self.repeated = Counter(
            "antrian_messages_repeated", "Messages already applied, sent again.", by_type, registry=r
        )
        self.refused = Counter(
            "antrian_messages_refused", "Messages refused (now or before), by type.", by_type, registry=r
        )
        self.parked = Counter(
            "antrian_messages_parked", "Messages parked to wait for another message.", by_type, registry=r
        )
        self.decisions = Counter(
            "antrian_decisions", "Decisions written (Stock decision events), by kind.", ["kind"], registry=r
        )
        self.batch_seconds = Histogram(
            "antrian_batch_seconds",
            "From a batch handed to the engine to its outcomes settled (decided and written).",
            buckets=BATCH_SECONDS_BUCKETS,
            registry=r,
        )
        self.dead_letters_made = Counter(
            "antrian_dead_letters_written", "Dead letters this process kept.", registry=r
        )
        self.dead_letters = Gauge(
            "antrian_dead_letters",
            "Dead letters in the store (resolved or not), as last counted.",
            registry=r,
        )
        self.parked_waiting = Gauge("antrian_parked_messages", "Messages parked, still waiting.", registry=r)
        self.engine_position = Gauge(
            "antrian_engine_position",
            "Next offset the engine reads, per inbound partition (as stored with its batch).",
            ["topic", "partition"],
            registry=r,
        )
        self.engine_lag = Gauge(
            "antrian_engine_lag",
            "Records behind the partition's end, per inbound partition.",
            ["topic", "partition"],
            registry=r,
        )
        self.projection_applied = Counter(
            "antrian_projection_events", "Events a projection applied.", ["projection"], registry=r
        )
        self.projection_lag = Gauge(
            "antrian_projection_lag",
            "Records behind the end of its feed, per projection.",
            ["projection"],
            registry=r,
        )
        self.outbox = Gauge(
            "antrian_notifications", "Notifications in the outbox, by status.", ["status"], registry=r
        )
        self.http_requests = Counter(
            "antrian_http_requests",
            "HTTP requests answered, by method, route template and status (401 and 403 included).",
            ["method", "route", "status"],
            registry=r,
        )

    def count_outcomes(self, outcomes: Iterable[Outcome]) -> None:
        """Outcomes of messages applied, repeated, refused or parked (the Kafka consumer, POST /messages)."""
        for outcome in outcomes:
            counter = _COUNTERS[outcome.status](self)
            counter.labels(type=message_type_label(outcome.message_type)).inc()

    def count_decisions(self, kinds: dict[str, int]) -> None:
        for kind, count in kinds.items():
            self.decisions.labels(kind=kind).inc(count)

    def count_http_request(self, method: str, route: str, status: int) -> None:
        """`route`: the route's template (`/orders/{order_id}`), never the path asked (unbounded labels)."""
        self.http_requests.labels(method=method.upper(), route=route, status=str(status)).inc()

    def set_outbox(self, counts: dict[str, int]) -> None:
        for status in OUTBOX_STATUSES:
            self.outbox.labels(status=status).set(counts.get(status, 0))

    def value(self, name: str, **labels: str) -> float:
        """A sample's value now (0 when absent): for tests and progress lines."""
        found = self.registry.get_sample_value(name, labels)
        return found if found is not None else 0.0


_COUNTERS: dict[Status, Callable[[Metrics], Counter]] = {
    Status.APPLIED: lambda m: m.applied,
    Status.DUPLICATE: lambda m: m.repeated,
    Status.REJECTED: lambda m: m.refused,
    Status.REFUSED_BEFORE: lambda m: m.refused,
    Status.PARKED: lambda m: m.parked,
}


def decision_kinds(events: Iterable[Any]) -> dict[str, int]:
    """Events that record a decision (with its DecisionInfo), counted by class: LineRequested, QueueFilled, ..."""
    kinds: dict[str, int] = {}
    for event in events:
        if isinstance(getattr(event, "decision", None), DecisionInfo):
            kind = type(event).__name__
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def message_type_label(message_type: str | None) -> str:
    return message_type if message_type in BY_TYPE else UNKNOWN


_lock = threading.Lock()
_process: Metrics | None = None


def process_metrics() -> Metrics:
    """This process's metrics, made on first use."""
    global _process
    with _lock:
        if _process is None:
            _process = Metrics()
        return _process


def count_http_request(method: str, route: str, status: int) -> None:
    """For the HTTP app: one request answered (call it for 401 and 403 too)."""
    process_metrics().count_http_request(method, route, status)


def metrics_asgi_app(metrics: Metrics | None = None) -> Any:
    """The ASGI app serving `/metrics` in the Prometheus text format (mount it in the HTTP service)."""
    from prometheus_client import make_asgi_app

    return make_asgi_app(registry=(metrics or process_metrics()).registry)


def serve_metrics(port: int, metrics: Metrics | None = None, host: str = "127.0.0.1") -> Any:
    """`/metrics` on host:port, in a daemon thread (prometheus_client's own server); the server."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=(metrics or process_metrics()).registry)
    return server
