"""When a Stock decides, and how each of its decisions explains itself.

Every decision is recorded with the policy it was taken under, the message it
ran for, the time it was taken at, what it saw and a sentence saying why, so
that it can be explained to a customer and replayed (services/replay.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.allocation import Fill, ReleasePlan, RequestPlan
from domain.eta import EtaPlan
from domain.values import Cause, DecisionInfo


def decided_at(clock: datetime | None, cause: Cause) -> datetime:
    """When a SKU decides: the later of the message's time and the SKU's clock.

    The clock is the latest time the SKU decided at. A message dated before it (a
    receipt reported weeks late, a count keyed in the next morning) is decided now,
    with its own time kept among the decision's inputs: no promise is made for a
    day already past, and no wait measured from the SKU's decisions is negative.
    """
    return cause.at if clock is None or cause.at >= clock else clock


def decision_info(
    sku: str, policy: str, clock: datetime | None, cause: Cause, reason: str, inputs: dict[str, Any]
) -> DecisionInfo:
    at = decided_at(clock, cause)
    if at != cause.at:
        inputs = {**inputs, "message_at": cause.at.isoformat()}
    if cause.late_by_seconds is not None:
        inputs = {**inputs, "late_by_seconds": cause.late_by_seconds}
    return DecisionInfo(
        policy=policy,
        message_id=cause.message_id,
        as_of=at,
        inputs={"sku": sku, **inputs},
        reason=reason,
    )


def request_reason(plan: RequestPlan, available: int) -> str:
    if not plan.backorder:
        return f"{available} unit(s) free and nobody waiting: allocated {plan.allocate}"
    head = f"allocated {plan.allocate} of {available} free; " if plan.allocate else ""
    return (
        f"{head}backordered {plan.backorder} at position {plan.position} "
        f"behind {plan.units_ahead} waiting unit(s)"
    )


def release_reason(plan: ReleasePlan, reason: str, by: str | None, ahead: bool) -> str:
    who = by or "an operator"
    if ahead:
        return (
            f"released ahead by {who} ({reason}): from position {plan.position_before} "
            f"to {plan.position_after}, served before every line not released"
        )
    return (
        f"release withdrawn by {who} ({reason}): from position {plan.position_before} "
        f"back to {plan.position_after}, its place in policy order"
    )


def fill_reason(available: int, waiting_lines: int, fills: list[Fill], policy: str) -> str:
    return (
        f"{available} unit(s) free with {waiting_lines} line(s) waiting: "
        f"filled {len(fills)} line(s) in {policy} order"
    )


def revoke_reason(on_hand: int, allocated: int, shortfall: int, policy: str) -> str:
    return (
        f"count left {on_hand} on hand for {allocated} allocated: "
        f"took back {shortfall} unit(s), last in {policy} order first"
    )


def eta_reason(plan: EtaPlan) -> str:
    parts = []
    if plan.changes:
        parts.append(f"{len(plan.changes)} promise(s) changed")
    if plan.expired:
        parts.append(f"{len(plan.expired)} line(s) past their maximum wait left the queue")
    return "; ".join(parts) + " after walking the queue against open purchase orders"
