"""A line that higher tiers overtake: its customer hears of it once it lost a few places, and its audit says why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from projections.audit import AuditProjection
from projections.audit_timeline import order_timeline
from projections.notifications.channels import FileChannel
from projections.notifications.compose import PUSH_TOLD
from projections.notifications.dispatcher import Dispatcher
from projections.notifications.projection import NotificationsProjection
from projections.store import SqliteReadStore
from tests.messages import apply, order_placed, sku_configured, ts
from tests.support.read_side import project

pytestmark = pytest.mark.integration

# Three standard customers wait for A (nobody sells it: no date, so only places move)
WAITING = (
    sku_configured("cfg", "A"),
    *(order_placed(f"s{i}", f"S{i}", (("1", "A", 2),), at=ts(0, i)) for i in (1, 2, 3)),
)


def gold(n: int) -> dict:
    return order_placed(f"g{n}", f"G{n}", (("1", "A", 1),), tier="gold", at=ts(1, n))


def outbox(store: SqliteReadStore) -> list[tuple[str, str, str]]:
    with store.reading() as tx:
        return [
            tuple(row)
            for row in tx.all(
                "SELECT idempotency_key, kind, body FROM notifications WHERE kind = 'pushed_back' "
                "ORDER BY idempotency_key"
            )
        ]


def test_a_customer_overtaken_by_higher_tiers_is_told_once_they_lost_enough_places(memory_engine, tmp_path):
    store = SqliteReadStore(tmp_path / "read.sqlite")
    apply(memory_engine, *WAITING)
    project(memory_engine, [NotificationsProjection()], store)
    clock = lambda: datetime(2026, 1, 6, tzinfo=UTC)  # noqa: E731
    Dispatcher(store, FileChannel(tmp_path / "sent.jsonl"), clock=clock).dispatch()  # told places 1, 2, 3

    # When fewer gold orders than PUSH_TOLD join ahead: not worth a message
    apply(memory_engine, *(gold(n) for n in range(1, PUSH_TOLD)))
    project(memory_engine, [NotificationsProjection()], store)
    assert outbox(store) == []

    # When one more joins: each standard line is PUSH_TOLD places behind what its customer heard
    apply(memory_engine, gold(PUSH_TOLD))
    project(memory_engine, [NotificationsProjection()], store)
    told = outbox(store)
    assert [key.split(":")[0] for key, _, _ in told] == ["S1", "S2", "S3"]
    assert "moved from position 1 to 4" in told[0][2] and "wait at position 4" in told[0][2]
    assert "moved from position 3 to 6" in told[2][2]
    store.close()


def test_an_overtaken_orders_audit_shows_who_joined_ahead_and_its_new_place(memory_engine):
    apply(memory_engine, *WAITING, gold(1))
    runner = project(memory_engine, [AuditProjection()])

    with runner.store.reading() as tx:
        timeline = order_timeline(tx, "S2")

    (joined,) = [e for e in timeline if e.event_type == "Stock.LineRequested" and e.data["order_id"] == "G1"]
    assert "joined ahead of 3 waiting line(s): S2/1 (now 3) (and 2 other line(s))" in joined.summary
