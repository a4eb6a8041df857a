"""Two engines, each with its relay child, on one PostgreSQL store, under repeated bursts.

Guards issue 13's hang: with two engines a writer once held the event table's
lock while the engine waited in psycopg's pipeline sync, the other engine waited
on LOCK TABLE, and both sat there for 11 minutes. And guards the single relay:
two engines once published every event twice.
"""

# ruff: noqa: F811 - the fixtures of test_kafka_processes are imported, then named as parameters

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

import pytest

from infra.kafka.relay import ACTIVE, STANDBY
from services.outbound import decode
from tests import messages as m
from tests.e2e.test_kafka_processes import (  # noqa: F401 - fixtures among them
    SKUS,
    Antrian,
    antrian,
    applied_message_ids,
    assert_books_balance,
    assert_versions_contiguous,
    create_topics,
    domain_notification_ids,
    end_offsets,
    positions,
    prefix,
    read_topics,
    registry,
    setup_messages,
    store,
    upstream,
    wait_until_relayed,
)

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

STALLED = 240.0  # seconds without any progress: a hang, never a performance expectation
PRELOAD, BURST, ROUNDS = 2000, 2000, 3


def wait_while_progressing(what: str, progress: Any, target: int, antrian: Antrian) -> None:
    """Until `progress()` reaches `target`; fails only when it stops moving for STALLED seconds."""
    last, since = progress(), time.monotonic()
    while last < target:
        antrian.check_alive()
        time.sleep(0.2)
        now = progress()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > STALLED:
            pytest.fail(f"{what}: stuck at {last}/{target} for {STALLED:.0f}s\n{antrian.stuck()}")


def orders_and_receipts(rng: random.Random, first: int, count: int) -> list[dict[str, Any]]:
    """Orders for a few SKUs each (keyed by order: spread over partitions), with receipts among them."""
    messages: list[dict[str, Any]] = []
    for n in range(first, first + count):
        at = m.ts(1, minutes=n)
        if n % 8 == 0:
            messages.append(m.stock_received(f"rcv-{n}", rng.choice(SKUS), rng.randint(10, 60), at=at))
        else:
            skus = rng.sample(SKUS, rng.randint(1, 3))
            lines = [(str(i + 1), sku, rng.randint(1, 4)) for i, sku in enumerate(skus)]
            messages.append(
                m.order_placed(f"ord-{n}", f"O-{n}", lines, tier=rng.choice(["standard", "gold"]), at=at)
            )
    return messages


def test_two_engines_apply_repeated_bursts_exactly_once_without_hanging_and_publish_each_event_once(
    kafka_bootstrap, registry, store, antrian, upstream
):
    # Given two engines in one group on one store, both consuming, each starting its relay child,
    # and a store that already holds thousands of applied events
    antrian.env["ANTRIAN_ENGINE_ELECTION"] = "false"
    create_topics(kafka_bootstrap, registry, inbound_partitions=4)
    engines = [antrian.engine("--batch", "200"), antrian.engine("--batch", "200")]
    rng = random.Random(13)
    partitions = list(end_offsets(kafka_bootstrap, [t.name for t in registry.inbound()]))

    def consumed() -> int:
        return sum(positions(store, partitions).values())

    sent = setup_messages()  # the SKUs' supplier first: Kafka orders no two topics
    upstream.publish(sent)
    wait_while_progressing("the set-up applied", consumed, len(sent), antrian)
    preload = orders_and_receipts(rng, 0, PRELOAD)
    upstream.publish(preload)
    sent.extend(preload)
    wait_while_progressing("the preload applied", consumed, len(sent), antrian)

    # When a burst of a few thousand messages arrives, three times over
    for round_ in range(ROUNDS):
        burst = orders_and_receipts(rng, PRELOAD + round_ * BURST, BURST)
        upstream.publish(burst)
        sent.extend(burst)
        wait_while_progressing(f"burst {round_ + 1} applied", consumed, len(sent), antrian)
    wait_until_relayed(store, antrian)
    # (read while both run: once one stops, the other's standby relay rightly takes over)
    outputs = [antrian.output(engine).splitlines() for engine in engines]
    for engine in engines:
        assert antrian.stop(engine) == 0, antrian.tail(engine)

    # Then every message was applied exactly once, and none was refused
    assert Counter(applied_message_ids(store)) == Counter(message["message_id"] for message in sent)
    assert store.dead_letters() == []
    assert_versions_contiguous(store)
    placed = [message["order_id"] for message in sent if message["type"] == "OrderPlaced"]
    assert_books_balance(store, placed, SKUS)

    # And one relay published, the other stood by
    assert sorted(lines.count(ACTIVE) for lines in outputs) == [0, 1]
    assert sorted(lines.count(STANDBY) for lines in outputs) == [0, 1]

    # And every stored event was published exactly once
    records = read_topics(kafka_bootstrap, [t.name for t in registry.outbound()])
    published = Counter(decode(record.value).notification_id for record in records)
    assert set(published) == domain_notification_ids(store)
    assert published.most_common(1)[0][1] == 1
