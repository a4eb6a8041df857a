"""The raw `eventsourcing` SQLite append ceiling on this machine.

A trivial aggregate on a plain `Application` (no engine, no inbox, no
snapshots): how many events per second the library and SQLite can store
when each `save()` holds one event, and when one `save()` holds many.
Two flavours of aggregate: the library's own (`eventsourcing.domain.Aggregate`,
default JSON transcoder) and one built like Antrian's (`domain.base.Aggregate`,
pydantic events, the project's mapper and orjson transcoder), so the codec's
share of the cost is visible too. bench/kafka/ times the same loops on
PostgreSQL by passing its own `persistence` environment.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate as LibAggregate
from eventsourcing.domain import event

from domain.base import Aggregate as PydanticAggregate


class Counter(LibAggregate):
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.count += by


class PCounter(PydanticAggregate):
    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid4()

    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.count += by


@dataclass(frozen=True)
class Ceiling:
    label: str
    events: int
    saves: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds

    @property
    def saves_per_s(self) -> float:
        return self.saves / self.seconds


Persistence = dict[str, str]  # an eventsourcing environment: PERSISTENCE_MODULE and its settings


def _app(persistence: Persistence, pydantic: bool) -> Application[UUID]:
    env = dict(persistence)
    if pydantic:
        env["MAPPER_TOPIC"] = "infra.persistence:PydanticMapper"
        env["TRANSCODER_TOPIC"] = "infra.persistence:OrjsonTranscoder"
    return Application(env)


@contextmanager
def _persistence(given: Persistence | None) -> Iterator[Persistence]:
    """`given` as it is (e.g. PostgreSQL for bench/kafka/), else a fresh SQLite file deleted afterwards."""
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="antrian-ceiling-") as tmp:
        yield {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(Path(tmp) / "c.sqlite")}


def single_event_saves(
    pydantic: bool, budget_s: float = 3.0, max_saves: int = 20_000, persistence: Persistence | None = None
) -> Ceiling:
    """One event per save(): one transaction (and commit) per event, SQLite unless `persistence` says otherwise.

    Only `save()` is timed; making the trivial event is not.
    """
    cls = PCounter if pydantic else Counter
    with _persistence(persistence) as env:
        app = _app(env, pydantic)
        counter = cls(name="c")
        app.save(counter)
        for _ in range(50):  # warm up
            counter.increment(by=1)
            app.save(counter)
        saves = 0
        seconds = 0.0
        clock = time.perf_counter
        while saves < max_saves and seconds < budget_s:
            counter.increment(by=1)
            t = clock()
            app.save(counter)
            seconds += clock() - t
            saves += 1
        app.close()
    flavour = "pydantic+orjson" if pydantic else "library Aggregate"
    return Ceiling(f"1 event/save ({flavour})", saves, saves, seconds)


def batched_saves(
    pydantic: bool,
    aggregates_per_save: int = 100,
    budget_s: float = 3.0,
    max_saves: int = 2_000,
    persistence: Persistence | None = None,
) -> Ceiling:
    """`aggregates_per_save` new aggregates (one Created event each) per save(), SQLite unless `persistence`
    says otherwise.

    Only `save()` is timed; making the trivial aggregates is not.
    """
    cls = PCounter if pydantic else Counter
    with _persistence(persistence) as env:
        app = _app(env, pydantic)
        for _ in range(5):  # warm up
            app.save(*[cls(name=str(uuid4())) for _ in range(aggregates_per_save)])
        saves = events = 0
        seconds = 0.0
        clock = time.perf_counter
        while saves < max_saves and seconds < budget_s:
            batch = [cls(name="c") for _ in range(aggregates_per_save)]
            t = clock()
            app.save(*batch)
            seconds += clock() - t
            saves += 1
            events += len(batch)
        app.close()
    flavour = "pydantic+orjson" if pydantic else "library Aggregate"
    return Ceiling(f"{aggregates_per_save} events/save ({flavour})", events, saves, seconds)
