"""What a buyer reads: purchase orders, the replenishment worklist, supplier scorecards, incoming supply.

Two projections keep the facts (`purchase_orders` from Supplier events,
`replenishment` from Stock events); the queries join them at read time with
the `queue` read model (open supply per SKU, waiting lines) and the
`analytics` one (first receipts). `READS` names, per query, the projections
to catch up before it runs in the embedded mode.
"""

from __future__ import annotations

READS: dict[str, tuple[str, ...]] = {
    "purchase_orders": ("purchase_orders", "queue"),
    "incoming_supply": ("purchase_orders", "queue"),
    "replenishment": ("replenishment", "queue"),
    "suppliers": ("purchase_orders", "analytics"),
}
