"""A durable store finds an instant's cut from its index of message times: the same moments as the fold.

`MessageTimes` on a SQLite or PostgreSQL store with plain JSON states asks the store
(services/time_travel/indexed_cut.py); on any other store it folds every inbox entry
into memory. Both are compared here on random streams (orders, receipts, cancels,
shipments; re-sends, corrected messages, refusals, times out of order and with
fractions of a second, old entries without a time) at instants on, just before and
just after the messages' times.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.bootstrap import engine_env, writer_for
from infra.settings import Settings
from services.inbox import AppliedMessage, RefusedMessage
from services.parsing import parse_message
from services.time_travel.indexed import SQLITE_APPLIED_AT
from services.time_travel.moment import MessageTimes
from services.time_travel.views import TimeTravel
from tests import messages as m
from tests.conftest import make_engine
from tests.integration.test_as_of_property import SPAN_MINUTES, a_message

pytestmark = pytest.mark.integration

DURABLE = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def fresh_store(kind: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new, empty store of this kind (hypothesis needs one per example, not one per test)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine("sqlite", Path(folder) / "store.sqlite")
            try:
                yield engine
            finally:
                engine.close()
        return
    import psycopg

    dsn, schema = request.getfixturevalue("postgres_dsn"), f"t_{uuid4().hex[:16]}"
    engine = make_engine("postgres", dsn=dsn, schema=schema)
    try:
        yield engine
    finally:
        engine.close()
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def both_ways(engine: Any) -> tuple[MessageTimes, MessageTimes]:
    indexed = MessageTimes(engine.recorder, plain_json=True)
    folded = MessageTimes(engine.recorder, plain_json=True, in_memory=True)
    assert indexed.indexed and not folded.indexed
    indexed.catch_up()
    folded.catch_up()
    return indexed, folded


def with_fraction(raw: dict[str, Any], micros: int) -> dict[str, Any]:
    """The message occurring `micros` microseconds after its whole minute."""
    if not micros:
        return raw
    return {**raw, "occurred_at": raw["occurred_at"].replace("Z", f".{micros:06d}Z")}


@st.composite
def a_stream_with_old_entries(draw: Any) -> list[Any]:
    """Messages (dicts), re-sends, corrections (same id, other content) and old inbox entries (strings)."""
    stream: list[Any] = [m.supplier_registered("s0", "S1", ("A", "B"), at=m.ts(minutes=0))]
    for n in range(draw(st.integers(1, 30))):
        roll = draw(st.integers(0, 9))
        sent = [raw for raw in stream[1:] if isinstance(raw, dict)]
        if roll == 0 and sent:  # sent again
            stream.append(draw(st.sampled_from(sent)))
        elif roll == 1 and sent:  # corrected: the same id, another content
            stream.append({**draw(a_message(n)), "message_id": draw(st.sampled_from(sent))["message_id"]})
        elif roll == 2:  # an entry stored before contents (or refusals' times) were kept
            stream.append(draw(st.sampled_from(("old applied", "old refused"))) + f" {n}")
        else:
            micros = draw(st.sampled_from((0, 0, 1, 500_000, 999_999)))
            stream.append(with_fraction(draw(a_message(n)), micros))
    return stream


def feed(engine: Any, stream: list[Any], size: int) -> None:
    batch: list[Any] = []
    for item in [*stream, None]:
        if item is None or isinstance(item, str) or len(batch) == size:
            if batch:
                engine.handle_batch(batch)
            batch = []
        if isinstance(item, str):
            kind, n = item.rsplit(" ", 1)
            if kind == "old applied":
                engine.save(
                    AppliedMessage(message_id=f"old-{n}", message_type="StockReceived", fingerprint="0" * 64)
                )
            else:
                engine.save(RefusedMessage(f"old-{n}", "OrderShipped", "0" * 64, "nothing allocated", None))
        elif item is not None:
            batch.append(parse_message(item))


def instants_around(times: MessageTimes, extra_minutes: list[int]) -> list[datetime]:
    """Each entry's time, a microsecond before and after it, and a few whole minutes."""
    known = {e.occurred_at for e in times.entries + times._refusals if e.occurred_at is not None}
    one = timedelta(microseconds=1)
    found = {t + d for t in known for d in (-one, timedelta(0), one)}
    return sorted(found | {m.BASE + timedelta(minutes=minute) for minute in extra_minutes})


@pytest.mark.parametrize("kind", DURABLE)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    stream=a_stream_with_old_entries(),
    size=st.integers(1, 6),
    minutes=st.lists(st.integers(-10, SPAN_MINUTES + 10), max_size=3),
)
def test_the_store_finds_the_same_moment_as_the_fold_at_every_instant(
    kind: str, request: pytest.FixtureRequest, stream: list[Any], size: int, minutes: list[int]
) -> None:
    with fresh_store(kind, request) as engine:
        feed(engine, stream, size)
        indexed, folded = both_ways(engine)
        for instant in instants_around(folded, minutes):
            assert indexed.cut(instant) == folded.cut(instant), instant


def test_the_store_names_at_most_twenty_messages_and_counts_the_rest(open_durable: Any) -> None:
    # Given thirty messages of 09:00 applied after one of 12:00, and thirty old entries without a time
    engine = open_durable()
    late = [m.stock_received("late", "A", 1, at=m.ts(hours=2))]
    early = [m.stock_received(f"e{n}", "A", 1, at=m.ts(minutes=n)) for n in range(30)]
    engine.handle_batch([parse_message(raw) for raw in late + early])
    for n in range(30):
        engine.save(AppliedMessage(message_id=f"old-{n:02d}", message_type="X", fingerprint="0" * 64))
    indexed, folded = both_ways(engine)
    # When the state as of 10:00 is asked
    moment = indexed.cut(m.BASE + timedelta(hours=1))
    # Then it is the state before anything, naming twenty of the thirty it lacks, and as the fold does
    assert (moment.position, moment.missing_count, len(moment.missing), moment.unknown_count) == (
        0,
        30,
        20,
        30,
    )
    assert moment.missing == [f"e{n}" for n in range(20)] and moment == folded.cut(
        m.BASE + timedelta(hours=1)
    )


def test_a_store_opened_before_the_index_existed_builds_it_on_open(sqlite_file: Path) -> None:
    # Given a store whose index was not there (stored by an older version)
    engine = make_engine("sqlite", sqlite_file)
    engine.handle_batch([parse_message(m.stock_received("r1", "A", 5, at=m.ts(hours=1)))])
    engine.close()
    with sqlite3.connect(sqlite_file) as connection:
        connection.execute("DROP INDEX stored_events_applied_at")
    # When it is opened again
    engine = make_engine("sqlite", sqlite_file)
    travel = TimeTravel(engine)
    # Then the store finds the cut again
    assert travel.times.indexed
    assert travel.moment(m.BASE + timedelta(hours=2)).applied == 1
    engine.close()


def test_a_store_with_compressed_states_is_written_as_before_and_folds_the_times_in_memory(
    sqlite_file: Path,
) -> None:
    from services.engine import Engine

    # Given a SQLite store whose states are compressed (no JSON in the index's eyes)
    env = engine_env(Settings(store="sqlite", sqlite_path=sqlite_file, default_eta_policy="eta-v1"))
    env["COMPRESSOR_TOPIC"] = "eventsourcing.compressor:ZlibCompressor"
    engine = Engine(env, writer_for(env))
    # When messages are applied (the index is kept on every insert)
    for hours, mid in ((1, "r1"), (3, "r2")):
        engine.handle_batch([parse_message(m.stock_received(mid, "A", 5, at=m.ts(hours=hours)))])
    # Then time travel reads the times itself, and answers
    travel = TimeTravel(engine)
    assert not travel.times.indexed
    assert travel.moment(m.BASE + timedelta(hours=2)).applied == 1
    engine.close()


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05T10:00:00Z",
        "2026-01-05T10:00:00.000001Z",
        "2026-01-05T10:00:00.5Z",
        "2026-01-05T10:00:00.999999Z",
        "2026-01-05T11:00:00.25+01:00",
        "2026-01-05T04:30:00-05:30",
        "1970-01-01T00:00:00Z",
        "2199-12-31T23:59:59.999999Z",
    ],
)
def test_sqlite_reads_a_time_to_the_microsecond_whatever_its_fraction_and_zone(text: str) -> None:
    state = f'{{"content": {{"occurred_at": "{text}"}}}}'.encode()
    with sqlite3.connect(":memory:") as connection:
        found = connection.execute(
            f"SELECT {SQLITE_APPLIED_AT} FROM (SELECT ? AS state)", (state,)
        ).fetchone()[0]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert found == (datetime.fromisoformat(text) - epoch) // timedelta(microseconds=1)


def test_sqlite_reads_no_time_from_a_state_that_is_not_json() -> None:
    with sqlite3.connect(":memory:") as connection:
        found = connection.execute(f"SELECT {SQLITE_APPLIED_AT} FROM (SELECT ? AS state)", (b"x\x9c\x00",))
        assert found.fetchone()[0] is None


def test_an_instant_in_another_zone_cuts_where_its_utc_time_does(open_durable: Any) -> None:
    engine = open_durable()
    engine.handle_batch([parse_message(m.stock_received("r1", "A", 5, at=m.ts(hours=1)))])
    indexed, folded = both_ways(engine)
    plus_two = timezone(timedelta(hours=2))
    for instant in (m.BASE.astimezone(plus_two), (m.BASE + timedelta(hours=1)).astimezone(plus_two)):
        assert indexed.cut(instant) == folded.cut(instant)
