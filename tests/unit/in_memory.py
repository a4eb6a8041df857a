"""Aggregates built in memory for the rules that span them: no store, no session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.order import Order
from domain.order_lines import LineSpec
from domain.stock import Stock
from domain.values import Cause, Contact, ShippingPreference, Source, SupplierPriority, Tier

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
TODAY = T0.date()


class InMemory:
    """Answers the rules' look-ups (domain.aggregates.Aggregates) from dicts."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.stocks: dict[str, Stock] = {}

    def order(self, order_id: str) -> Order:
        return self.orders[order_id]

    def stock(self, sku: str) -> Stock:
        return self.stocks[sku]

    def find_stock(self, sku: str) -> Stock | None:
        return self.stocks.get(sku)

    def add_stock(self, sku: str, on_hand: int = 0, lead_days: int | None = None) -> Stock:
        stock = self.stocks[sku] = Stock(sku=sku, policy="priority-fifo-v1")
        if on_hand:
            stock.receive("main", on_hand, None, cause("setup"))
        if lead_days is not None:
            stock.set_source(source(lead_days), cause("setup"))
        stock.collect_events()
        return stock

    def add_order(
        self,
        order_id: str,
        *lines: tuple[str, str, int],
        accept_substitutes: bool = True,
        max_wait_days: int | None = None,
        minutes: int = 0,
    ) -> Order:
        order = self.orders[order_id] = Order(
            order_id=order_id,
            customer_id=f"customer-of-{order_id}",
            tier=Tier.STANDARD,
            placed_at=T0 + timedelta(minutes=minutes),
            shipping=ShippingPreference.PARTIAL,
            accept_substitutes=accept_substitutes,
            max_wait_days=max_wait_days,
            contact=Contact(email="c@example.com"),
            lines=[LineSpec(line_id=i, sku=s, quantity=q) for i, s, q in lines],
            message_id=f"place-{order_id}",
        )
        order.collect_events()
        return order

    def collect_all(self) -> None:
        """Forget what setting up recorded, so a test sees only what its rule recorded."""
        for aggregate in [*self.orders.values(), *self.stocks.values()]:
            aggregate.collect_events()


def cause(message_id: str = "m1", minutes: int = 60) -> Cause:
    return Cause(message_id=message_id, at=T0 + timedelta(minutes=minutes))


def source(lead_days: int) -> Source:
    return Source(
        supplier_id="S1", lead_time_days=lead_days, priority=SupplierPriority.PRIMARY, lateness_days=0
    )


def recorded(aggregate: Order | Stock) -> list[str]:
    return [type(event).__name__ for event in aggregate.collect_events()]


def stands_in_for(substitute: Stock, stock: Stock) -> None:
    """Declare `substitute` a substitute of `stock`, both ways, offering it to nobody yet."""
    stock.declare_substitutes([*stock.substitutes, substitute.sku])
    substitute.name_as_substitute(stock.sku, named=True)
