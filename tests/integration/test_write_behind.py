"""Write-behind on PostgreSQL: a batch is written while the next one is decided."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from domain.order import order_uuid
from services.dead_letters import DeadLetter
from services.engine import Engine
from services.outcomes import Status
from services.writing import WriteStuck
from tests import messages as m
from tests.conftest import make_engine
from tests.integration.test_batches import _business, history, parsed

pytestmark = pytest.mark.postgres

FEED = "antrian.orders:0"


class Gate:
    """Holds an engine's writer thread before each write until opened."""

    def __init__(self, engine: Engine, fail: Exception | None = None) -> None:
        write_behind = engine.writer.write_behind  # type: ignore[attr-defined]
        assert write_behind is not None, "PostgreSQL engines write behind"
        self.opened = threading.Event()
        submit = write_behind.submit

        def held(write: Callable[[], object]) -> object:
            def when_open() -> object:
                assert self.opened.wait(30), "the gate was never opened"
                if fail is not None:
                    raise fail
                return write()

            return submit(when_open)

        write_behind.submit = held

    def open_soon(self, seconds: float = 0.2) -> None:
        threading.Timer(seconds, self.opened.set).start()


@pytest.fixture
def two_engines(postgres_schema) -> Iterator[tuple[Engine, Engine]]:
    dsn, schema = postgres_schema
    engines = (
        make_engine("postgres", dsn=dsn, schema=schema),
        make_engine("postgres", dsn=dsn, schema=schema),
    )
    yield engines
    for engine in engines:
        engine.close()


def _stored(engine: Engine) -> dict:
    """What the store holds, read by another instance (which first drops what it cached)."""
    engine.catch_up()
    return _business(engine)


def _letters(outcomes):
    return [
        DeadLetter.of(f"feed:{i}", b"raw", None, o.message_id, o.message_type, o.field, o.detail)
        for i, o in enumerate(outcomes)
        if o.status is Status.REJECTED
    ]


def test_a_submitted_batch_reaches_the_store_with_its_position_only_when_written(two_engines):
    engine, other = two_engines
    gate = Gate(engine)

    pending = engine.submit_batch(parsed(history()), Tracking(FEED, 7))

    # The engine has decided and goes on; the store has nothing of it yet
    assert other.position(FEED) is None
    gate.opened.set()
    assert [o.status for o in pending.result()] == [Status.APPLIED] * len(history())
    assert other.position(FEED) == 7
    assert _stored(other) == _business(engine)


def test_the_next_batch_is_decided_on_top_of_the_one_being_written(two_engines):
    engine, _ = two_engines
    engine.handle_batch(parsed(history()[:2]))
    gate = Gate(engine)

    # Given an order placed in a batch that is not written yet
    first = engine.submit_batch(parsed([m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2))]))
    gate.open_soon()

    # When the next batch cancels it
    second = engine.submit_batch(parsed([m.order_cancelled("c1", "O1", at=m.ts(0, 3))]))

    # Then the order was found in memory (a refusal would have waited for the write) and
    # cancelled, and both batches are in the store
    assert engine.saving.in_flight is second
    assert [o.status for o in first.result()] == [Status.APPLIED]
    assert [o.status for o in second.result()] == [Status.APPLIED]
    assert engine.get_stock("A").allocated == 0
    reference = make_engine("memory")
    reference.handle_batch(parsed(history()[:2]))
    reference.handle_batch(parsed([m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2))]))
    reference.handle_batch(parsed([m.order_cancelled("c1", "O1", at=m.ts(0, 3))]))
    assert _business(engine) == _business(reference)


def test_a_batch_the_store_refuses_is_decided_again_with_the_batch_decided_on_top_of_it(two_engines):
    engine, other = two_engines
    engine.handle_batch(parsed(history()[:3]))  # O1 holds 2 units of A
    gate = Gate(engine)

    # Given a cancellation of O1 decided and waiting to be written
    cancel = engine.submit_batch(
        parsed([m.order_cancelled("c1", "O1", at=m.ts(0, 4))]), Tracking(FEED, 1), _letters
    )
    # And meanwhile another instance ships O1 (a rebalance, a zombie)
    assert other.handle_raw(m.order_shipped("shp", "O1", [("1", 2)], at=m.ts(0, 5))).status is Status.APPLIED

    # When the engine goes on with the next batch
    gate.open_soon()
    receipt = engine.submit_batch(parsed([m.stock_received("r9", "A", 4, at=m.ts(0, 6))]), Tracking(FEED, 2))

    # Then the cancellation is decided again on what the store holds: refused, kept as a
    # dead letter (not taken for a message applied before), its position recorded
    (refused,) = cancel.result()
    assert refused.status is Status.REJECTED, refused
    assert [letter.message_id for letter in engine.dead_letters()] == ["c1"]
    # And the next batch was decided again after it, on the shipped order
    assert [o.status for o in receipt.result()] == [Status.APPLIED]
    assert engine.position(FEED) == 2
    assert engine.get_order("O1").lines["1"].shipped == 2
    assert _business(engine) == _stored(other)


def test_batches_submitted_back_to_back_decide_what_one_engine_decides_alone(two_engines):
    engine, other = two_engines
    batches = [history()[i : i + 2] for i in range(0, len(history()), 2)]

    pending = [engine.submit_batch(parsed(batch), Tracking(FEED, i)) for i, batch in enumerate(batches, 1)]

    assert [o.status for p in pending for o in p.result()] == [Status.APPLIED] * len(history())
    reference = make_engine("memory")
    reference.handle_batch(parsed(history()))
    assert _stored(other) == _business(reference)
    assert other.position(FEED) == len(batches)


def test_a_write_that_fails_is_raised_and_nothing_of_its_batch_stays_in_memory(two_engines):
    engine, other = two_engines
    engine.handle_batch(parsed(history()[:2]))
    gate = Gate(engine, fail=RuntimeError("disk full"))

    pending = engine.submit_batch(parsed([m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2))]))
    gate.opened.set()

    with pytest.raises(RuntimeError, match="disk full"):
        pending.result()
    with pytest.raises(AggregateNotFoundError):
        engine.get_order("O1")
    assert engine.get_stock("A").allocated == 0
    assert _business(engine) == _stored(other)


def test_a_revoked_partition_has_its_batch_written_before_another_instance_takes_it_over(two_engines):
    from collections import namedtuple

    import orjson
    from kafka import TopicPartition

    from infra.kafka.inbound import InboundConsumer, _SeekToStore

    engine, other = two_engines
    gate = Gate(engine)
    inbound = InboundConsumer(engine, consumer=None, topics=["antrian.orders"])  # type: ignore[arg-type]
    tp = TopicPartition("antrian.orders", 0)
    Record = namedtuple("Record", "offset key value")
    inbound.apply(tp, [Record(i, None, orjson.dumps(message)) for i, message in enumerate(history())])
    assert other.position("antrian.orders:0") is None

    # When the group takes the partition away (a rebalance)
    gate.open_soon()
    _SeekToStore(inbound).on_partitions_revoked({tp})

    # Then the batch and its position are in the store, and its outcomes counted
    assert other.position("antrian.orders:0") == len(history())
    assert (inbound.stats.applied, inbound.stats.batches) == (len(history()), 1)


def test_a_write_that_takes_longer_than_allowed_stops_the_engine_with_an_error_and_leaves_nothing_in_memory(
    two_engines,
):
    # Given an engine that allows a batch 0.3 s to be written, and a writer that hangs
    engine, other = two_engines
    engine.saving.write_timeout = 0.3
    gate = Gate(engine, fail=RuntimeError("never written: the test let it go"))
    messages = parsed(history())
    orders = [message.order_id for message in messages if message.type == "OrderPlaced"]

    # When it waits for that write
    engine.submit_batch(messages, Tracking(FEED, 7))
    with pytest.raises(WriteStuck, match="ANTRIAN_WRITE_TIMEOUT_SECONDS"):
        engine.settle()

    # Then nothing the batch decided is cached as if it were stored, and the store has none of it
    assert orders
    for order_id in orders:
        with pytest.raises(KeyError):
            engine.repository.cache.get(order_uuid(order_id))
    assert other.position(FEED) is None
    gate.opened.set()  # the held writer fails instead of writing, so the engine can close
