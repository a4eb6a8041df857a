"""Builders for inbound messages, as plain dicts matching services/contracts.py.

Every builder takes the message id first and returns exactly what an upstream
publisher would send (JSON-ready values only). Optional contract fields are
left out when they are None, so the contract's own defaults apply; any field
can be set or overridden through keyword arguments.

Times: `ts(days, hours)` and `day(days)` count from a fixed Monday,
2026-01-05 10:00 UTC, so tests read as "day 0", "day 3", ...
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

BASE = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
T0 = "2026-01-05T10:00:00Z"


def ts(days: float = 0, hours: float = 0, minutes: float = 0) -> str:
    """An ISO-8601 UTC timestamp `days`/`hours`/`minutes` after the base time."""
    moment = BASE + timedelta(days=days, hours=hours, minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def day(days: int = 0) -> str:
    """An ISO date `days` after the base date."""
    return (BASE.date() + timedelta(days=days)).isoformat()


def as_date(value: str) -> date:
    return date.fromisoformat(value)


def _message(type_: str, mid: str, at: str, fields: dict[str, Any], kw: dict[str, Any]) -> dict[str, Any]:
    body = {"message_id": mid, "type": type_, "occurred_at": at, **fields, **kw}
    return {k: v for k, v in body.items() if v is not None}


def contact(email: str = "customer@example.com", locale: str = "en") -> dict[str, str]:
    return {"email": email, "locale": locale}


# ------------------------------------------------------------------ orders
def order_placed(
    mid: str,
    order_id: str,
    lines: Sequence[tuple[str, str, int]] = (("1", "A", 5),),
    tier: str = "standard",
    at: str = T0,
    *,
    customer_id: str | None = None,
    placed_at: str | None = None,
    shipping: str | None = None,
    accept_substitutes: bool | None = None,
    max_wait_days: int | None = None,
    email: str = "customer@example.com",
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "OrderPlaced",
        mid,
        at,
        {
            "order_id": order_id,
            "customer_id": customer_id or f"cust-{order_id}",
            "customer_tier": tier,
            "placed_at": placed_at or at,
            "lines": [{"line_id": lid, "sku": sku, "quantity": qty} for lid, sku, qty in lines],
            "shipping_preference": shipping,
            "accept_substitutes": accept_substitutes,
            "max_wait_days": max_wait_days,
            "contact": contact(email),
        },
        kw,
    )


def order_placed_v2(mid: str, order_id: str, *args: Any, **kw: Any) -> dict[str, Any]:
    """The same order as `order_placed(...)` gives, written as OrderPlaced version 2."""
    v1 = order_placed(mid, order_id, *args, **kw)
    customer = {
        "customer_id": v1.pop("customer_id"),
        "tier": v1.pop("customer_tier"),
        "contact": v1.pop("contact"),
    }
    return {"schema_version": 2, **v1, "customer": customer}


def order_cancelled(
    mid: str,
    order_id: str,
    line_ids: Iterable[str] | None = None,
    at: str = T0,
    reason: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "OrderCancelled",
        mid,
        at,
        {
            "order_id": order_id,
            "line_ids": list(line_ids) if line_ids is not None else None,
            "reason": reason,
        },
        kw,
    )


def order_shipped(
    mid: str,
    order_id: str,
    lines: Sequence[tuple[str, int | None]] = (("1", None),),
    at: str = T0,
    warehouse: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    shipped = []
    for line_id, quantity in lines:
        item: dict[str, Any] = {"line_id": line_id}
        if quantity is not None:
            item["quantity"] = quantity
        shipped.append(item)
    return _message(
        "OrderShipped", mid, at, {"order_id": order_id, "warehouse": warehouse, "lines": shipped}, kw
    )


# ------------------------------------------------------------------- stock
def stock_received(
    mid: str,
    sku: str = "A",
    quantity: int = 10,
    at: str = T0,
    warehouse: str | None = None,
    po: str | None = None,
    supplier_id: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "StockReceived",
        mid,
        at,
        {
            "sku": sku,
            "warehouse": warehouse,
            "quantity": quantity,
            "purchase_order_id": po,
            "supplier_id": supplier_id,
        },
        kw,
    )


def stock_adjusted(
    mid: str,
    sku: str = "A",
    counted: int = 0,
    at: str = T0,
    warehouse: str | None = None,
    reason: str = "cycle count",
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "StockAdjusted",
        mid,
        at,
        {"sku": sku, "warehouse": warehouse, "counted": counted, "reason": reason},
        kw,
    )


def sku_configured(
    mid: str,
    sku: str = "A",
    reorder_point: int | None = None,
    safety_stock: int | None = None,
    policy: str | None = None,
    at: str = T0,
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "SkuConfigured",
        mid,
        at,
        {
            "sku": sku,
            "reorder_point": reorder_point,
            "safety_stock": safety_stock,
            "allocation_policy": policy,
        },
        kw,
    )


def substitutes_declared(
    mid: str, sku: str, substitutes: Sequence[str], at: str = T0, **kw: Any
) -> dict[str, Any]:
    return _message("SubstitutesDeclared", mid, at, {"sku": sku, "substitutes": list(substitutes)}, kw)


def substitute_accepted(
    mid: str, order_id: str, line_id: str = "1", at: str = T0, **kw: Any
) -> dict[str, Any]:
    return _message("SubstituteAccepted", mid, at, {"order_id": order_id, "line_id": line_id}, kw)


def substitute_declined(
    mid: str, order_id: str, line_id: str = "1", at: str = T0, **kw: Any
) -> dict[str, Any]:
    return _message("SubstituteDeclined", mid, at, {"order_id": order_id, "line_id": line_id}, kw)


def line_released_ahead(
    mid: str, order_id: str, line_id: str = "1", reason: str = "customer emergency", at: str = T0, **kw: Any
) -> dict[str, Any]:
    return _message(
        "LineReleasedAhead", mid, at, {"order_id": order_id, "line_id": line_id, "reason": reason}, kw
    )


def line_release_withdrawn(
    mid: str, order_id: str, line_id: str = "1", reason: str = "emergency over", at: str = T0, **kw: Any
) -> dict[str, Any]:
    return _message(
        "LineReleaseWithdrawn", mid, at, {"order_id": order_id, "line_id": line_id, "reason": reason}, kw
    )


def warehouse_configured(
    mid: str,
    warehouse: str = "main",
    capacity_units: int | None = None,
    capacity_volume: str | None = None,
    at: str = T0,
    **kw: Any,
) -> dict[str, Any]:
    fields: dict[str, Any] = {"warehouse": warehouse}
    if capacity_units is not None:
        fields["capacity_units"] = capacity_units
    if capacity_volume is not None:
        fields["capacity_volume"] = capacity_volume
    return _message("WarehouseConfigured", mid, at, fields, kw)


def back_in_stock_requested(
    mid: str,
    sku: str,
    customer_id: str = "watcher",
    at: str = T0,
    email: str = "watcher@example.com",
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "BackInStockRequested",
        mid,
        at,
        {"sku": sku, "customer_id": customer_id, "contact": contact(email)},
        kw,
    )


# --------------------------------------------------------------- suppliers
def terms(
    sku: str,
    lead_time_days: int = 7,
    priority: str = "primary",
    unit_cost: str = "1.50",
    moq: int | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sku": sku,
        "lead_time_days": lead_time_days,
        "unit_cost": unit_cost,
        "priority": priority,
    }
    if moq is not None:
        item["minimum_order_quantity"] = moq
    return item


def supplier_registered(
    mid: str,
    supplier_id: str = "S1",
    skus: Sequence[str | dict[str, Any]] = ("A",),
    at: str = T0,
    name: str | None = None,
    lead_time_days: int = 7,
    priority: str = "primary",
    **kw: Any,
) -> dict[str, Any]:
    """`skus` are SKU names (given `lead_time_days` and `priority`) or `terms(...)` dicts."""
    items = [
        terms(s, lead_time_days=lead_time_days, priority=priority) if isinstance(s, str) else s for s in skus
    ]
    return _message(
        "SupplierRegistered",
        mid,
        at,
        {"supplier_id": supplier_id, "name": name or f"Supplier {supplier_id}", "terms": items},
        kw,
    )


def po_placed(
    mid: str,
    po_id: str,
    lines: Sequence[tuple[str, int]] = (("A", 10),),
    expected: str | None = None,
    supplier_id: str = "S1",
    at: str = T0,
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "PurchaseOrderPlaced",
        mid,
        at,
        {
            "purchase_order_id": po_id,
            "supplier_id": supplier_id,
            "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
            "expected_date": expected or day(7),
        },
        kw,
    )


def po_confirmed(
    mid: str, po_id: str, expected: str, supplier_id: str = "S1", at: str = T0, **kw: Any
) -> dict[str, Any]:
    return _message(
        "PurchaseOrderConfirmed",
        mid,
        at,
        {"purchase_order_id": po_id, "supplier_id": supplier_id, "expected_date": expected},
        kw,
    )


def po_delayed(
    mid: str,
    po_id: str,
    new_expected: str,
    supplier_id: str = "S1",
    at: str = T0,
    reason: str = "carrier delay",
    **kw: Any,
) -> dict[str, Any]:
    return _message(
        "PurchaseOrderDelayed",
        mid,
        at,
        {
            "purchase_order_id": po_id,
            "supplier_id": supplier_id,
            "new_expected_date": new_expected,
            "reason": reason,
        },
        kw,
    )


def po_cancelled(
    mid: str, po_id: str, supplier_id: str = "S1", at: str = T0, reason: str | None = None, **kw: Any
) -> dict[str, Any]:
    return _message(
        "PurchaseOrderCancelled",
        mid,
        at,
        {"purchase_order_id": po_id, "supplier_id": supplier_id, "reason": reason},
        kw,
    )


# ----------------------------------------------------------------- driving
def apply(engine: Any, *messages: dict[str, Any]) -> list[Any]:
    """Apply messages in order, failing loudly on the first one that is not APPLIED."""
    from services.outcomes import Status

    outcomes = []
    for message in messages:
        outcome = engine.handle_raw(message)
        assert outcome.status is Status.APPLIED, (
            f"{message['message_id']} ({message['type']}) was {outcome.status.value}: "
            f"{outcome.detail} [field {outcome.field}]"
        )
        outcomes.append(outcome)
    return outcomes


# ------------------------------------------------------- issue 17's versions
def order_placed_v3(
    mid: str, order_id: str, *args: Any, group: str | None = None, channel: str | None = None, **kw: Any
) -> dict[str, Any]:
    """The order `order_placed_v2(...)` gives, as OrderPlaced version 3 with a customer group and channel."""
    v2 = order_placed_v2(mid, order_id, *args, **kw)
    if group is not None:
        v2["customer"] = {**v2["customer"], "group": group}
    body = {**v2, "schema_version": 3, "channel": channel}
    return {k: v for k, v in body.items() if v is not None}


def sku_configured_v4(
    mid: str,
    sku: str = "A",
    policy: str | None = None,
    at: str = T0,
    *,
    reserve: dict[str, int] | None = None,
    quota: dict[str, Any] | None = None,
    redistribute_within_hours: int | None = None,
    reason: str = "rationing a scarce SKU",
    **kw: Any,
) -> dict[str, Any]:
    """SkuConfigured version 4: the rationing settings (each left out when None: left as it was)."""
    return {
        "schema_version": 4,
        **sku_configured(mid, sku, policy=policy, at=at, **kw),
        "reason": reason,
        **{
            k: v
            for k, v in (
                ("reserve", reserve),
                ("quota", quota),
                ("redistribute_within_hours", redistribute_within_hours),
            )
            if v is not None
        },
    }
