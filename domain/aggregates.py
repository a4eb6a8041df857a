"""What the rules that span aggregates may look up, and nothing more.

Which orders a Stock decision concerns is known only once the Stock has
decided, and the queues a substitute's arriving units are offered to can be
long: the rules fetch the aggregates they need as they go rather than being
handed all of them up front. The application's session answers these
questions from the store; unit tests answer them from a dict.
"""

from __future__ import annotations

from typing import Protocol

from domain.order import Order
from domain.stock import Stock


class Aggregates(Protocol):
    def order(self, order_id: str) -> Order:
        """The order, which exists: a Stock only names lines of placed orders."""
        ...

    def stock(self, sku: str) -> Stock:
        """The SKU's stock, which exists."""
        ...

    def find_stock(self, sku: str) -> Stock | None:
        """The SKU's stock, or None where it was never configured (a declared substitute may not be)."""
        ...
