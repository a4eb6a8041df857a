"""Every projection Antrian runs, by name: the one list the CLI, the feeds and the bench use."""

from __future__ import annotations

from importlib import import_module

from projections.base import Projection

# name -> "module:Class"; resolved when used, so importing the catalog costs nothing.
CATALOG: dict[str, str] = {
    "queue": "projections.queue:BackorderQueueProjection",
    "notifications": "projections.notifications.projection:NotificationsProjection",
    "audit": "projections.audit:AuditProjection",
    "analytics": "projections.analytics.projection:AnalyticsProjection",
    "purchase_orders": "projections.purchasing.orders:PurchaseOrdersProjection",
    "replenishment": "projections.purchasing.replenishment:ReplenishmentProjection",
}


def build(names: list[str] | None = None) -> list[Projection]:
    """Instances of the named projections (all when none named); unknown names are an error."""
    chosen = names or list(CATALOG)
    unknown = [name for name in chosen if name not in CATALOG]
    if unknown:
        raise KeyError(f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(CATALOG)}")
    built = []
    for name in chosen:
        module, _, cls = CATALOG[name].partition(":")
        projection = getattr(import_module(module), cls)()
        if projection.name != name:
            raise RuntimeError(f"{CATALOG[name]} is named {projection.name!r}, catalogued as {name!r}")
        built.append(projection)
    return built
