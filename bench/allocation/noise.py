"""The real traffic on top of a world: customers who cancel, messages to be refused, re-sends."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bench.allocation.sending import T0, Msg, Sender, poisson, still
from bench.workload import order_placed


def cancellations(rng: random.Random, orders: list[tuple[str, datetime, list[str]]], sender: Sender) -> None:
    """One order in twenty cancelled by its customer 1-10 days later (whole, or one line)."""
    for order_id, at, line_ids in orders:
        if rng.random() < 0.05:
            when = at + timedelta(days=rng.uniform(1, 10))
            cancel: Msg = {"type": "OrderCancelled", "message_id": sender.ident(), "order_id": order_id}
            if len(line_ids) > 1 and rng.random() < 0.5:
                cancel["line_ids"] = [rng.choice(line_ids)]
            sender.send(cancel, when, kind="OrderCancelled")


def refusals(rng: random.Random, days: int, skus: list[str], sender: Sender, per_day: float) -> None:
    """`per_day` messages to be refused: absurd values, unknown SKUs and orders, the far future.

    A cancel or a shipment of an order nobody placed is parked first (it may be early) and
    refused once it has waited its time: the engine's answer to a message out of order.
    """
    for d in range(days):
        for _ in range(poisson(rng, per_day)):
            at = T0 + timedelta(days=d, seconds=rng.uniform(0, 86_400))
            kind = rng.randrange(5)
            sku = rng.choice(skus)
            msg: Msg
            if kind == 0:
                quantity = rng.choice([0, -2, "3", 18_446_744_073_709_551_615])
                msg = order_placed(still(at, "x"), f"BAD-{sender.count}", [(sku, 1)])
                msg["lines"][0]["quantity"] = quantity
            elif kind == 1:
                msg = order_placed(still(at, "x"), f"BAD-{sender.count}", [("NO-SUCH-SKU", 1)])
            elif kind == 2:
                msg = {"type": "OrderCancelled", "order_id": f"SO-NOBODY-{sender.count}"}
            elif kind == 3:
                msg = {"type": "StockReceived", "sku": sku, "quantity": 1_000_000_000_000}
            else:
                msg = {
                    "type": "OrderShipped",
                    "order_id": f"SO-NOBODY-{sender.count}",
                    "lines": [{"line_id": "1"}],
                }
            msg["message_id"] = sender.ident()
            sender.send(msg, at, kind="refused")
            if kind == 3 and rng.random() < 0.5:
                msg["occurred_at"] = "9999-12-31T23:59:59Z"


def resend(rng: random.Random, stream: list[Msg], sender: Sender) -> list[Msg]:
    """3% of messages sent again, a few to a few hundred messages later (the same dict: same bytes)."""
    out: list[Msg] = []
    pending: list[tuple[int, Msg]] = []
    for i, message in enumerate(stream):
        out.append(message)
        if rng.random() < 0.03:
            pending.append((i + rng.randint(1, 300), message))
        due = [m for at, m in pending if at <= i]
        pending = [(at, m) for at, m in pending if at > i]
        out.extend(due)
    out.extend(m for _, m in pending)
    sender.sent["re-sent"] = len(out) - len(stream)
    return out
