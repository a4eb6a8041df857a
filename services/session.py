"""The aggregates one message touches, loaded once and saved together."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

from domain import awaited
from domain.base import Aggregate
from domain.eta import DEFAULT_ETA_POLICY
from domain.order import Order, order_uuid
from domain.stock import Stock, stock_id
from domain.supplier import Supplier, supplier_uuid
from domain.warehouse import Warehouse, warehouse_uuid
from services.contracts import Message
from services.errors import Awaiting, MessageRejected, UnknownOrder, UnknownSku, UnknownSupplier

A = TypeVar("A", bound=Aggregate)


class Session:
    def __init__(
        self,
        repository: Repository[UUID],
        message: Message,
        default_policy: str,
        careful: bool = True,
        batch: dict[UUID, Aggregate] | None = None,
        default_eta_policy: str = DEFAULT_ETA_POLICY,
    ) -> None:
        self.repository = repository
        self.message = message
        self.default_policy = default_policy
        self.default_eta_policy = default_eta_policy  # the ETA policy new SKUs promise with
        self.careful = careful  # False: let the store's version check catch what exists already
        self.batch = {} if batch is None else batch  # aggregates of earlier messages saved together
        self.touched: dict[UUID, Aggregate] = {}  # what this message read or changed
        self.late_by_seconds: int | None = None  # see Decider.late

    def add(self, aggregate: A) -> A:
        self.touched[aggregate.id] = self.batch[aggregate.id] = aggregate
        return aggregate

    def _get(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id in self.touched:
            return self.touched[aggregate_id]
        if aggregate_id in self.batch:
            return self.add(self.batch[aggregate_id])
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return self.add(aggregate)

    def _reject(self, error: type[Awaiting], what: str, field: str, awaits: str) -> MessageRejected:
        return error(
            f"unknown {what}",
            message_id=self.message.message_id,
            message_type=self.message.type,
            field=field,
            awaits=awaits,
        )

    def stock(self, sku: str, field: str = "sku") -> Stock:
        stock: Stock | None = self._get(stock_id(sku))
        if stock is None:
            raise self._reject(UnknownSku, f"SKU {sku!r}", field, awaited.sku(sku))
        return stock

    def stock_or_new(self, sku: str) -> Stock:
        return self._get(stock_id(sku)) or self.add(
            Stock(sku=sku, policy=self.default_policy, eta_policy=self.default_eta_policy)
        )

    def has_order(self, order_id: str) -> bool:
        if not self.careful:
            return order_uuid(order_id) in self.batch
        return self._get(order_uuid(order_id)) is not None

    def order(self, order_id: str) -> Order:
        order: Order | None = self._get(order_uuid(order_id))
        if order is None:
            raise self._reject(UnknownOrder, f"order {order_id!r}", "order_id", awaited.order(order_id))
        return order

    def find_order(self, order_id: str) -> Order | None:
        return self._get(order_uuid(order_id))

    def supplier(self, supplier_id: str) -> Supplier:
        supplier: Supplier | None = self._get(supplier_uuid(supplier_id))
        if supplier is None:
            raise self._reject(
                UnknownSupplier, f"supplier {supplier_id!r}", "supplier_id", awaited.supplier(supplier_id)
            )
        return supplier

    def find_supplier(self, supplier_id: str) -> Supplier | None:
        return self._get(supplier_uuid(supplier_id))

    def find_stock(self, sku: str) -> Stock | None:
        return self._get(stock_id(sku))

    def warehouse_or_new(self, warehouse: str) -> Warehouse:
        return self._get(warehouse_uuid(warehouse)) or self.add(Warehouse(warehouse=warehouse))
