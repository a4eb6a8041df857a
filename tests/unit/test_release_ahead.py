"""Releasing a waiting line ahead, and withdrawing the release: the Stock's decisions, on their own."""

from __future__ import annotations

import pytest

from domain.errors import AlreadyReleasedAhead, LineNotWaiting, NotReleasedAhead
from domain.stock import Stock, StockState
from domain.values import Tier
from tests.unit.test_stock import cause, request, source


def _queue(stock: Stock) -> list[str]:
    return [entry.order_id for entry in stock.queue]


def waiting_stock(policy: str = "priority-fifo-v1", *orders: tuple[str, Tier]) -> Stock:
    """A SKU with nothing on hand and the orders waiting in the order given (minutes apart)."""
    stock = Stock(sku="A", policy=policy)
    stock.set_source(source(), cause("setup"))
    for minutes, (order_id, tier) in enumerate(orders or [(f"o{i}", Tier.STANDARD) for i in range(1, 5)]):
        stock.request(request(order_id, 2, tier, minutes=minutes), cause(f"r-{order_id}", minutes=minutes))
    stock.collect_events()
    return stock


def test_a_released_line_moves_to_the_front_and_the_lines_it_passes_move_back_one_place():
    stock = waiting_stock()

    stock.release_ahead("o3", "1", "hospital order", "token:ops", cause("ra", minutes=10))

    assert _queue(stock) == ["o3", "o1", "o2", "o4"]
    released = next(e for e in stock.collect_events() if isinstance(e, Stock.LineReleasedAhead))
    assert (released.plan.position_before, released.plan.position_after, released.plan.rank) == (3, 1, 1)
    assert [(p.order_id, p.position) for p in released.pushed_back] == [("o1", 2), ("o2", 3)]
    assert released.moved_back == 2
    assert released.by == "token:ops" and released.decision.inputs["by"] == "token:ops"
    assert "released ahead by token:ops (hospital order)" in released.decision.reason


def test_several_released_lines_keep_the_order_they_were_released_in():
    stock = waiting_stock()

    stock.release_ahead("o4", "1", "contract", "a", cause("ra-1", minutes=10))
    stock.release_ahead("o2", "1", "emergency", "b", cause("ra-2", minutes=11))

    assert _queue(stock) == ["o4", "o2", "o1", "o3"]
    assert [entry.released for entry in stock.queue] == [1, 2, None, None]


def test_a_higher_tier_arriving_later_joins_behind_the_released_lines():
    stock = waiting_stock()
    stock.release_ahead("o4", "1", "contract", "a", cause("ra", minutes=10))

    stock.request(request("p1", 1, Tier.PLATINUM, minutes=20), cause("r-p1", minutes=20))

    assert _queue(stock) == ["o4", "p1", "o1", "o2", "o3"]


def test_arriving_stock_serves_released_lines_first():
    stock = waiting_stock()
    stock.release_ahead("o4", "1", "contract", "a", cause("ra", minutes=10))
    stock.collect_events()

    effects = stock.receive("main", 3, None, cause("in", minutes=20))

    assert [(fill.order_id, fill.quantity) for fill, _ in effects.filled] == [("o4", 2), ("o1", 1)]


def test_a_withdrawn_release_puts_the_line_back_at_its_policy_place():
    stock = waiting_stock()
    stock.release_ahead("o3", "1", "hospital order", "a", cause("ra", minutes=10))
    stock.collect_events()

    stock.withdraw_release("o3", "1", "covered elsewhere", "b", cause("rw", minutes=11))

    assert _queue(stock) == ["o1", "o2", "o3", "o4"]
    withdrawn = next(e for e in stock.collect_events() if isinstance(e, Stock.ReleaseWithdrawn))
    assert (withdrawn.plan.position_before, withdrawn.plan.position_after) == (1, 3)
    assert [(p.order_id, p.position) for p in withdrawn.moved_forward] == [("o1", 1), ("o2", 2)]
    assert withdrawn.by == "b"


def test_releasing_a_line_moves_the_promises_of_the_lines_behind_it():
    stock = waiting_stock()
    before = {entry.order_id: entry.eta for entry in stock.queue}

    effects = stock.release_ahead("o4", "1", "contract", "a", cause("ra", minutes=10))

    assert before["o4"] is not None
    assert {change.order_id for change, _ in effects.etas} <= {"o1", "o2", "o3", "o4"}
    assert all(entry.eta is not None for entry in stock.queue)


def test_only_a_waiting_line_can_be_released():
    stock = waiting_stock()

    with pytest.raises(LineNotWaiting) as error:
        stock.release_ahead("nobody", "1", "x", "a", cause("ra"))

    assert error.value.field == "line_id"


def test_a_line_cannot_be_released_twice():
    stock = waiting_stock()
    stock.release_ahead("o2", "1", "x", "a", cause("ra"))

    with pytest.raises(AlreadyReleasedAhead) as error:
        stock.release_ahead("o2", "1", "x", "a", cause("ra-2"))

    assert error.value.field == "line_id"


def test_a_release_cannot_be_withdrawn_from_a_line_not_released():
    stock = waiting_stock()

    with pytest.raises(NotReleasedAhead) as error:
        stock.withdraw_release("o2", "1", "x", "a", cause("rw"))

    assert error.value.field == "line_id"


def test_a_released_line_keeps_its_place_through_a_policy_change_and_a_snapshot():
    stock = waiting_stock("fifo-v1", ("o1", Tier.STANDARD), ("o2", Tier.GOLD), ("o3", Tier.STANDARD))
    stock.release_ahead("o3", "1", "x", "a", cause("ra", minutes=10))

    stock.configure(0, 0, "priority-fifo-v1", cause("cfg", minutes=11))
    restored = Stock.Snapshot.take(stock).mutate(None)

    assert _queue(stock) == ["o3", "o2", "o1"]
    assert _queue(restored) == _queue(stock) and restored.queue[0].released == 1
    assert isinstance(Stock.Snapshot.take(stock).state, StockState)
