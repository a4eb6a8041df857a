"""A SKU's live stock position: the Stock aggregate at its latest version, with its incoming supply.

The Stock is read as the position as of an instant is (infra/http/as_of.py), at the
log's end instead of the instant's log position: fresh from the store (another
process may have changed it since this one cached it), and built by the same
services/stock_position.py, so the two answer with the same figures. Reading an
aggregate decides nothing. The supply side (incoming purchase orders with their
lateness and status) comes from the purchase-order read model (projections/purchasing).
"""

from __future__ import annotations

from infra.http.as_of import read_at
from infra.http.backend import Backend
from infra.http.deps import unknown_sku
from infra.http.models import StockPosition
from services.time_travel.views import TimeTravel


def read_stock(of: Backend, sku: str) -> StockPosition:
    from projections.purchasing.po_read import incoming_supply

    _, stock = read_at(of, None, TimeTravel.stock, sku, unknown_sku)
    with of.querying() as store:
        supply = incoming_supply(store, sku)
    return StockPosition.model_validate({**stock, "incoming_supply": supply})
