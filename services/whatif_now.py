"""Preview before change: what switching one SKU's policy now would do to its waiting lines.

The switch is the `SkuConfigured` message an operator would send (the newest version
holding the fields), keeping the SKU's reorder point and safety stock, dated at the
SKU's own clock (the latest time it decided at) so that only the policy changes, not
the day promises are computed for. It goes through services/preview.py, the code
the dashboard's impact view runs: the engine's handlers on copies, nothing saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from services.engine import Engine
from services.parsing import parse_message
from services.preview import Impact, preview
from services.whatif_rewrite import CONFIG, Change, configured


class UnknownSku(LookupError):
    """The SKU has no Stock in the store."""


def switch_now(
    engine: Engine, sku: str, policy: str, at: datetime, settings: Mapping[str, Any] | None = None
) -> Impact:
    """Which lines would move and whose ETA would change if `sku` switched to `policy` now.

    `at`: the edge's clock, used only for a SKU that never decided anything.
    """
    try:
        stock = engine.get_stock(sku)
    except AggregateNotFoundError:
        raise UnknownSku(f"SKU {sku} is not in the store") from None
    change = Change(policy, frozenset({sku}), dict(settings or {}))
    content = {
        "type": CONFIG,
        "message_id": f"whatif:apply-now:{sku}",
        "occurred_at": (stock.clock or at).isoformat(),
        "sku": sku,
        "reorder_point": stock.reorder_point,
        "safety_stock": stock.safety_stock,
    }
    return preview(engine, parse_message(configured(content, change, change.version)))
