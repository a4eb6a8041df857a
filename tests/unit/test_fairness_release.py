"""The fairness buffer's release rule: which held records go to the engine, and in what order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from infra.kafka.fairness import FairnessBuffer
from services.contracts import Message
from services.parsing import parse_message

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


class TP(NamedTuple):
    topic: str
    partition: int


class Record(NamedTuple):
    offset: int


P0, P1 = TP("orders", 0), TP("orders", 1)


def order(order_id: str, minutes: int) -> Message:
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    return parse_message(
        {
            "message_id": f"m-{order_id}",
            "type": "OrderPlaced",
            "occurred_at": at,
            "order_id": order_id,
            "customer_id": "c",
            "placed_at": at,
            "lines": [{"line_id": "1", "sku": "S", "quantity": 1}],
            "contact": {"email": "c@example.com"},
        }
    )


def held(buffer: FairnessBuffer, tp: TP, *orders: tuple[int, str, int]) -> None:
    buffer.add(tp, [(Record(offset), order(order_id, minutes)) for offset, order_id, minutes in orders])


def ids(released: list[Any]) -> list[str]:
    return [h.parsed.order_id for h in released]


def test_a_partition_that_has_not_delivered_holds_back_the_others() -> None:
    # Given two assigned partitions, one with a backlog not read yet
    buffer = FairnessBuffer(WINDOW)
    buffer.assigned([P0, P1])
    held(buffer, P0, (0, "late-placed", 60), (1, "later-placed", 120))
    # When only one partition has delivered
    # Then nothing is released: the other may hold older orders
    assert buffer.release() == []


def test_orders_are_released_in_placed_at_order_across_partitions_once_past_the_window() -> None:
    # Given both partitions delivered, each in its own offset order
    buffer = FairnessBuffer(WINDOW)
    buffer.assigned([P0, P1])
    held(buffer, P0, (0, "b", 10), (1, "d", 30), (2, "f", 50))
    held(buffer, P1, (0, "a", 0), (1, "c", 20), (2, "e", 40))
    # When released: only what is a window older than the slowest partition's frontier (40 min)
    # Then in placed_at order, merging the partitions
    assert ids(buffer.release()) == ["a", "b", "c", "d"]
    # And the rest once the partitions are idle
    assert ids(buffer.release(idle=True)) == ["e", "f"]
    assert len(buffer) == 0


def test_a_caught_up_partition_holds_nothing_back() -> None:
    buffer = FairnessBuffer(WINDOW)
    buffer.assigned([P0, P1])
    held(buffer, P0, (0, "a", 0), (1, "b", 10))
    buffer.caught_up(P1, True)
    assert ids(buffer.release()) == ["a"]  # b is within the window of the newest time seen


def test_a_partition_keeps_its_offset_order_and_an_older_message_behind_a_newer_one_is_flagged_late() -> None:
    # Given a partition whose second record was placed before its first
    buffer = FairnessBuffer(WINDOW)
    buffer.assigned([P0])
    held(buffer, P0, (0, "newer", 30), (1, "older", 0))
    # When released
    released = buffer.release(idle=True)
    # Then in offset order (its stored position stays the first record not applied), the older one late
    assert ids(released) == ["newer", "older"]
    assert [h.late_by for h in released] == [None, timedelta(minutes=30)]


def test_an_order_arriving_after_later_ones_were_released_is_flagged_with_how_late_it_is() -> None:
    buffer = FairnessBuffer(WINDOW)
    buffer.assigned([P0, P1])
    held(buffer, P0, (0, "a", 100))
    buffer.caught_up(P1, True)
    assert ids(buffer.release(idle=True)) == ["a"]
    held(buffer, P1, (0, "from-before", 40))
    (late,) = buffer.release(idle=True)
    assert late.late_by == timedelta(minutes=60)


def test_more_than_max_held_releases_the_oldest_whatever_the_window() -> None:
    buffer = FairnessBuffer(WINDOW, max_held=2)
    buffer.assigned([P0, P1])
    held(buffer, P0, (0, "a", 0), (1, "b", 1), (2, "c", 2))
    assert ids(buffer.release()) == ["a"]


def test_revoked_partitions_are_forgotten_with_what_they_held() -> None:
    buffer = FairnessBuffer(WINDOW)
    buffer.assigned([P0, P1])
    held(buffer, P0, (0, "a", 0))
    held(buffer, P1, (0, "b", 1))
    buffer.drop([P1])
    assert ids(buffer.release(idle=True)) == ["a"]
