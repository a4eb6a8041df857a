"""`antrian demo --warm-up-days N`: the shop sells N days before the days its summary reports on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.bootstrap import build_engine
from infra.settings import Settings
from simulation import DemoOptions, generate_messages, run_demo
from simulation.readback import notifications

PLAIN = DemoOptions(seed=5, days=10, skus=5, orders_per_day=10)
WARMED = replace(PLAIN, days=4, warm_up_days=6)  # the same ten days, reporting on the last four


def memory_engine():
    return build_engine(Settings(store="memory"))


def test_a_warm_up_runs_the_same_shop_as_a_plain_run_of_all_its_days():
    assert list(generate_messages(WARMED, memory_engine())) == list(generate_messages(PLAIN, memory_engine()))


def test_after_a_warm_up_the_summary_counts_the_orders_placed_after_it_and_the_whole_runs_messages():
    plain_engine, warmed_engine = memory_engine(), memory_engine()
    plain, warmed = run_demo(plain_engine, PLAIN), run_demo(warmed_engine, WARMED)

    placed = [
        plain_engine.mapper.to_domain_event(note)
        for note in notifications(plain_engine)
        if note.topic.endswith(":Order.Placed")
    ]
    late = [e for e in placed if e.placed_at.date() >= WARMED.window_start]
    assert 0 < len(late) < len(placed)
    assert warmed.orders == len(late) and plain.orders == len(placed)
    assert warmed.lines == sum(len(e.lines) for e in late)
    assert warmed.messages == plain.messages and warmed.applied == plain.applied
    assert warmed.backordered_lines <= plain.backordered_lines


def test_after_a_warm_up_stock_is_the_mean_of_the_reported_days():
    engine = memory_engine()
    warmed = run_demo(engine, WARMED)
    plain = run_demo(memory_engine(), PLAIN)
    # The plain run's mean over ten days is the warm-up's six days and the reported four, weighted
    first_six = run_demo(memory_engine(), replace(PLAIN, days=6))
    assert plain.mean_on_hand * 10 == pytest.approx(first_six.mean_on_hand * 6 + warmed.mean_on_hand * 4)


def test_the_summary_says_when_the_shop_opened_and_what_the_figures_cover():
    text = run_demo(memory_engine(), WARMED).render()
    assert "4 days from 2026-01-11" in text
    assert "the shop opened 6 days earlier, on 2026-01-05" in text


def test_a_negative_warm_up_is_refused_naming_the_option():
    with pytest.raises(ValueError, match="warm_up_days"):
        DemoOptions(warm_up_days=-1)
