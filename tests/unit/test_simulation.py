"""The `antrian demo` shop simulation, run small against the in-memory store."""

from __future__ import annotations

from collections import Counter

import pytest

from infra.bootstrap import build_engine
from infra.settings import Settings
from services.parsing import parse_message
from simulation import DemoOptions, DemoSummary, generate_messages, run_demo
from simulation.readback import Tally, summarize

SMALL = DemoOptions(days=10, skus=5, orders_per_day=10)
MEDIUM = DemoOptions(seed=3, days=21, skus=8, orders_per_day=20)


def memory_engine():
    return build_engine(Settings(store="memory"))


def run(options: DemoOptions = SMALL, **kwargs) -> DemoSummary:
    return run_demo(memory_engine(), options, **kwargs)


@pytest.fixture(scope="module")
def small_run():
    engine = memory_engine()
    return engine, run_demo(engine, SMALL)


@pytest.fixture(scope="module")
def medium_stream() -> list[dict]:
    return list(generate_messages(MEDIUM, build_engine(Settings(store="memory"))))


def test_the_demo_is_deterministic_for_a_seed():
    assert run().render() == run().render()


def test_a_different_seed_gives_a_different_run():
    other = DemoOptions(
        seed=SMALL.seed + 1, days=SMALL.days, skus=SMALL.skus, orders_per_day=SMALL.orders_per_day
    )
    assert run().render() != run(other).render()


def test_the_fill_rate_is_a_share_of_the_lines(small_run):
    _, summary = small_run
    assert summary.lines > 0
    assert 0.0 <= summary.fill_rate <= 1.0
    # a new line is either allocated in full or (partly) backordered
    assert summary.lines_filled_at_order + summary.backordered_lines == summary.lines


def test_a_sane_shop_sends_no_message_the_engine_rejects(small_run):
    _, summary = small_run
    assert summary.rejected == 0, summary.rejections
    assert summary.applied == summary.messages > 0


def test_the_summary_names_what_a_reader_looks_for(small_run):
    _, summary = small_run
    text = summary.render()
    for heading in (
        "Messages",
        "Fill rate",
        "Backorders",
        "wait",
        "promises",
        "Cancellations",
        "Substitutes",
        "Purchasing",
    ):
        assert heading in text


def test_order_lines_still_add_up_after_the_demo(small_run):
    engine, summary = small_run
    orders = [engine.get_order(f"SO-{n:06d}") for n in range(1, summary.orders + 1)]
    for order in orders:
        for line in order.lines.values():
            assert line.backordered >= 0
            assert line.allocated_total + line.backordered + line.cancelled + line.shipped == line.quantity
    assert summary.still_waiting_lines == sum(
        1 for order in orders for line in order.lines.values() if line.backordered
    )


def test_generated_messages_are_valid_upstream_messages_in_simulated_time_order(medium_stream):
    ids = [message["message_id"] for message in medium_stream]
    assert ids == [f"demo-{n:07d}" for n in range(1, len(ids) + 1)]
    stamps = [message["occurred_at"] for message in medium_stream]
    assert all(stamp.endswith("Z") for stamp in stamps)
    assert stamps == sorted(stamps)
    assert stamps[0].startswith(MEDIUM.start.isoformat())
    for message in medium_stream:
        parse_message(message)
        if message["type"] == "OrderPlaced":
            assert message["placed_at"] == message["occurred_at"]


def test_the_shop_speaks_every_kind_of_message_a_real_shop_would(medium_stream):
    kinds = Counter(message["type"] for message in medium_stream)
    expected = {
        "SkuConfigured",
        "SupplierRegistered",
        "StockReceived",
        "SubstitutesDeclared",
        "OrderPlaced",
        "OrderShipped",
        "OrderCancelled",
        "PurchaseOrderPlaced",
        "PurchaseOrderConfirmed",
        "PurchaseOrderDelayed",
        "SubstituteAccepted",
    }
    assert expected <= set(kinds), expected - set(kinds)


def test_the_generated_stream_replays_to_the_same_summary_as_the_run(medium_stream):
    engine = memory_engine()
    tally = Tally()
    for message in medium_stream:
        tally.add(engine.handle_raw(message), message)
    assert summarize(engine, MEDIUM, tally).render() == run(MEDIUM).render()


def test_progress_is_reported_at_the_end_of_every_day():
    seen: list[tuple[int, int]] = []
    run(
        DemoOptions(days=3, skus=3, orders_per_day=5),
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_the_demo_refuses_a_store_that_already_holds_events():
    engine = memory_engine()
    run_demo(engine, DemoOptions(days=1, skus=2, orders_per_day=2))
    with pytest.raises(ValueError, match="empty store"):
        run_demo(engine, DemoOptions(days=1, skus=2, orders_per_day=2))


@pytest.mark.parametrize("field", ["days", "skus", "orders_per_day"])
def test_options_below_one_are_refused(field):
    with pytest.raises(ValueError, match=field):
        DemoOptions(**{field: 0})
