"""Reading the audit history: one order's or one SKU's timeline, worded for people.

Each entry keeps the whole published payload (for `--jsonl`), the decisions
it carries (policy with its version, the message it was taken for, as-of
time, inputs, reason), a one-line summary, and the `antrian replay decision`
command that re-runs the decisions about the orders it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import orjson

from projections.audit import LINE_LISTS, order_subject, orders_named, sku_subject
from projections.store import Tx

_TIMELINE = """
SELECT e.notification_id, e.event_type, e.aggregate_type, e.aggregate_id, e.aggregate_version,
       e.business_time, e.causation_message_id, e.data, c.caused_by
FROM audit_links l JOIN audit_events e ON e.notification_id = l.notification_id
LEFT JOIN audit_callers c ON c.causation_message_id = e.causation_message_id
WHERE l.subject = ? ORDER BY e.notification_id
"""
REPLAY = "antrian replay decision {}"


@dataclass(frozen=True)
class Entry:
    notification_id: int
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    business_time: str | None  # from the payload, else from another event of the same message, else None
    causation_message_id: str | None
    by: str | None  # who handed in the causing message (token name, cli:<user>, kafka:<topic>), if known
    summary: str
    decisions: dict[str, dict[str, Any]]  # "decision" / "eta_decision" -> the decision as published
    replay: list[str]
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def order_timeline(tx: Tx, order_id: str) -> list[Entry]:
    """Every event about `order_id`: its own and the Stock events that name it.

    A Stock decision can name hundreds of lines (one EtasRevised re-promises a
    whole queue): the summary speaks of this order's lines and counts the rest.
    """
    entries = []
    for row in tx.all(_TIMELINE, (order_subject(order_id),)):
        entry = _entry(row, [order_id])
        if entry.aggregate_type == "Stock":
            entry = replace(entry, summary=_summary_for(entry.event_type, entry.data, order_id))
        entries.append(entry)
    return _timed(entries)


def _summary_for(event_type: str, data: dict[str, Any], order_id: str) -> str:
    others = 0
    mine = dict(data)
    for field in LINE_LISTS:
        if data.get(field):
            mine[field] = [item for item in data[field] if item["order_id"] == order_id]
            others += len(data[field]) - len(mine[field])
    summary = summarize(event_type, mine)
    return summary + (f" (and {others} other line(s))" if others else "")


def sku_timeline(tx: Tx, sku: str) -> list[Entry]:
    """Every event of the SKU's Stock, and the supplier events that name the SKU."""
    entries = []
    for row in tx.all(_TIMELINE, (sku_subject(sku),)):
        data = orjson.loads(row[7])
        entries.append(_entry(row, orders_named(data) if row[2] == "Stock" else [], data))
    return _timed(entries)


def _timed(entries: list[Entry]) -> list[Entry]:
    """Give events with no time of their own (Order events) the business time of the message that caused them.

    Every event one inbound message caused shares its business time; the
    Stock events of that message carry it in their decision's as-of.
    """
    times = {e.causation_message_id: e.business_time for e in entries if e.business_time}
    return [
        e if e.business_time else replace(e, business_time=times.get(e.causation_message_id)) for e in entries
    ]


def _entry(row: tuple[Any, ...], orders: list[str], data: dict[str, Any] | None = None) -> Entry:
    data = orjson.loads(row[7]) if data is None else data
    decisions = {key: data[key] for key in ("decision", "eta_decision") if data.get(key)}
    return Entry(
        notification_id=int(row[0]),
        event_type=row[1],
        aggregate_type=row[2],
        aggregate_id=row[3],
        aggregate_version=int(row[4]),
        business_time=row[5],
        causation_message_id=row[6],
        by=row[8],
        summary=summarize(row[1], data),
        decisions=decisions,
        replay=[REPLAY.format(order_id) for order_id in orders] if decisions else [],
        data=data,
    )


def _lines(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i['order_id']}/{i['line_id']} x{i['quantity']}" for i in items)


def _eta(value: str | None, needs_purchase: bool = False) -> str:
    return (value or "none") + (" (needs purchase)" if needs_purchase else "")


def _requested(d: dict[str, Any]) -> str:
    text = (
        f"line {d['order_id']}/{d['line_id']} asks {d['requested_quantity']}: "
        f"{d['allocated_quantity']} allocated, {d['backordered_quantity']} backordered"
    )
    if d.get("queue_position"):
        text += f" at queue position {d['queue_position']} ({d['units_ahead']} unit(s) ahead)"
    text += f", substitute for {d['substitute_for']}" if d.get("substitute_for") else ""
    pushed = d.get("pushed_back") or ()
    if d.get("moved_back"):
        text += f"; joined ahead of {d['moved_back']} waiting line(s)"
    return text + (
        ": " + ", ".join(f"{p['order_id']}/{p['line_id']} (now {p['queue_position']})" for p in pushed)
        if pushed
        else ""
    )


def _etas(d: dict[str, Any]) -> str:
    parts = [
        f"{c['order_id']}/{c['line_id']} {_eta(c['previous_eta'])} -> {_eta(c['eta'], c['needs_purchase'])}"
        for c in d["changes"]
    ]
    parts += [
        f"{x['order_id']}/{x['line_id']} x{x['quantity']} expired (ETA {x['eta']} after limit {x['wait_limit']})"
        for x in d["expired"]
    ]
    return f"promises from position {d['from_queue_position']}: " + "; ".join(parts)


def _places(places: list[dict[str, Any]]) -> str:
    return ", ".join(f"{p['order_id']}/{p['line_id']} (now {p['queue_position']})" for p in places)


def _released_ahead(d: dict[str, Any]) -> str:
    text = (
        f"line {d['order_id']}/{d['line_id']} released ahead by {d['released_by'] or 'an operator'} "
        f"({d['reason']}): position {d['previous_queue_position']} -> {d['queue_position']}"
    )
    passed = d.get("pushed_back") or ()
    return text + (f"; passed {d['moved_back']} line(s): {_places(passed)}" if passed else "")


def _release_withdrawn(d: dict[str, Any]) -> str:
    text = (
        f"release of {d['order_id']}/{d['line_id']} withdrawn by {d['withdrawn_by'] or 'an operator'} "
        f"({d['reason']}): position {d['previous_queue_position']} -> {d['queue_position']}"
    )
    moved = d.get("moved_forward") or ()
    return text + (f"; {d['moved']} line(s) moved up: {_places(moved)}" if moved else "")


def _why(d: dict[str, Any]) -> str:
    """An operator's reason, where the message gave one (payloads before it was kept have no field)."""
    return f"; reason: {d['reason']}" if d.get("reason") else ""


def _rationing(d: dict[str, Any]) -> str:
    """SkuConfigured version 4's settings, where the message gave them (none before it)."""
    parts = []
    if d.get("reserve") is not None:
        kept = ", ".join(f"{tier} {units}" for tier, units in d["reserve"].items()) or "none"
        parts.append(f"kept back from tiers: {kept}")
    if d.get("quota"):
        q = d["quota"]
        parts.append(f"quota {q['units']}/{q['period']} per {q['per']} (beyond it: {q['beyond']})")
    if d.get("redistribute_within_hours") is not None:
        hours = d["redistribute_within_hours"]
        parts.append(f"redistributes allocations younger than {hours}h" if hours else "no redistribution")
    return "".join(f"{part}, " for part in parts)


def _by_policy(d: dict[str, Any], word: str, lines: str) -> str:
    """Redistribution's two decisions say so; the rest read as before."""
    if (d.get("decision") or {}).get("policy") == "redistribute-v1":
        for_line = "/".join((d["decision"].get("inputs") or {}).get("for") or [])
        if word == "took back":
            return f"redistributed to higher-tier {for_line}: took back {lines} (they wait again)"
        return f"redistributed: {lines} given to higher-tier {for_line}"
    return f"{word} {lines}"


def _cancelled(d: dict[str, Any]) -> str:
    who = "automatically" if d["automatic"] else "by the customer"
    return (
        f"line {d['line_id']} cancelled {who} ({d['reason']}): {d['released_quantity']} released, "
        f"{d['withdrawn_quantity']} withdrawn from the queue"
    )


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "Order.Placed": lambda d: (
        f"order {d['order_id']} placed by {d['customer_id']} ({d['customer_tier']}"
        + (f", group {d['customer_group']}" if d.get("customer_group") else "")
        + (f", via {d['channel']}" if d.get("channel") else "")
        + "): "
        + ", ".join(f"line {x['line_id']} {x['quantity']} x {x['sku']}" for x in d["lines"])
    ),
    "Order.LineAllocated": lambda d: f"line {d['line_id']}: {d['quantity']} x {d['sku']} allocated",
    "Order.LineBackordered": lambda d: (
        f"line {d['line_id']}: {d['quantity']} waiting at position {d['queue_position']}, "
        f"ETA {_eta(d['eta'], d['needs_purchase'])}"
    ),
    "Order.BackorderFilled": lambda d: (
        f"line {d['line_id']}: {d['quantity']} x {d['sku']} filled from the queue"
    ),
    "Order.AllocationRevoked": lambda d: f"line {d['line_id']}: {d['quantity']} x {d['sku']} taken back",
    "Order.EtaRevised": lambda d: (
        f"line {d['line_id']}: ETA {_eta(d['previous_eta'])} -> {_eta(d['eta'], d['needs_purchase'])}"
    ),
    "Order.SubstituteOffered": lambda d: (
        f"line {d['line_id']}: offered {d['quantity']} x {d['substitute_sku']}"
    ),
    "Order.SubstituteAccepted": lambda d: (
        f"line {d['line_id']}: accepted {d['quantity']} x {d['substitute_sku']}{_why(d)}"
    ),
    "Order.SubstituteDeclined": lambda d: f"line {d['line_id']}: declined {d['substitute_sku']}{_why(d)}",
    "Order.LineCancelled": _cancelled,
    "Order.LineShipped": lambda d: (
        f"line {d['line_id']} shipped from {d['warehouse']}: "
        + ", ".join(f"{s['quantity']} x {s['sku']}" for s in d["shipped"])
    ),
    "Stock.Registered": lambda d: (
        f"SKU {d['sku']} registered ({d['allocation_policy']}"
        + (f", promises with {d['eta_policy']})" if d.get("eta_policy") else ")")
    ),
    "Stock.Configured": lambda d: (
        f"configured: reorder point {d['reorder_point']}, safety stock {d['safety_stock']}, "
        + (f"order-up-to {d['order_up_to'] or 'none'}, " if d.get("order_up_to") is not None else "")
        + (f"promises with {d['eta_policy']}, " if d.get("eta_policy") else "")
        + (f"replenishes under {d['replenish_policy']}, " if d.get("replenish_policy") else "")
        + _rationing(d)
        + f"{d['allocation_policy']}{_why(d)}"
    ),
    "Stock.SourceSet": lambda d: (
        f"source {d['supplier_id']} ({d['priority']}): lead time {d['lead_time_days']}d, "
        f"lateness {d['lateness_days']}d"
    ),
    "Stock.SourceRemoved": lambda d: f"source {d['supplier_id']} removed",
    "Stock.SubstitutesDeclared": lambda d: "substitutes: " + (", ".join(d["substitutes"]) or "none"),
    "Stock.SubstituteForSet": lambda d: "stands in for: " + (", ".join(d["substitute_for"]) or "none"),
    "Stock.LineRequested": _requested,
    "Stock.QueueFilled": lambda d: _by_policy(d, "filled", _lines(d["fills"])),
    "Stock.AllocationsRevoked": lambda d: _by_policy(d, "took back", _lines(d["revoked"])),
    "Stock.EtasRevised": _etas,
    "Stock.LineReleasedAhead": _released_ahead,
    "Stock.ReleaseWithdrawn": _release_withdrawn,
    "Stock.Received": lambda d: (
        f"received {d['quantity']} into {d['warehouse']}"
        + (f" on {d['purchase_order_key']}" if d.get("purchase_order_key") else "")
    ),
    "Stock.Adjusted": lambda d: (
        f"counted {d['counted_quantity']} in {d['warehouse']} (was {d['previous_quantity']}): {d['reason']}"
    ),
    "Stock.Shipped": lambda d: (
        f"shipped {d['quantity']} for {d['order_id']}/{d['line_id']} from {d['warehouse']}"
    ),
    "Stock.Released": lambda d: f"released {d['quantity']} of {d['order_id']}/{d['line_id']}: {d['reason']}",
    "Stock.Withdrawn": lambda d: (
        f"withdrew {d['order_id']}/{d['line_id']} x{d['quantity']} from the queue: {d['reason']}"
    ),
    "Stock.InboundScheduled": lambda d: (
        f"inbound {d['open_quantity']} on PO {d['purchase_order_id']} from {d['supplier_id']}, "
        f"expected {d['expected_date']}, arrival {d['expected_arrival']}"
    ),
    "Stock.InboundCancelled": lambda d: f"inbound {d['purchase_order_key']} cancelled",
    "Stock.ReplenishmentSuggested": lambda d: f"suggest buying {d['quantity']} from {d['supplier_id']}",
    "Stock.SuggestionReduced": lambda d: f"outstanding suggestion now {d['outstanding_quantity']}",
    "Stock.FailoverSuggested": lambda d: (
        f"failover: suggest buying {d['quantity']} from {d['supplier_id']} for {d['line_count']} "
        f"waiting line(s) whose supply slipped"
    ),
    "Stock.FailoverReduced": lambda d: (
        f"failover suggestion from {d['supplier_id']} now {d['outstanding_quantity']}"
    ),
    "Stock.BackInStockRequested": lambda d: f"{d['customer_id']} asks to hear when back in stock",
    "Stock.BackInStockAnnounced": lambda d: (
        f"back in stock ({d['available_quantity']} free): {len(d['watchers'])} watcher(s) told"
    ),
    "Notice.Delivered": lambda d: (
        f"{d['notification']['recipient']['customer_id']} told ({d['notification']['kind']}, "
        f"{d['idempotency_key']}): {d['notification']['subject']}"
    ),
    "Supplier.Registered": lambda d: f"supplier {d['supplier_id']} ({d['name']}) registered",
    "Supplier.TermsUpdated": lambda d: f"supplier {d['name']} updated its terms",
    "Supplier.PurchaseOrderPlaced": lambda d: (
        f"PO {d['purchase_order_id']} placed: "
        + ", ".join(f"{x['quantity']} x {x['sku']}" for x in d["lines"])
        + f", expected {d['expected_date']}"
    ),
    "Supplier.PurchaseOrderReceived": lambda d: (
        f"PO {d['purchase_order_id']}: received {d['quantity']} x {d['sku']} on {d['received_on']}"
    ),
}


def summarize(event_type: str, data: dict[str, Any]) -> str:
    word = SUMMARIES.get(event_type)
    return word(data) if word else event_type
