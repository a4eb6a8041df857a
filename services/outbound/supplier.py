"""Outbound payloads of Supplier events, version 1, and how each stored event maps onto one.

Suppliers' terms and purchase orders drive promises, so purchasing and
analytics consumers see them as Antrian recorded them. Only
`Supplier.Registered` names the supplier (natural key); the others are
joined on the envelope's aggregate_id. Money is a decimal string, never a
float, so no consumer rounds a unit cost.
"""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from domain.supplier import Supplier, Terms
from services.outbound.contract import Contract, Mapping, OccurredAt, Payload, SkuQuantity, SupplierPriorityV1

DECIMAL = r"^-?\d+(\.\d+)?$"


class TermsV1(Contract):
    sku: str
    lead_time_days: int
    unit_cost: str = Field(pattern=DECIMAL, description='Decimal as a string, e.g. "2.40".')
    priority: SupplierPriorityV1
    minimum_order_quantity: int


class SupplierRegisteredV1(Payload):
    EVENT_TYPE = "Supplier.Registered"
    supplier_id: str
    name: str
    terms: list[TermsV1]


class SupplierTermsUpdatedV1(Payload):
    EVENT_TYPE = "Supplier.TermsUpdated"
    name: str
    terms: list[TermsV1] = Field(
        description="The complete terms now in force (SKUs absent are no longer supplied)."
    )


class SupplierPurchaseOrderPlacedV1(Payload):
    EVENT_TYPE = "Supplier.PurchaseOrderPlaced"
    purchase_order_id: str
    lines: list[SkuQuantity]
    expected_date: date
    placed_at: AwareDatetime


class SupplierPurchaseOrderConfirmedV1(Payload):
    EVENT_TYPE = "Supplier.PurchaseOrderConfirmed"
    purchase_order_id: str
    expected_date: date
    occurred_at: OccurredAt = None


class SupplierPurchaseOrderDelayedV1(Payload):
    EVENT_TYPE = "Supplier.PurchaseOrderDelayed"
    purchase_order_id: str
    expected_date: date = Field(description="The new expected date.")
    reason: str
    occurred_at: OccurredAt = None


class SupplierPurchaseOrderNoticeCameLateV1(Payload):
    """A confirmation or delay read after the PO's goods arrived: kept, it changed no promise."""

    EVENT_TYPE = "Supplier.PurchaseOrderNoticeCameLate"
    purchase_order_id: str
    notice: str = Field(description="confirmed or delayed")
    expected_date: date = Field(description="The date the notice gave (not applied).")
    occurred_at: OccurredAt = None


class SupplierPurchaseOrderCancelledV1(Payload):
    EVENT_TYPE = "Supplier.PurchaseOrderCancelled"
    purchase_order_id: str
    reason: str
    occurred_at: OccurredAt = None


class SupplierPurchaseOrderReceivedV1(Payload):
    EVENT_TYPE = "Supplier.PurchaseOrderReceived"
    purchase_order_id: str
    sku: str
    quantity: int
    received_on: date


def _terms(terms: list[Terms]) -> list[TermsV1]:
    return [
        TermsV1(
            sku=t.sku,
            lead_time_days=t.lead_time_days,
            unit_cost=format(t.unit_cost, "f"),
            priority=t.priority.value,
            minimum_order_quantity=t.minimum_order_quantity,
        )
        for t in terms
    ]


MAPPINGS: tuple[Mapping, ...] = (
    Mapping(
        Supplier.Registered,
        SupplierRegisteredV1,
        lambda e: SupplierRegisteredV1(supplier_id=e.supplier_id, name=e.name, terms=_terms(e.terms)),
    ),
    Mapping(
        Supplier.TermsUpdated,
        SupplierTermsUpdatedV1,
        lambda e: SupplierTermsUpdatedV1(name=e.name, terms=_terms(e.terms)),
    ),
    Mapping(
        Supplier.PurchaseOrderPlaced,
        SupplierPurchaseOrderPlacedV1,
        lambda e: SupplierPurchaseOrderPlacedV1(
            purchase_order_id=e.po_id,
            lines=[SkuQuantity(sku=sku, quantity=qty) for sku, qty in e.lines.items()],
            expected_date=e.expected,
            placed_at=e.at,
        ),
    ),
    Mapping(
        Supplier.PurchaseOrderConfirmed,
        SupplierPurchaseOrderConfirmedV1,
        lambda e: SupplierPurchaseOrderConfirmedV1(
            purchase_order_id=e.po_id, expected_date=e.expected, occurred_at=e.at
        ),
    ),
    Mapping(
        Supplier.PurchaseOrderDelayed,
        SupplierPurchaseOrderDelayedV1,
        lambda e: SupplierPurchaseOrderDelayedV1(
            purchase_order_id=e.po_id, expected_date=e.expected, reason=e.reason, occurred_at=e.at
        ),
    ),
    Mapping(
        Supplier.PurchaseOrderNoticeCameLate,
        SupplierPurchaseOrderNoticeCameLateV1,
        lambda e: SupplierPurchaseOrderNoticeCameLateV1(
            purchase_order_id=e.po_id, notice=e.notice, expected_date=e.expected, occurred_at=e.at
        ),
    ),
    Mapping(
        Supplier.PurchaseOrderCancelled,
        SupplierPurchaseOrderCancelledV1,
        lambda e: SupplierPurchaseOrderCancelledV1(
            purchase_order_id=e.po_id, reason=e.reason, occurred_at=e.at
        ),
    ),
    Mapping(
        Supplier.PurchaseOrderReceived,
        SupplierPurchaseOrderReceivedV1,
        lambda e: SupplierPurchaseOrderReceivedV1(
            purchase_order_id=e.po_id, sku=e.sku, quantity=e.quantity, received_on=e.on
        ),
    ),
)
