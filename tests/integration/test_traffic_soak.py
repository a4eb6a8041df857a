"""Realistic traffic (bench/traffic/generator.py) through the ingest path: the books add up, a re-sent
file changes nothing, and a run cut short then run again ends where one clean run ends."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.traffic.generator import realistic
from domain.order import Order
from domain.stock import Stock
from services.ingest import apply_lines
from services.outcomes import Outcome, Status
from tests.conftest import make_engine
from tests.state import recorded, snapshot_of

BATCH = 50


def ingest(db: Path, lines: list[bytes]) -> list[Outcome]:
    """As `antrian ingest` does: parse, then batches in one transaction each; the store closed after."""
    engine = make_engine("sqlite", db)
    outcomes: list[Outcome] = []
    try:
        for start in range(0, len(lines), BATCH):
            outcomes += apply_lines(engine, lines[start : start + BATCH])
    finally:
        engine.close()
    return outcomes


def books(db: Path) -> dict:
    engine = make_engine("sqlite", db)
    try:
        check_the_books_add_up(engine)
        return snapshot_of(engine)
    finally:
        engine.close()


def check_the_books_add_up(engine) -> None:
    aggregates = [engine.repository.get(i) for i in recorded(engine)]
    stocks = {a.sku: a for a in aggregates if isinstance(a, Stock)}
    for stock in stocks.values():
        assert 0 <= stock.allocated <= stock.total_on_hand, stock.sku
        assert stock.waiting == sum(entry.quantity for entry in stock.queue), stock.sku
        assert stock.available == 0 or not stock.queue, f"{stock.sku}: units free while lines wait"
    for order in (a for a in aggregates if isinstance(a, Order)):
        for line_id, line in order.lines.items():
            parts = (line.allocated_total, line.backordered, line.cancelled, line.shipped)
            assert min(parts) >= 0 and sum(parts) == line.quantity, (order.order_id, line_id, parts)
            entry = stocks[line.sku].queued(order.order_id, line_id)
            assert (entry.quantity if entry else 0) == line.backordered, (order.order_id, line_id)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), cut=st.floats(0.05, 0.95))
def test_realistic_traffic_adds_up_re_sent_changes_nothing_and_a_cut_run_ends_where_one_run_ends(
    tmp_path_factory, seed, cut
):
    folder = tmp_path_factory.mktemp("soak")
    lines = realistic(400, skus=3, seed=seed, waiting_per_sku=30).lines

    # One clean run
    first = ingest(folder / "one.sqlite", lines)
    once = books(folder / "one.sqlite")
    assert {o.status for o in first} >= {Status.APPLIED}

    # The same file sent again: nothing applied, every refusal the same
    again = ingest(folder / "one.sqlite", lines)
    assert Status.APPLIED not in {o.status for o in again}
    for before, after in zip(first, again, strict=True):
        if before.status is Status.REJECTED and after.status is Status.REFUSED_BEFORE:
            assert after.detail == f"refused before: {before.detail}"
        elif before.status is Status.APPLIED:
            assert after.status is Status.DUPLICATE
        elif before.status is Status.PARKED:  # waits still, or waited its time and was refused
            assert after.status in (Status.PARKED, Status.REFUSED_BEFORE), (before, after)
        else:
            assert after.status is before.status, (before, after)
    assert books(folder / "one.sqlite") == once

    # A run cut short (the process gone between batches), then the whole file again
    stop = int(len(lines) * cut) // BATCH * BATCH
    ingest(folder / "cut.sqlite", lines[:stop])
    ingest(folder / "cut.sqlite", lines)
    assert books(folder / "cut.sqlite") == once


def test_a_realistic_stream_sets_every_sku_up_for_a_policy_and_its_frequent_buyers_meet_a_quota(tmp_path):
    quota = {"units": 4, "period": "week", "per": "customer", "beyond": "unwanted"}
    fields = {"schema_version": 4, "reason": "bench", "allocation_policy": "quota-v1", "quota": quota}
    lines = realistic(1_500, skus=3, seed=3, waiting_per_sku=30, sku_fields=fields).lines
    ingest(tmp_path / "quota.sqlite", lines)
    engine = make_engine("sqlite", tmp_path / "quota.sqlite")
    try:
        stocks = [a for a in map(engine.repository.get, recorded(engine)) if isinstance(a, Stock)]
        assert {s.policy for s in stocks} == {"quota-v1"} and all(s.quota is not None for s in stocks)
        held = [
            e
            for s in stocks
            for e in engine.repository.event_store.get(s.id)
            if "quota of 4/week for customer C-F" in str(getattr(getattr(e, "decision", None), "reason", ""))
        ]
        assert held, "no frequent buyer met a quota"
    finally:
        engine.close()
