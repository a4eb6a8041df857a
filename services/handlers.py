"""One command handler per upstream message type.

Each translates its contract into domain commands on the aggregates of one
`Session`; the engine saves the session atomically, or nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain import awaited, fulfilment, substitute_offers
from domain.fulfilment import mirror
from domain.order import Order
from domain.order_lines import LineSpec
from domain.quotas import Quota
from domain.stock import Stock
from domain.supplier import Supplier, Terms
from domain.values import Cause, Contact, InboundLine, Tier
from services import contracts as c
from services.errors import MessageRejected, NotYetPlaced
from services.session import Session


def order_placed(s: Session, m: c.OrderPlaced, cause: Cause) -> None:
    _place(s, m, m.customer_id, m.customer_tier, m.contact, cause)


def order_placed_v2(s: Session, m: c.OrderPlacedV2, cause: Cause) -> None:
    """Version 2 places the same order as version 1: only where the customer is written differs."""
    _place(s, m, m.customer.customer_id, m.customer.tier, m.customer.contact, cause)


def order_placed_v3(s: Session, m: c.OrderPlacedV3, cause: Cause) -> None:
    """Version 3 places version 2's order, with the customer's group and the sales channel (quotas)."""
    _place(
        s,
        m,
        m.customer.customer_id,
        m.customer.tier,
        m.customer.contact,
        cause,
        customer_group=m.customer.group,
        channel=m.channel,
    )


def _place(
    s: Session,
    m: c.OrderPlaced | c.OrderPlacedV2 | c.OrderPlacedV3,
    customer_id: str,
    tier: Tier,
    contact: c.ContactIn,
    cause: Cause,
    customer_group: str | None = None,
    channel: str | None = None,
) -> None:
    if s.has_order(m.order_id):
        raise _reject(m, "order_id", f"order {m.order_id} was already placed")
    for i, line in enumerate(m.lines):
        s.stock(line.sku, field=f"lines.{i}.sku")
    order = s.add(
        Order(
            order_id=m.order_id,
            customer_id=customer_id,
            tier=tier,
            placed_at=m.placed_at,
            shipping=m.shipping_preference,
            accept_substitutes=m.accept_substitutes,
            max_wait_days=m.max_wait_days,
            contact=Contact(**contact.model_dump()),
            lines=[LineSpec(**line.model_dump()) for line in m.lines],
            message_id=m.message_id,
            customer_group=customer_group,
            channel=channel,
        )
    )
    fulfilment.request_lines(s, order, cause)


def order_cancelled(s: Session, m: c.OrderCancelled, cause: Cause) -> None:
    order = s.order(m.order_id)
    if m.line_ids is None:
        line_ids = [lid for lid, line in order.lines.items() if line.is_open]
        if not line_ids:
            raise _reject(m, "order_id", f"order {m.order_id} has nothing left to cancel")
    else:
        line_ids = list(dict.fromkeys(m.line_ids))
    for line_id in line_ids:
        order.check_cancellable(line_id)
    for line_id in line_ids:
        fulfilment.cancel_line(s, order, line_id, m.reason, cause)


def order_shipped(s: Session, m: c.OrderShipped, cause: Cause) -> None:
    order = s.order(m.order_id)
    order.check_not_before_placed(m.occurred_at)
    for shipped in m.lines:
        quantity = shipped.quantity or order.line(shipped.line_id).allocated_total
        if not quantity:
            raise _reject(m, "lines", f"line {shipped.line_id} has nothing allocated to ship")
        for sku, units in order.ship(
            shipped.line_id, quantity, m.warehouse, m.message_id, m.occurred_at
        ).items():
            s.stock(sku).ship(order.order_id, shipped.line_id, units, m.warehouse, m.occurred_at)


def stock_received(s: Session, m: c.StockReceived, cause: Cause) -> None:
    stock = s.stock_or_new(m.sku)
    supplier, po = None, None
    if m.purchase_order_id is not None:
        supplier = _po_supplier(s, m, stock)
        basis_before = supplier.promise_basis
        supplier.receive(m.purchase_order_id, m.sku, m.quantity, cause.today)
        po = (supplier.supplier_id, m.purchase_order_id)
    fulfilment.units_arrived(s, stock.receive(m.warehouse, m.quantity, po, cause), cause)
    if supplier is not None and supplier.promise_basis != basis_before:
        _refresh_supplier(s, supplier, cause)


def _po_supplier(s: Session, m: c.StockReceived, stock: Stock) -> Supplier:
    if m.supplier_id is not None:
        return s.supplier(m.supplier_id)
    inbound = stock.inbound_from(m.purchase_order_id or "")
    if not inbound:  # its placement, on the purchasing topic, may not have been read yet
        raise NotYetPlaced(
            f"no open purchase order {m.purchase_order_id} expects {m.sku}",
            message_id=m.message_id,
            message_type=m.type,
            field="purchase_order_id",
            awaits=awaited.purchase_order(m.purchase_order_id or ""),
        )
    if len(inbound) != 1:
        raise _reject(
            m,
            "supplier_id",
            f"{len(inbound)} open purchase orders {m.purchase_order_id} expect {m.sku}; "
            "give supplier_id to book a receipt against one",
        )
    return s.supplier(inbound[0].supplier_id)


def stock_adjusted(s: Session, m: c.StockAdjusted, cause: Cause) -> None:
    stock = s.stock_or_new(m.sku)
    fulfilment.units_arrived(s, stock.adjust(m.warehouse, m.counted, m.reason, cause), cause)


def supplier_registered(s: Session, m: c.SupplierRegistered, cause: Cause) -> None:
    _register_supplier(s, m, cause)


def supplier_registered_v2(s: Session, m: c.SupplierRegisteredV2, cause: Cause) -> None:
    """Version 2 registers what version 1 does, and each SKU's order multiple and weekly capacity."""
    _register_supplier(s, m, cause)


def _register_supplier(s: Session, m: c.SupplierRegistered, cause: Cause) -> None:
    terms = [Terms(**t.model_dump()) for t in m.terms]
    supplier = s.find_supplier(m.supplier_id)
    if supplier is None:
        supplier = s.add(Supplier(supplier_id=m.supplier_id, name=m.name, terms=terms))
    else:
        dropped = sorted(set(supplier.terms) - {t.sku for t in terms})
        supplier.update_terms(m.name, terms)
        for sku in dropped:  # a supplier that stopped selling a SKU is no longer a source of it
            mirror(s, s.stock(sku).remove_source(supplier.supplier_id, cause), cause)
    _refresh_supplier(s, supplier, cause)


def _refresh_supplier(s: Session, supplier: Supplier, cause: Cause) -> None:
    """Tell every SKU this supplier serves its current terms and lateness."""
    for sku in sorted(supplier.terms):
        mirror(s, s.stock_or_new(sku).set_source(supplier.source_for(sku), cause), cause)
    for po in supplier.purchase_orders.values():
        if po.is_open:
            _schedule(s, supplier, po.po_id, cause)


def _schedule(s: Session, supplier: Supplier, po_id: str, cause: Cause) -> None:
    po = supplier.purchase_order(po_id)
    for sku, line in sorted(po.lines.items()):
        stock = s.stock(sku)
        if not line.open:
            mirror(s, stock.cancel_inbound(supplier.supplier_id, po_id, cause), cause)
            continue
        inbound = InboundLine(
            po_id=po_id,
            supplier_id=supplier.supplier_id,
            quantity=line.open,
            expected=po.expected,
            lateness_days=supplier.lateness_days,
            promised=po.promised,
            history=supplier.history,
        )
        mirror(s, stock.schedule_inbound(inbound, cause), cause)


def purchase_order_placed(s: Session, m: c.PurchaseOrderPlaced, cause: Cause) -> None:
    supplier = s.supplier(m.supplier_id)
    for i, line in enumerate(m.lines):
        s.stock(line.sku, field=f"lines.{i}.sku")
    supplier.place(
        m.purchase_order_id, {line.sku: line.quantity for line in m.lines}, m.expected_date, cause.at
    )
    _schedule(s, supplier, m.purchase_order_id, cause)


def purchase_order_confirmed(s: Session, m: c.PurchaseOrderConfirmed, cause: Cause) -> None:
    supplier = s.supplier(m.supplier_id)
    if supplier.confirm(m.purchase_order_id, m.expected_date, m.occurred_at):
        _schedule(s, supplier, m.purchase_order_id, cause)


def purchase_order_delayed(s: Session, m: c.PurchaseOrderDelayed, cause: Cause) -> None:
    supplier = s.supplier(m.supplier_id)
    if supplier.delay(m.purchase_order_id, m.new_expected_date, m.reason, m.occurred_at):
        _schedule(s, supplier, m.purchase_order_id, cause)


def purchase_order_cancelled(s: Session, m: c.PurchaseOrderCancelled, cause: Cause) -> None:
    supplier = s.supplier(m.supplier_id)
    supplier.cancel(m.purchase_order_id, m.reason, m.occurred_at)
    for sku in sorted(supplier.purchase_order(m.purchase_order_id).lines):
        mirror(s, s.stock(sku).cancel_inbound(supplier.supplier_id, m.purchase_order_id, cause), cause)


def substitutes_declared(s: Session, m: c.SubstitutesDeclared, cause: Cause) -> None:
    stock = s.stock(m.sku)
    substitutes = [s.stock(sku, field=f"substitutes.{i}") for i, sku in enumerate(m.substitutes)]
    substitute_offers.declare_substitutes(s, stock, substitutes, cause)


def substitute_accepted(s: Session, m: c.SubstituteAccepted, cause: Cause) -> None:
    fulfilment.accept_substitute(s, s.order(m.order_id), m.line_id, cause)


def substitute_accepted_v2(s: Session, m: c.SubstituteAcceptedV2, cause: Cause) -> None:
    """Version 2 accepts as version 1 does, and the order's event keeps why."""
    fulfilment.accept_substitute(s, s.order(m.order_id), m.line_id, cause, reason=m.reason)


def substitute_declined(s: Session, m: c.SubstituteDeclined, cause: Cause) -> None:
    s.order(m.order_id).decline_substitute(m.line_id, m.message_id)


def substitute_declined_v2(s: Session, m: c.SubstituteDeclinedV2, cause: Cause) -> None:
    """Version 2 declines as version 1 does, and the order's event keeps why."""
    s.order(m.order_id).decline_substitute(m.line_id, m.message_id, reason=m.reason)


def back_in_stock_requested(s: Session, m: c.BackInStockRequested, cause: Cause) -> None:
    s.stock(m.sku).watch(m.customer_id, Contact(**m.contact.model_dump()), cause)


def sku_configured(s: Session, m: c.SkuConfigured, cause: Cause) -> None:
    _configure(s, m, None, cause)


def sku_configured_v2(s: Session, m: c.SkuConfiguredV2, cause: Cause) -> None:
    """Version 2 sets what version 1 sets, and the Stock's event keeps why."""
    _configure(s, m, m.reason, cause)


def sku_configured_v3(s: Session, m: c.SkuConfiguredV3, cause: Cause) -> None:
    """Version 3 sets what version 2 sets, and the level replenishment buys up to."""
    _configure(s, m, m.reason, cause)


def sku_configured_v4(s: Session, m: c.SkuConfiguredV4, cause: Cause) -> None:
    """Version 4 sets what version 3 sets, and the SKU's reserve, quota and redistribution window."""
    _configure(s, m, m.reason, cause)


def sku_configured_v5(s: Session, m: c.SkuConfiguredV5, cause: Cause) -> None:
    """Version 5 sets what version 4 sets, and the replenishment rule the SKU buys under."""
    _configure(s, m, m.reason, cause)


def _configure(s: Session, m: c.SkuConfigured | c.SkuConfiguredV2, reason: str | None, cause: Cause) -> None:
    stock = s.stock_or_new(m.sku)
    unit_volume = m.unit_volume if isinstance(m, c.SkuConfiguredV2) else None
    order_up_to = m.order_up_to if isinstance(m, c.SkuConfiguredV3) else None
    eta_policy = m.eta_policy if isinstance(m, c.SkuConfiguredV3) else None
    v4 = m if isinstance(m, c.SkuConfiguredV4) else None
    quota = None if v4 is None or v4.quota is None else Quota.model_validate(v4.quota.model_dump())
    effects = stock.configure(
        m.reorder_point,
        m.safety_stock,
        m.allocation_policy,
        cause,
        reason=reason,
        unit_volume=unit_volume,
        order_up_to=order_up_to,
        eta_policy=eta_policy,
        reserve=None if v4 is None or v4.reserve is None else dict(v4.reserve),
        quota=quota,
        redistribute_within_hours=None if v4 is None else v4.redistribute_within_hours,
        replenish_policy=m.replenish_policy if isinstance(m, c.SkuConfiguredV5) else None,
    )
    mirror(s, effects, cause)


def warehouse_configured(s: Session, m: c.WarehouseConfigured, cause: Cause) -> None:
    s.warehouse_or_new(m.warehouse).configure(m.capacity_units, m.capacity_volume, m.occurred_at)


def line_released_ahead(s: Session, m: c.LineReleasedAhead, cause: Cause) -> None:
    stock = _waiting_on(s, m)
    mirror(s, stock.release_ahead(m.order_id, m.line_id, m.reason, m.by, cause), cause)


def line_release_withdrawn(s: Session, m: c.LineReleaseWithdrawn, cause: Cause) -> None:
    stock = _waiting_on(s, m)
    mirror(s, stock.withdraw_release(m.order_id, m.line_id, m.reason, m.by, cause), cause)


def _waiting_on(s: Session, m: c.LineReleasedAhead | c.LineReleaseWithdrawn) -> Stock:
    """The Stock of the line's own SKU. An operator acts on an order they see: an unknown one is
    refused at once, never parked to wait for it."""
    order = s.find_order(m.order_id)
    if order is None:
        raise _reject(m, "order_id", f"unknown order {m.order_id!r}: only a placed order's line can be moved")
    if m.line_id not in order.lines:
        raise _reject(m, "line_id", f"order {m.order_id} has no line {m.line_id!r}")
    return s.stock(order.line(m.line_id).sku)


def _reject(m: c.Message, field: str, reason: str) -> MessageRejected:
    return MessageRejected(reason, message_id=m.message_id, message_type=m.type, field=field)


Handler = Callable[[Session, Any, Cause], None]
"""Each takes its own contract (tests/unit/test_handlers.py holds every one to the class it is keyed by)."""

HANDLERS: dict[type[c.Envelope], Handler] = {
    c.OrderPlaced: order_placed,
    c.OrderPlacedV2: order_placed_v2,
    c.OrderPlacedV3: order_placed_v3,
    c.OrderCancelled: order_cancelled,
    c.OrderShipped: order_shipped,
    c.StockReceived: stock_received,
    c.StockAdjusted: stock_adjusted,
    c.SupplierRegistered: supplier_registered,
    c.SupplierRegisteredV2: supplier_registered_v2,
    c.PurchaseOrderPlaced: purchase_order_placed,
    c.PurchaseOrderConfirmed: purchase_order_confirmed,
    c.PurchaseOrderDelayed: purchase_order_delayed,
    c.PurchaseOrderCancelled: purchase_order_cancelled,
    c.SubstitutesDeclared: substitutes_declared,
    c.SubstituteAccepted: substitute_accepted,
    c.SubstituteAcceptedV2: substitute_accepted_v2,
    c.SubstituteDeclined: substitute_declined,
    c.SubstituteDeclinedV2: substitute_declined_v2,
    c.BackInStockRequested: back_in_stock_requested,
    c.SkuConfigured: sku_configured,
    c.SkuConfiguredV2: sku_configured_v2,
    c.SkuConfiguredV3: sku_configured_v3,
    c.SkuConfiguredV4: sku_configured_v4,
    c.SkuConfiguredV5: sku_configured_v5,
    c.LineReleasedAhead: line_released_ahead,
    c.LineReleaseWithdrawn: line_release_withdrawn,
    c.WarehouseConfigured: warehouse_configured,
}
