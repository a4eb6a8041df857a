"""Operator actions as upstream messages (services/contracts.py), built from a form's fields.

An action is never a special write: it is the message an upstream system would
send, posted to `POST /messages`, so it is judged, recorded and audited as any
other. Its id names the dashboard and the caller (`ui:<token name>:<random>`), so
the audit's message id says where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4


class ActionError(ValueError):
    """A form that does not make a message (unknown action, a count that is not a number)."""


@dataclass(frozen=True)
class Action:
    kind: str
    title: str
    message: dict[str, Any] | None  # None: a dead letter's retry, posted to its own endpoint
    letter_id: str | None = None
    corrected: str | None = None
    order_id: str | None = None
    sku: str | None = None


TITLES = {
    "cancel-line": "Cancel line {line_id} of order {order_id}",
    "cancel-order": "Cancel order {order_id}",
    "accept-substitute": "Accept the substitute offered to line {line_id} of order {order_id}",
    "decline-substitute": "Decline the substitute offered to line {line_id} of order {order_id}",
    "release-ahead": "Release line {line_id} of order {order_id} ahead of its queue",
    "withdraw-release": "Withdraw the release of line {line_id} of order {order_id}",
    "configure-sku": "Change SKU {sku}'s settings",
    "retry-letter": "Retry dead letter {letter_id}",
}


def build(form: dict[str, str], caller: str, now: datetime | None = None) -> Action:
    kind = form.get("action", "")
    if kind not in TITLES:
        raise ActionError(f"unknown action {kind!r}")
    title = TITLES[kind].format_map({k: form.get(k, "") for k in ("line_id", "order_id", "sku", "letter_id")})
    if kind == "retry-letter":
        return Action(kind, title, None, letter_id=form["letter_id"], corrected=form.get("corrected", ""))
    envelope = {
        "message_id": f"ui:{caller}:{uuid4().hex[:16]}",
        "occurred_at": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
    }
    body = _body(kind, form)
    return Action(kind, title, {**envelope, **body}, order_id=form.get("order_id"), sku=form.get("sku"))


def _body(kind: str, form: dict[str, str]) -> dict[str, Any]:
    if kind == "cancel-line":
        return {
            "type": "OrderCancelled",
            "order_id": form["order_id"],
            "line_ids": [form["line_id"]],
            "reason": _reason(form),
        }
    if kind == "cancel-order":
        return {"type": "OrderCancelled", "order_id": form["order_id"], "reason": _reason(form)}
    if kind in ("release-ahead", "withdraw-release"):
        verb = "LineReleasedAhead" if kind == "release-ahead" else "LineReleaseWithdrawn"
        return {
            "type": verb,
            "order_id": form["order_id"],
            "line_id": form["line_id"],
            "reason": _reason(form),
        }
    # Version 2 of these: it carries the operator's reason (version 1 has none).
    if kind in ("accept-substitute", "decline-substitute"):
        verb = "SubstituteAccepted" if kind == "accept-substitute" else "SubstituteDeclined"
        return {
            "type": verb,
            "schema_version": 2,
            "order_id": form["order_id"],
            "line_id": form["line_id"],
            "reason": _reason(form),
        }
    body = {
        "type": "SkuConfigured",
        "schema_version": 2,
        "sku": form["sku"],
        "reorder_point": _count(form, "reorder_point"),
        "safety_stock": _count(form, "safety_stock"),
        "allocation_policy": form.get("allocation_policy") or None,
        "reason": _reason(form),
    }
    rationing = _rationing(form)
    return {**body, "schema_version": 4, **rationing} if rationing else body


def _rationing(form: dict[str, str]) -> dict[str, Any]:
    """SkuConfigured version 4's settings the operator filled in (a field left empty: left as it was).

    The contract checks them (levels rising with tier, absurd quotas) and names the field.
    """
    settings: dict[str, Any] = {}
    given = [tier for tier in ("gold", "standard") if form.get(f"reserve_{tier}", "").strip()]
    if given:
        settings["reserve"] = {tier: _count(form, f"reserve_{tier}") for tier in given}
    if form.get("quota_units", "").strip():
        settings["quota"] = {
            "units": _count(form, "quota_units"),
            "period": form.get("quota_period") or "week",
            "per": form.get("quota_per") or "customer",
            "beyond": form.get("quota_beyond") or "next_period",
        }
    if form.get("redistribute_within_hours", "").strip():
        settings["redistribute_within_hours"] = _count(form, "redistribute_within_hours")
    return settings


def _reason(form: dict[str, str]) -> str:
    reason = form.get("reason", "").strip()
    if not reason:
        raise ActionError("say why: a reason is recorded with the action")
    return reason


def _count(form: dict[str, str], name: str) -> int:
    text = form.get(name, "").strip()
    if not text.isdigit():
        raise ActionError(f"{name.replace('_', ' ')}: a whole number of units, not {text!r}")
    return int(text)
