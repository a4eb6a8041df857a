"""One engine consumes per store, the others stand by and take over (infra/election.py)."""

# ruff: noqa: F811 - the fixtures of test_kafka_processes are imported, then named as parameters

from __future__ import annotations

from collections import Counter

import pytest

from infra.election import ACTIVE, STANDBY
from tests import messages as m
from tests.e2e.test_kafka_processes import (  # noqa: F401 - fixtures among them
    antrian,
    applied_message_ids,
    prefix,
    registry,
    setup_messages,
    store,
    upstream,
    wait_for,
    wait_until_consumed,
)

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]


def said(antrian, engine, line: str) -> bool:
    return line in antrian.output(engine).splitlines()


def test_of_two_engines_one_consumes_and_the_standby_takes_over_when_it_is_killed(
    antrian, store, upstream, registry, kafka_bootstrap
):
    # Given two engines on one store: the first active, the second standing by
    first = antrian.engine("--batch", "20")
    wait_for("the first engine active", lambda: said(antrian, first, ACTIVE), antrian)
    second = antrian.engine("--batch", "20")
    wait_for("the second engine standing by", lambda: said(antrian, second, STANDBY), antrian)
    sent = setup_messages()
    upstream.publish(sent)
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    assert not said(antrian, second, ACTIVE)

    # When the active engine is killed (SIGKILL) and orders keep coming
    antrian.kill(first)
    orders = [
        m.order_placed(f"ord-{n}", f"O-{n}", [("1", "SKU-1", 1)], at=m.ts(1, minutes=n)) for n in range(40)
    ]
    upstream.publish(orders)
    sent.extend(orders)

    # Then the standby takes the lease, joins the group and consumes from the store's positions
    wait_for("the standby engine active", lambda: said(antrian, second, ACTIVE), antrian)
    wait_until_consumed(store, registry, kafka_bootstrap, antrian)
    assert antrian.stop(second) == 0, antrian.tail(second)

    # And every message was applied exactly once between them
    assert Counter(applied_message_ids(store)) == Counter(message["message_id"] for message in sent)


def test_a_standby_asked_to_stop_stops_cleanly_having_applied_nothing(antrian, store):
    # Given an active engine and a standby
    first = antrian.engine()
    wait_for("the first engine active", lambda: said(antrian, first, ACTIVE), antrian)
    second = antrian.engine()
    wait_for("the second engine standing by", lambda: said(antrian, second, STANDBY), antrian)

    # When the standby gets SIGTERM
    code = antrian.stop(second)

    # Then it exits 0, saying it stood by, and the active one carries on
    assert code == 0, antrian.tail(second)
    assert "stopped: applied 0, duplicates 0, dead letters 0 (stood by)" in antrian.output(second)
    assert first.poll() is None
    assert antrian.stop(first) == 0, antrian.tail(first)
