"""Recommendations applied: `SkuConfigured` messages sent through the ordinary upstream path.

Nothing here changes a Stock directly: each recommendation becomes the message a
buyer would have typed, handed to the engine as `antrian ingest` hands a file's
lines (services/ingest.py), recorded with who applied it. Its id names the run
and the SKU, so applying a run twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import orjson

from domain.planning_run import PlanningRun, SkuPlan
from services.ingest import apply_lines
from services.outcomes import Outcome


@dataclass(frozen=True)
class Applied:
    plan: SkuPlan
    outcome: Outcome | None  # None: the SKU is configured so already, nothing was sent


def sku_configured(run: PlanningRun, plan: SkuPlan, at: datetime) -> dict[str, Any]:
    """The message for one SKU (SkuConfigured version 3: reorder point, safety stock and the order-up-to
    level replenishment buys to, and why, which the SKU's audit shows; the allocation policy is left as it is)."""
    return {
        "message_id": f"plan:{run.id}:{plan.sku}",
        "type": "SkuConfigured",
        "schema_version": 3,
        "occurred_at": at.isoformat(),
        "sku": plan.sku,
        "reorder_point": plan.reorder_point,
        "safety_stock": plan.safety_stock,
        "order_up_to": plan.order_up_to or 0,
        "reason": (
            f"planning run {run.id}: {plan.demand_class} demand, {plan.method}, "
            f"service level {plan.service_level:.0%}"
        ),
    }


def configured_now(engine: Any, skus: Iterable[str]) -> dict[str, tuple[int, int, int | None]]:
    """How each SKU is configured now, as `apply_run` compares: reorder point, safety stock,
    order-up-to level (read from the Stocks, not from the log)."""
    found = {}
    for sku in skus:
        stock = engine.get_stock(sku)
        found[sku] = (stock.reorder_point, stock.safety_stock, stock.order_up_to)
    return found


def chosen(run: PlanningRun, skus: Iterable[str] | None) -> list[SkuPlan]:
    """The run's recommendations for `skus` (None: all); a SKU it has no recommendation for is an error."""
    if skus is None:
        return [p for p in run.plans.values() if p.recommends]
    picked = []
    for sku in skus:
        plan = run.plans.get(sku)
        if plan is None or not plan.recommends:
            raise LookupError(f"run {run.id} has no recommendation for SKU {sku!r}")
        picked.append(plan)
    return picked


def apply_run(
    engine: Any,
    run: PlanningRun,
    plans: Sequence[SkuPlan],
    configured: dict[str, tuple[int, int, int | None]],
    at: datetime | None,
    by: str,
) -> list[Applied]:
    """Send the recommendations that differ from how each SKU is configured, dated `at`
    (default: the end of the run's as-of date)."""
    at = at or datetime.combine(run.as_of, time(23, 59, 59), UTC)
    sending = [
        p for p in plans if configured.get(p.sku) != (p.reorder_point, p.safety_stock, p.order_up_to or None)
    ]
    lines = [orjson.dumps(sku_configured(run, p, at)) for p in sending]
    outcomes = (
        dict(zip([p.sku for p in sending], apply_lines(engine, lines, by=by), strict=True)) if lines else {}
    )
    return [Applied(p, outcomes.get(p.sku)) for p in plans]


def opted_in(run: PlanningRun, setting: str | None) -> list[str]:
    """SKUs `ANTRIAN_PLAN_AUTO_APPLY` applies after each run: "all", or SKUs separated by commas."""
    if not setting or not setting.strip():
        return []
    if setting.strip().lower() == "all":
        return sorted(sku for sku, p in run.plans.items() if p.recommends)
    wanted = {s.strip() for s in setting.split(",") if s.strip()}
    return sorted(sku for sku in wanted if sku in run.plans and run.plans[sku].recommends)
