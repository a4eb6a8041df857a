"""Outbound payloads of Order events, version 1, and how each stored event maps onto one.

Order events are what customers hear about: a line allocated, waiting at a
queue position with an ETA, filled, re-promised, offered a substitute,
cancelled or shipped. Each carries the decision behind it as a reference to
the Stock event that took it. Only `Order.Placed` names the order (natural
key); the others are joined on the envelope's aggregate_id.
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from domain.order import Order
from services.outbound.contract import (
    ContactV1,
    Contract,
    Decision,
    Mapping,
    OccurredAt,
    OperatorReason,
    Payload,
    ShippingPreferenceV1,
    SkuQuantity,
    TierV1,
    contact_of,
    decision_ref,
    optional_decision_ref,
)


class OrderLineV1(Contract):
    line_id: str
    sku: str
    quantity: int


class OrderPlacedV1(Payload):
    EVENT_TYPE = "Order.Placed"
    order_id: str
    customer_id: str
    customer_tier: TierV1
    placed_at: AwareDatetime
    shipping_preference: ShippingPreferenceV1
    accept_substitutes: bool
    max_wait_days: int | None
    contact: ContactV1
    lines: list[OrderLineV1]
    message_id: str = Field(description="The OrderPlaced message that placed it.")
    customer_group: str | None = Field(
        default=None, description="The customer's group (OrderPlaced version 3); null: not told."
    )
    channel: str | None = Field(
        default=None, description="The sales channel (OrderPlaced version 3); null: not told."
    )


class OrderLineAllocatedV1(Payload):
    EVENT_TYPE = "Order.LineAllocated"
    line_id: str
    sku: str = Field(description="SKU the units were allocated from (the line's own).")
    quantity: int
    decision: Decision


class OrderLineBackorderedV1(Payload):
    EVENT_TYPE = "Order.LineBackordered"
    line_id: str
    quantity: int = Field(description="Units now waiting.")
    queue_position: int = Field(description="1 = next to be served.")
    eta: date | None = Field(description="Promised date; null when no supplier can be asked.")
    needs_purchase: bool = Field(description="No open purchase order covers the line.")
    decision: Decision
    eta_decision: Decision | None


class OrderBackorderFilledV1(Payload):
    EVENT_TYPE = "Order.BackorderFilled"
    line_id: str
    sku: str
    quantity: int
    decision: Decision


class OrderAllocationRevokedV1(Payload):
    EVENT_TYPE = "Order.AllocationRevoked"
    line_id: str
    sku: str = Field(description="SKU the units were taken back from (the line's own or a substitute).")
    quantity: int
    decision: Decision


class OrderEtaRevisedV1(Payload):
    """Retired: found only in stores written before every revised promise stayed on the Stock.

    Follow revised promises in Stock.EtasRevised: one per decision, naming every order line
    (order_id, line_id) whose promise changed.
    """

    EVENT_TYPE = "Order.EtaRevised"
    line_id: str
    previous_eta: date | None
    eta: date | None
    needs_purchase: bool
    decision: Decision


class OrderSubstituteOfferedV1(Payload):
    EVENT_TYPE = "Order.SubstituteOffered"
    line_id: str
    substitute_sku: str
    quantity: int
    decision: Decision


class OrderSubstituteAcceptedV1(Payload):
    EVENT_TYPE = "Order.SubstituteAccepted"
    line_id: str
    substitute_sku: str
    quantity: int
    decision: Decision
    reason: OperatorReason = None


class OrderSubstituteDeclinedV1(Payload):
    EVENT_TYPE = "Order.SubstituteDeclined"
    line_id: str
    substitute_sku: str
    message_id: str = Field(description="The SubstituteDeclined message.")
    reason: OperatorReason = None


class OrderLineCancelledV1(Payload):
    EVENT_TYPE = "Order.LineCancelled"
    line_id: str
    released_quantity: int = Field(description="Allocated units given back to stock.")
    withdrawn_quantity: int = Field(description="Waiting units taken out of the queue.")
    reason: str
    automatic: bool = Field(description="True when Antrian cancelled (e.g. the ETA passed the maximum wait).")
    decision: Decision | None


class OrderLineShippedV1(Payload):
    EVENT_TYPE = "Order.LineShipped"
    line_id: str
    warehouse: str
    shipped: list[SkuQuantity] = Field(description="Units shipped per SKU (the line's own SKU first).")
    message_id: str = Field(description="The OrderShipped message.")
    occurred_at: OccurredAt = None


def _placed(e: Order.Placed) -> OrderPlacedV1:
    return OrderPlacedV1(
        order_id=e.order_id,
        customer_id=e.customer_id,
        customer_tier=e.tier.value,
        placed_at=e.placed_at,
        shipping_preference=e.shipping.value,
        accept_substitutes=e.accept_substitutes,
        max_wait_days=e.max_wait_days,
        contact=contact_of(e.contact),
        lines=[OrderLineV1(line_id=s.line_id, sku=s.sku, quantity=s.quantity) for s in e.lines],
        message_id=e.message_id,
        customer_group=e.customer_group,
        channel=e.channel,
    )


def _allocated(e: Order.LineAllocated) -> OrderLineAllocatedV1:
    return OrderLineAllocatedV1(
        line_id=e.line_id, sku=e.sku, quantity=e.quantity, decision=decision_ref(e.decision)
    )


def _backordered(e: Order.LineBackordered) -> OrderLineBackorderedV1:
    return OrderLineBackorderedV1(
        line_id=e.line_id,
        quantity=e.quantity,
        queue_position=e.position,
        eta=e.eta,
        needs_purchase=e.needs_purchase,
        decision=decision_ref(e.decision),
        eta_decision=optional_decision_ref(e.eta_decision),
    )


def _filled(e: Order.BackorderFilled) -> OrderBackorderFilledV1:
    return OrderBackorderFilledV1(
        line_id=e.line_id, sku=e.sku, quantity=e.quantity, decision=decision_ref(e.decision)
    )


def _revoked(e: Order.AllocationRevoked) -> OrderAllocationRevokedV1:
    return OrderAllocationRevokedV1(
        line_id=e.line_id, sku=e.sku, quantity=e.quantity, decision=decision_ref(e.decision)
    )


def _eta_revised(e: Order.EtaRevised) -> OrderEtaRevisedV1:
    return OrderEtaRevisedV1(
        line_id=e.line_id,
        previous_eta=e.old,
        eta=e.new,
        needs_purchase=e.needs_purchase,
        decision=decision_ref(e.decision),
    )


def _offered(e: Order.SubstituteOffered) -> OrderSubstituteOfferedV1:
    return OrderSubstituteOfferedV1(
        line_id=e.line_id, substitute_sku=e.sku, quantity=e.quantity, decision=decision_ref(e.decision)
    )


def _accepted(e: Order.SubstituteAccepted) -> OrderSubstituteAcceptedV1:
    return OrderSubstituteAcceptedV1(
        line_id=e.line_id,
        substitute_sku=e.sku,
        quantity=e.quantity,
        decision=decision_ref(e.decision),
        reason=e.reason,
    )


def _declined(e: Order.SubstituteDeclined) -> OrderSubstituteDeclinedV1:
    return OrderSubstituteDeclinedV1(
        line_id=e.line_id, substitute_sku=e.sku, message_id=e.message_id, reason=e.reason
    )


def _cancelled(e: Order.LineCancelled) -> OrderLineCancelledV1:
    return OrderLineCancelledV1(
        line_id=e.line_id,
        released_quantity=e.released,
        withdrawn_quantity=e.withdrawn,
        reason=e.reason,
        automatic=e.automatic,
        decision=optional_decision_ref(e.decision),
    )


def _shipped(e: Order.LineShipped) -> OrderLineShippedV1:
    return OrderLineShippedV1(
        line_id=e.line_id,
        warehouse=e.warehouse,
        shipped=[SkuQuantity(sku=sku, quantity=qty) for sku, qty in e.by_sku.items()],
        message_id=e.message_id,
        occurred_at=e.at,
    )


MAPPINGS: tuple[Mapping, ...] = (
    Mapping(Order.Placed, OrderPlacedV1, _placed),
    Mapping(Order.LineAllocated, OrderLineAllocatedV1, _allocated),
    Mapping(Order.LineBackordered, OrderLineBackorderedV1, _backordered),
    Mapping(Order.BackorderFilled, OrderBackorderFilledV1, _filled),
    Mapping(Order.AllocationRevoked, OrderAllocationRevokedV1, _revoked),
    Mapping(Order.EtaRevised, OrderEtaRevisedV1, _eta_revised),
    Mapping(Order.SubstituteOffered, OrderSubstituteOfferedV1, _offered),
    Mapping(Order.SubstituteAccepted, OrderSubstituteAcceptedV1, _accepted),
    Mapping(Order.SubstituteDeclined, OrderSubstituteDeclinedV1, _declined),
    Mapping(Order.LineCancelled, OrderLineCancelledV1, _cancelled),
    Mapping(Order.LineShipped, OrderLineShippedV1, _shipped),
)
