"""Messages read out of order across topics end in the same state as read in order.

Kafka orders a partition, not the system: each topic (orders, inventory,
purchasing) is read in its own order, but one may lag the others by hours.
The stream is one day's trade of a small shop: suppliers, SKUs, purchase
orders confirmed, delayed and received, orders (one tier, so the allocation
order is placed-at order whatever the arrival) and cancellations. What is
compared is what the stock and the suppliers hold: units on hand, allocated
and waiting per line, and every PO's status and received quantities; promises
(ETAs) are made at the time each message is read and are not compared.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.bootstrap import build_engine
from infra.settings import Settings
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m

SKUS = ("A", "B", "C")
TOPIC = {
    "OrderPlaced": "orders",
    "OrderCancelled": "orders",
    "StockReceived": "inventory",
    "SkuConfigured": "inventory",
    "SupplierRegistered": "purchasing",
    "PurchaseOrderPlaced": "purchasing",
    "PurchaseOrderConfirmed": "purchasing",
    "PurchaseOrderDelayed": "purchasing",
}
MAX_SKEW_HOURS = 6  # a topic's producer or partition lagging the others by up to this
WAIT_MINUTES = 24 * 60  # longer than any skew here: nothing waits its time out


def trade(seed: int) -> list[dict[str, Any]]:
    """One day of messages in the order they happened."""
    rng = random.Random(seed)
    out = [m.supplier_registered("s-1", "S1", list(SKUS), at=m.ts(0))]
    out += [m.sku_configured(f"k-{sku}", sku, at=m.ts(0)) for sku in SKUS]
    for n, sku in enumerate(SKUS):
        po = f"PO-{sku}"
        placed = 0.5 + n * 0.25
        expected = m.day(1)
        out.append(m.po_placed(f"p-{sku}", po, [(sku, 20)], expected=expected, at=m.ts(0, placed)))
        # confirmed for the date it was placed with: the supplier's lateness is measured the same way
        out.append(m.po_confirmed(f"c-{sku}", po, expected, at=m.ts(0, placed + 0.5)))
        out.append(m.po_delayed(f"d-{sku}", po, m.day(2), at=m.ts(0, placed + 1)))
        out.append(m.stock_received(f"r-{sku}", sku, 12, po=po, supplier_id="S1", at=m.ts(0, 3 + n)))
        out.append(m.stock_received(f"r2-{sku}", sku, 8, po=po, supplier_id="S1", at=m.ts(0, 7 + n)))
    for i in range(40):
        at = m.ts(0, 0.1 + i * 0.25)
        lines = [("1", rng.choice(SKUS), rng.randint(1, 4))]
        out.append(m.order_placed(f"o-{i}", f"O{i}", lines, at=at))
        if i % 7 == 3:
            out.append(m.order_cancelled(f"x-{i}", f"O{i}", at=m.ts(0, 0.2 + i * 0.25)))
    return sorted(out, key=lambda raw: raw["occurred_at"])


def arrival_order(stream: list[dict[str, Any]], lags: dict[str, list[float]]) -> list[dict[str, Any]]:
    """The stream as read: each topic in its own order, each message late by its topic's lag then."""
    seen: dict[str, datetime] = {}
    arrivals = []
    for index, raw in enumerate(stream):
        topic = TOPIC[raw["type"]]
        at = datetime.fromisoformat(raw["occurred_at"].replace("Z", "+00:00"))
        lag = lags[topic][min(int((at - m.BASE).total_seconds() // 3600), len(lags[topic]) - 1)]
        arrives = max(at + timedelta(hours=lag), seen.get(topic, at))  # a topic is read in order
        seen[topic] = arrives
        arrivals.append((arrives, index, raw))
    return [raw for _, _, raw in sorted(arrivals, key=lambda a: (a[0], a[1]))]


def final_state(engine: Any) -> dict[str, Any]:
    stocks = {}
    for sku in SKUS:
        stock = engine.get_stock(sku)
        waiting = sorted((e.order_id, e.line_id, e.quantity) for e in stock.queue)
        stocks[sku] = (stock.total_on_hand, stock.allocated, waiting)
    orders = {}
    for i in range(40):
        line = engine.get_order(f"O{i}").lines["1"]
        orders[f"O{i}"] = (line.allocated, line.backordered, line.cancelled)
    supplier = engine.get_supplier("S1")
    pos = {
        po_id: (po.status.value, {sku: pl.received for sku, pl in po.lines.items()}, po.promised)
        for po_id, po in supplier.purchase_orders.items()
    }
    return {"stocks": stocks, "orders": orders, "pos": pos, "lateness": supplier.lateness_days}


def run(engine: Any, stream: list[dict[str, Any]], batch: int = 7) -> list[Any]:
    outcomes = []
    for start in range(0, len(stream), batch):
        outcomes += engine.handle_batch([parse_message(raw) for raw in stream[start : start + batch]])
        outcomes += engine.take_released()
    return outcomes


def engine_at(store: str, path: Path | None = None) -> Any:
    if store == "memory":
        return build_engine(Settings(store="memory", park_max_minutes=WAIT_MINUTES))
    return build_engine(Settings(store="sqlite", sqlite_path=path, park_max_minutes=WAIT_MINUTES))


def test_a_receipt_read_before_its_purchase_order_waits_and_is_counted_once_the_po_comes(tmp_path):
    # Given the purchasing topic six hours behind the inventory topic
    stream = trade(seed=1)
    lags = {"orders": [0.0], "inventory": [0.0], "purchasing": [6.0]}
    shuffled = arrival_order(stream, lags)
    assert shuffled.index(next(r for r in shuffled if r["message_id"] == "r-A")) < shuffled.index(
        next(r for r in shuffled if r["message_id"] == "p-A")
    )
    in_order, out_of_order = engine_at("memory"), engine_at("sqlite", tmp_path / "s.sqlite")
    # When both are read
    run(in_order, stream)
    outcomes = run(out_of_order, shuffled)
    # Then nothing was refused, some waited, none waits still, and the state is the in-order one
    statuses = {o.status for o in outcomes}
    assert Status.PARKED in statuses and not any(o.status.refused for o in outcomes)
    assert out_of_order.parked_waiting() == 0
    assert final_state(out_of_order) == final_state(in_order)
    assert out_of_order.dead_letters() == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 1000),
    lags=st.fixed_dictionaries(
        {topic: st.lists(st.floats(0, MAX_SKEW_HOURS), min_size=1, max_size=12) for topic in TOPIC.values()}
    ),
    batch=st.integers(1, 30),
)
def test_any_arrival_order_within_the_skew_ends_in_the_in_order_state(seed, lags, batch):
    stream = trade(seed)
    in_order, shuffled = engine_at("memory"), engine_at("memory")
    run(in_order, stream, batch)

    outcomes = run(shuffled, arrival_order(stream, lags), batch)

    assert not any(o.status.refused for o in outcomes), [o for o in outcomes if o.status.refused]
    assert shuffled.parked_waiting() == 0
    assert final_state(shuffled) == final_state(in_order)


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_message_whose_precondition_never_comes_is_dead_lettered_after_its_wait(store, tmp_path):
    # Given a receipt against a PO nobody placed, and a wait of 60 minutes
    settings_ = dict(park_max_minutes=60)
    engine = build_engine(
        Settings(store=store, sqlite_path=tmp_path / "s.sqlite", **settings_)
        if store == "sqlite"
        else Settings(store="memory", **settings_)
    )
    run(engine, [m.supplier_registered("s", "S1", ["A"]), m.sku_configured("k", "A")])
    (parked,) = run(engine, [m.stock_received("r", "A", 5, po="PO-9", supplier_id="S1", at=m.ts(0, 1))])
    assert parked.status is Status.PARKED
    # When message time passes the wait (other messages arrive)
    (later,) = engine.handle_batch([parse_message(m.sku_configured("k2", "A", at=m.ts(0, 2, 30)))])
    (released,) = engine.take_released()
    # Then it is refused with its reason and how long it waited, and kept as a dead letter
    assert later.status is Status.APPLIED
    assert released.status is Status.REJECTED and released.message_id == "r"
    assert "no purchase order 'PO-9'" in released.detail
    assert "waited 90 minutes for purchase order PO-9" in released.detail
    (letter,) = engine.dead_letters()
    assert (letter.source, letter.message_id) == ("parked:r", "r")
    assert engine.parked_waiting() == 0 and engine.get_stock("A").total_on_hand == 0
