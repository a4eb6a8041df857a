"""What a message may wait for: things another message (often on another topic) makes known.

Kafka orders a partition, not the system: a receipt on the inventory topic can be
read before the purchase order it books against, which travels on the purchasing
topic. Such a message is not wrong, only early. Each name here is a key the
parking lot files waiting messages under, and reads well in a reason
("waited 90 minutes for purchase order po-1").
"""

from __future__ import annotations


def purchase_order(po_id: str) -> str:
    return f"purchase order {po_id}"


def sku(name: str) -> str:
    return f"SKU {name}"


def supplier(supplier_id: str) -> str:
    return f"supplier {supplier_id}"


def order(order_id: str) -> str:
    return f"order {order_id}"
