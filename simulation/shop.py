"""The shop floor: customers order, change their minds and answer offers;
the warehouse counts and ships. Together with purchasing, it writes the
demo's message stream, reacting to what the engine decided so far.

A day: suppliers deliver (05:00) and confirm or announce delays (06:00-08:00),
customers are active 08:00-22:00, a cycle count now and then (15:00), the
warehouse ships what is ready (17:00), purchasing reviews (22:30).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from services.planning.runs import PlanSettings
from simulation.agenda import Agenda, Outbox
from simulation.planning import EVERY_DAYS, Planner
from simulation.purchasing import Purchasing
from simulation.world import (
    LINE_WEIGHTS,
    LINES_PER_ORDER,
    QUANTITIES,
    QUANTITY_WEIGHTS,
    Customer,
    DemoOptions,
    at,
    build_world,
    day_of,
    setup_messages,
)

WEEKDAY_FACTOR = (1.0, 1.05, 1.0, 1.1, 1.15, 0.75, 0.6)  # Monday first
CANCEL_REASONS = ("customer request", "found it cheaper elsewhere", "waited too long", "ordered by mistake")
SHIP_SAME_DAY = 0.92  # the rest are picked the next day


class Shop:
    def __init__(
        self,
        options: DemoOptions,
        engine: Any,
        on_day_end: Callable[[int, int], None] | None = None,
        plan_settings: PlanSettings | None = None,
    ) -> None:
        self.options = options
        self.engine = engine
        self.on_day_end = on_day_end
        root = random.Random(options.seed)
        streams = [random.Random(root.getrandbits(64)) for _ in range(4)]
        self.world = build_world(options, streams[0])
        self.demand, self.customers, self.warehouse = streams[1:4]
        self.outbox = Outbox()
        self.agenda = Agenda()
        self.purchasing = Purchasing(
            self.world,
            engine,
            self.outbox,
            self.agenda,
            random.Random(root.getrandbits(64)),
            follow_engine=options.planning,
        )
        self.planner = (
            Planner(self.world, engine, self.outbox, options.seed, plan_settings)
            if options.planning
            else None
        )
        self.base_weights = [plan.daily_units for plan in self.world.skus]
        self.customer_weights = list(accumulate(c.weight for c in self.world.customers))
        self.spikes: list[tuple[int, float, date]] = []  # (SKU index, demand multiplier, last day)
        self.open_orders: dict[str, None] = {}  # placed and not known to be closed, oldest first
        self.orders = 0

    def messages(self) -> Iterator[dict]:
        opening = at(self.options.start, 0)
        for type_, fields in setup_messages(self.world, self.options.planning):
            yield self.outbox.message(type_, opening, **fields)
        for index in range(self.options.run_days):
            day = day_of(self.options, index)
            self._plan_day(day)
            if self.planner is not None and (index + 1) % EVERY_DAYS == 0:
                self.agenda.schedule(at(day, 22), self.planner.plan_and_apply)
            yield from self.agenda.run_until(at(day + timedelta(days=1), 0))
            if self.on_day_end is not None:
                self.on_day_end(index + 1, self.options.run_days)

    # --------------------------------------------------------------- planning
    def _plan_day(self, day: date) -> None:
        rng = self.demand
        self.spikes = [spike for spike in self.spikes if spike[2] >= day]
        if rng.random() < 0.15:
            until = day + timedelta(days=rng.randint(1, 3))
            self.spikes.append((rng.randrange(len(self.world.skus)), rng.uniform(3.0, 5.0), until))
        season = self.world.variability.demand_factor
        weights = [plan.daily_units * season(plan.sku, day) for plan in self.world.skus]
        for index, factor, _ in self.spikes:
            weights[index] *= factor
        busy = sum(weights) / sum(self.base_weights)
        count = round(
            self.options.orders_per_day * WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.85, 1.15) * busy
        )
        for minute in sorted(rng.randrange(14 * 60) for _ in range(count)):
            self.agenda.schedule(
                at(day, 8) + timedelta(minutes=minute), self._place, self._new_order(weights)
            )
        for _ in range(sum(rng.random() < 0.035 for _ in range(self.options.orders_per_day))):
            self.agenda.schedule(
                at(day, 8, rng.randrange(60)) + timedelta(hours=rng.randrange(14)), self._cancel
            )
        if rng.random() < 0.5:
            self.agenda.schedule(at(day, 9 + rng.randrange(12), rng.randrange(60)), self._watch)
        if rng.random() < 0.2:
            self.agenda.schedule(at(day, 15), self._count)
        self.agenda.schedule(at(day, 17), self._ship)
        self.agenda.schedule(at(day, 22, 30), self.purchasing.review)

    def _new_order(self, weights: list[float]) -> dict:
        rng = self.demand
        customer = self._customer(rng)
        wanted = min(rng.choices(LINES_PER_ORDER, LINE_WEIGHTS)[0], len(weights))
        left = list(weights)
        lines = []
        for number in range(1, wanted + 1):
            index = rng.choices(range(len(left)), weights=left)[0]
            left[index] = 0.0
            quantity = rng.choices(QUANTITIES, QUANTITY_WEIGHTS)[0]
            lines.append({"line_id": f"L{number}", "sku": self.world.skus[index].sku, "quantity": quantity})
        self.orders += 1
        order = {
            "order_id": f"SO-{self.orders:06d}",
            "customer_id": customer.customer_id,
            "customer_tier": customer.tier,
            "lines": lines,
            "shipping_preference": "complete"
            if wanted > 1 and rng.random() < customer.complete
            else "partial",
            "accept_substitutes": rng.random() < customer.substitutes,
            "contact": {"email": customer.email, "locale": customer.locale},
        }
        if customer.max_wait_days is not None and rng.random() < 0.8:
            order["max_wait_days"] = customer.max_wait_days
        return order

    def _customer(self, rng: random.Random) -> Customer:
        return rng.choices(self.world.customers, cum_weights=self.customer_weights)[0]

    # -------------------------------------------------------------- customers
    def _place(self, when: datetime, order: dict):
        message = self.outbox.message("OrderPlaced", when, **order)
        message["placed_at"] = message["occurred_at"]
        yield message
        placed = self._order(order["order_id"])
        if placed is None:
            return
        self.open_orders[placed.order_id] = None
        for line_id, line in placed.lines.items():
            if line.offer is not None and line.backordered:
                answer = when + timedelta(minutes=self.customers.randint(20, 6 * 60))
                self.agenda.schedule(answer, self._answer_offer, placed.order_id, line_id)

    def _answer_offer(self, when: datetime, order_id: str, line_id: str):
        order = self._order(order_id)
        line = order.lines[line_id] if order is not None else None
        if line is None or line.offer is None or not line.backordered:
            return  # filled or cancelled meanwhile: nothing to answer
        accept = self.customers.random() < 0.65 and self._can_accept(line)
        yield self.outbox.message(
            "SubstituteAccepted" if accept else "SubstituteDeclined", when, order_id=order_id, line_id=line_id
        )

    def _can_accept(self, line: Any) -> bool:
        """What the storefront checks before it lets a customer accept an offer."""
        substitute = self.engine.get_stock(line.offer.sku)
        return not substitute.queue and substitute.available >= line.backordered

    def _cancel(self, when: datetime):
        rng = self.customers
        open_lines: list[tuple[str, list[str], list[str]]] = []  # (order, open lines, backordered lines)
        for order in self._open_orders():
            lines = [lid for lid, line in order.lines.items() if line.is_open]
            waiting = [lid for lid, line in order.lines.items() if line.backordered]
            open_lines.append((order.order_id, lines, waiting))
        waiting_orders = [entry for entry in open_lines if entry[2]]
        pool = waiting_orders if waiting_orders and rng.random() < 0.6 else open_lines
        if not pool:
            return
        order_id, lines, waiting = rng.choice(pool)
        fields: dict[str, Any] = {"order_id": order_id, "reason": rng.choice(CANCEL_REASONS)}
        choices = waiting or lines
        if len(lines) > 1 and rng.random() < 0.5:
            fields["line_ids"] = sorted(
                rng.sample(choices, rng.randint(1, min(len(choices), len(lines) - 1)))
            )
        yield self.outbox.message("OrderCancelled", when, **fields)

    def _watch(self, when: datetime):
        out = [plan.sku for plan in self.world.skus if self.engine.get_stock(plan.sku).available <= 0]
        if not out:
            return
        customer = self._customer(self.customers)
        contact = {"email": customer.email, "locale": customer.locale}
        sku = self.customers.choice(out)
        yield self.outbox.message(
            "BackInStockRequested", when, sku=sku, customer_id=customer.customer_id, contact=contact
        )

    # -------------------------------------------------------------- warehouse
    def _count(self, when: datetime):
        rng = self.warehouse
        sku = rng.choice(self.world.skus).sku
        on_hand = self.engine.get_stock(sku).on_hand.get("main", 0)
        counted = max(0, on_hand + rng.choice((-3, -2, -1, -1, 1, 2)))
        if counted != on_hand:
            reason = "cycle count: damaged units" if counted < on_hand else "cycle count: units found"
            yield self.outbox.message("StockAdjusted", when, sku=sku, counted=counted, reason=reason)

    def _ship(self, when: datetime):
        for order in self._open_orders():
            if not order.ready_to_ship or self.warehouse.random() >= SHIP_SAME_DAY:
                continue
            lines = [{"line_id": lid} for lid, line in order.lines.items() if line.allocated_total]
            yield self.outbox.message("OrderShipped", when, order_id=order.order_id, lines=lines)

    # ------------------------------------------------------------------ reads
    def _order(self, order_id: str) -> Any | None:
        try:
            return self.engine.get_order(order_id)
        except AggregateNotFoundError:
            return None

    def _open_orders(self) -> list[Any]:
        """Orders with something still to allocate or ship; forgets the others."""
        found = []
        for order_id in list(self.open_orders):
            order = self._order(order_id)
            if order is None or not any(line.is_open for line in order.lines.values()):
                del self.open_orders[order_id]
            else:
                found.append(order)
        return found
