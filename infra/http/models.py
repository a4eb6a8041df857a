"""What the service answers: pydantic models, the API contract (docs/openapi.json).

They mirror the read models' query results (projections/*_read.py dataclasses)
field for field where those exist, so the JSON of `GET /skus/{sku}/queue` is the
JSON of `antrian queue SKU --json`; they are declared here, apart, because the
HTTP contract is published and versioned with the API, not with the read models.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The buyer's read models answer in pydantic models made for this (projections/purchasing/models.py):
# served as they are, so one definition says what a purchase order or a supplier's figures are.
from projections.purchasing.models import IncomingSupply

# The report's capacity outlook is made for the report (services/capacity_report.py), as GET /capacity's is.
from services.capacity_report import ReportOutlook


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class Problem(Model):
    detail: str


class QueueLineState(Model):
    """A waiting line's place and promise: the fields of the live queue's entries (read models) and of the
    queue as of an instant's (the Stock then) alike."""

    position: int = Field(description="1 = next to be served")
    order_id: str
    line_id: str
    quantity: int = Field(description="units still waiting")
    units_ahead: int
    tier: str
    placed_at: datetime
    waiting_since: date
    wait_limit: date | None
    eta: date | None
    needs_purchase: bool
    released_ahead: bool = Field(
        description="an operator released it ahead (LineReleasedAhead): served before every line not released"
    )


class QueueEntry(QueueLineState):
    customer_id: str | None
    eta_revisions: int
    substitute_offer: str | None


class QueueTotals(Model):
    sku: str
    policy: str
    lines: int
    units_waiting: int
    oldest_since: date | None
    units_covered: int
    units_needing_purchase: int
    open_po_units: int


class SkuQueue(Model):
    totals: QueueTotals
    entries: list[QueueEntry]


class QuotaSetting(Model):
    """A SKU's per-period quota (quota-v1; SkuConfigured version 4)."""

    units: int
    period: str = Field(description="day, week (ISO) or month, of the decision's time in UTC")
    per: str = Field(description="customer, group or channel")
    beyond: str = Field(description="next_period or unwanted: what the part over the quota waits for")


class StockState(Model):
    """What the Stock aggregate holds at one of its versions (services/stock_position.py builds it): the
    fields of the live position and of the position as of an instant alike."""

    sku: str
    policy: str
    version: int = Field(description="the Stock aggregate's version this was read at")
    on_hand: dict[str, int] = Field(description="units on hand per warehouse")
    on_hand_total: int
    allocated: int
    available: int = Field(description="available to promise: on hand minus allocated")
    units_waiting: int
    lines_waiting: int
    oldest_wait_since: date | None
    units_needing_purchase: int
    units_inbound: int = Field(description="units on purchase orders scheduled to arrive, not received yet")
    reorder_point: int
    safety_stock: int
    order_up_to: int | None = Field(description="the level replenish-v2 buys up to; null: none")
    eta_policy: str = Field(description="the ETA policy its promises are made with (eta-v1 to eta-v6)")
    replenish_policy: str = Field(description="the replenishment rule it follows (eta-v1's, or replenish-v2)")
    reserve: dict[str, int] = Field(
        description="units each tier may not take (tier-reserve-v1/v2), as configured; {}: none"
    )
    quota: QuotaSetting | None = Field(description="the per-period quota (quota-v1); null: none")
    redistribute_within_hours: int = Field(
        description="how recent a lower tier's allocation a higher tier may take (redistribute-v1); 0: off"
    )
    suggested_by_supplier: dict[str, int] = Field(
        description="replenishment suggested and not yet ordered, by supplier id"
    )
    failover_by_supplier: dict[str, int] = Field(
        description="failover purchases suggested and not yet ordered (eta-v3), by supplier id"
    )
    substitutes: list[str]
    substitute_for: list[str]


class StockPosition(StockState):
    """The Stock at its latest version, with the supply side from the purchase-order read model."""

    incoming_supply: list[IncomingSupply]


class OrderLineState(Model):
    """An order line's counts and its place in its SKU's queue: the fields of the live line (read models)
    and of the line as of an instant (the Order and Stock aggregates then) alike."""

    line_id: str
    sku: str
    status: str
    ordered: int
    allocated: int
    substitute_allocated: int = Field(description="part of `allocated` taken from a substitute SKU")
    backordered: int
    shipped: int
    cancelled: int
    position: int | None = Field(description="place in the SKU's queue while units wait (1: next served)")
    units_ahead: int | None
    eta: date | None
    needs_purchase: bool


class OrderLine(OrderLineState):
    eta_revisions: int
    substitute_offers: list[str] = Field(description="each offer as 'SKU xN offered|accepted|declined'")
    released_ahead: bool = Field(description="waiting, and released ahead of its queue by an operator")


class OrderHead(Model):
    """Who placed an order, when and how it ships: the live order's and the order as of an instant's."""

    order_id: str
    customer_id: str
    tier: str
    placed_at: datetime
    shipping: str
    accept_substitutes: bool


class EtaRevision(Model):
    line_id: str
    at: str | None = Field(description="business time of the decision that changed the promise")
    previous_eta: date | None
    eta: date | None
    needs_purchase: bool


class NotificationSent(Model):
    idempotency_key: str
    kind: str
    status: str
    channel_recipient: str
    line_id: str | None
    subject: str
    delivered_at: str | None
    changed_at: str | None


class Order(OrderHead):
    customer_email: str
    lines: list[OrderLine]
    eta_revisions: list[EtaRevision]
    notifications: list[NotificationSent]


class AuditEntry(Model):
    notification_id: int
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    business_time: str | None
    causation_message_id: str | None
    by: str | None = Field(
        description="Who handed in the message that caused it: an HTTP token's name, cli:<user>, "
        "kafka:<topic>; null when unknown (stored before callers were kept)"
    )
    summary: str
    decisions: dict[str, dict[str, Any]]
    replay: list[str]
    data: dict[str, Any]


class Decision(Model):
    subject: str
    kind: str
    policy: str
    message_id: str
    verdict: Literal["MATCH", "DIFF"]
    reason: str
    inputs: dict[str, Any]
    recorded: Any
    recomputed: Any


class Decisions(Model):
    order_id: str
    decisions: list[Decision]
    diffs: int


class Backorder(QueueEntry):
    sku: str
    warehouses: list[str] = Field(
        description="the warehouses that stock its SKU: a SKU's units are pooled, so the line ships "
        "from whichever of them holds units when its turn comes"
    )
    age_days: int
    overdue: bool = Field(description="its ETA is before as_of")


class Notification(Model):
    idempotency_key: str
    status: str
    attempts: int
    kind: str
    order_id: str | None
    line_id: str | None
    sku: str | None
    customer_id: str | None
    recipient: str
    locale: str
    subject: str
    body: str
    next_attempt_at: str | None
    last_error: str | None
    delivered_at: str | None
    changed_at: str | None


class Retry(Model):
    attempt: int
    by: str
    at: datetime
    outcome: str
    reason: str
    corrected: bool


class DeadLetter(Model):
    id: str
    source: str
    message_id: str | None
    message_type: str | None
    field: str | None
    reason: str
    original: str = Field(description="the bytes refused, as UTF-8 text")
    resolved: bool
    retries: list[Retry]


class RetryResult(Model):
    letter_id: str
    source: str
    message_id: str | None
    outcome: str | None = Field(description="applied / already applied / refused; null: resolved before")
    reason: str
    corrected: bool
    by: str


class MessageOutcome(Model):
    index: int = Field(description="0-based place of the message in the request")
    message_id: str | None
    message_type: str | None
    outcome: Literal["applied", "already applied", "refused", "refused before", "parked"]
    field: str | None
    reason: str
    dead_letter_id: str | None = Field(None, description="where a refusal was kept (GET /dead-letters)")


class MessagesResult(Model):
    outcomes: list[MessageOutcome]
    applied: int
    already_applied: int
    refused: int
    parked: int


class LineState(Model):
    status: str | None = Field(description="The order line's status; null for a line not placed yet")
    position: int | None = Field(description="1-based place in its SKU's queue; null when it does not wait")
    eta: date | None = Field(description="The SKU's promise while it waits")


class LineImpact(Model):
    order_id: str
    line_id: str
    sku: str
    before: LineState
    after: LineState


class Preview(Model):
    """What the message would do now, decided by the engine's own handlers on copies; nothing recorded."""

    message_id: str | None
    message_type: str | None
    outcome: Literal["would apply", "already applied", "refused", "refused before", "would wait"]
    field: str | None = Field(description="The field a refusal names")
    reason: str | None
    lines: list[LineImpact] = Field(
        description="Every line whose place, status or ETA would change, and every line of an order it changes"
    )


class SkuFigures(Model):
    sku: str
    lines: int
    units: int
    backordered_lines: int
    backordered_units: int
    backorder_share: float


class SupplierFigures(Model):
    supplier_id: str
    name: str
    receipts: int
    on_time: int
    on_time_rate: float
    mean_delay_days: float


class DayUnits(Model):
    day: date
    units: int = Field(description="units waiting at the end of the day, all SKUs")


class WeekWaits(Model):
    week: str = Field(description="ISO week of the orders, as 2026-W02")
    lines: int = Field(description="backordered lines ordered that week and filled since")
    p50_days: float
    p90_days: float


class Kept(Model):
    kept: int = Field(description="promises kept: the line filled on or before the date")
    judged: int = Field(description="promises settled: kept, or the date passed with the line unfilled")
    rate: float | None


class SupplierPromises(Model):
    supplier_id: str = Field(description="the supplier the promise rests on; `unknown` before it was kept")
    first: Kept
    latest: Kept


class CalibrationBucket(Model):
    confidence: str = Field(description="the bucket of confidence the promises were made with, as 0.90-0.95")
    mean_promised: float | None = Field(description="mean confidence of the bucket's first promises")
    first: Kept
    latest: Kept


class PromisesKept(Model):
    first: Kept
    latest: Kept
    suppliers: list[SupplierPromises]
    calibration: list[CalibrationBucket]


class Moment(Model):
    as_of: datetime = Field(
        description="the instant asked for, in UTC (business time: messages' occurred_at)"
    )
    log_position: int | None = Field(
        description="the last notification the answer includes (0: none, before the first message; null: the "
        "log's end, no message occurred after the instant)"
    )
    messages_applied: int
    exact: bool = Field(
        description="true: the state of a fresh store fed only the messages occurred by as_of; false: see missing"
    )
    missing: list[str] = Field(
        description="messages occurred by as_of but applied (or refused) after one occurring later: the answer "
        "lacks them (first 20)"
    )
    missing_count: int
    unknown_time: list[str] = Field(
        description="messages stored before their content (and time) was kept: placed by their log position"
    )
    unknown_time_count: int
    note: str


class Report(Model):
    start: date | None
    end: date | None
    computed_at: datetime = Field(description="when these figures were computed (UTC)")
    current: bool = Field(
        description="false: the read model has moved since, and newer figures are being computed (ask again, or "
        "with fresh=true)"
    )
    lines: int
    units: int
    fill_rate: float | None
    backorder_rate: float | None
    backordered_lines: int
    backordered_units: int
    filled_after_backorder: int
    still_waiting_lines: int
    cancelled_by_customer: int
    cancelled_automatically: int
    wait_mean_days: float | None
    wait_p90_days: float | None
    promised_lines: int
    eta_on_time: float | None
    mean_slip_days: float | None
    skus: list[SkuFigures]
    top_waiting: list[tuple[str, int]]
    suppliers: list[SupplierFigures]
    supplier_on_time: float | None
    supplier_mean_delay_days: float | None
    waiting_units_by_day: list[DayUnits] = Field(description="the chart of waiting units over time")
    waits_by_week: list[WeekWaits] = Field(description="the chart of waits per week")
    promises: PromisesKept | None = None
    capacity_outlook: ReportOutlook = Field(
        description="per warehouse with a capacity: the weeks over it in the coming weeks (by how much, the POs "
        "causing it) and what to do, as fields and as a sentence; empty (configured false) when no warehouse "
        "has a capacity. From the event store, not the range: see `GET /capacity` for the week-by-week detail"
    )
    moment: Moment | None = Field(
        None, description="with as_of: the part of the log the figures were folded from (else null)"
    )


class Check(Model):
    name: str
    ok: bool
    detail: str


class Health(Model):
    status: Literal["ok", "not ready"]
    checks: list[Check]
