"""What the buyer's queries return: pydantic models, the same for the CLI's --json and the HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.values import PurchaseOrderStatus


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Coverage(_View):
    """Waiting order lines a supply is promised to, as `eta-v1` walks the queue against open POs."""

    lines: int = Field(description="Waiting lines whose promise comes from this supply.")
    units: int = Field(description="Units of this supply that waiting lines will take.")


class Revision(_View):
    kind: str = Field(
        description="placed, confirmed, delayed, cancelled, received, or notice_came_late:<notice> "
        "(a confirmation or delay read after the goods came: kept, applied to nothing)."
    )
    expected_date: date | None = Field(description="The date this event gave, if it gave one.")
    at: str | None = Field(description="When it happened (a time, or the day goods were received).")
    reason: str | None = None
    sku: str | None = None
    quantity: int | None = None


class PurchaseOrderLineView(_View):
    sku: str
    ordered: int
    received: int
    open: int
    covers: Coverage


class PurchaseOrderView(_View):
    purchase_order_id: str
    supplier_id: str
    supplier_name: str
    status: PurchaseOrderStatus
    placed_at: datetime
    expected_date: date = Field(description="The date the PO was placed with.")
    promised_date: date = Field(
        description="The date confirmed (else placed with): lateness is measured from it."
    )
    current_expected_date: date = Field(description="The latest expectation, moved by delays.")
    confirmations: int
    delays: int
    revisions: list[Revision] = Field(description="Every dated event of the PO, oldest first.")
    lines: list[PurchaseOrderLineView]
    first_received_on: date | None
    last_received_on: date | None
    cancel_reason: str | None
    days_late: int | None = Field(
        description="Days from the promised date to the first receipt (negative: early); for an open PO "
        "with nothing received, days past the promised date as of `as_of` (0 when not yet due); "
        "None if cancelled before any receipt or no message time is known."
    )
    late_now: bool = Field(description="Open and past its current expected date as of `as_of`.")
    as_of: date | None = Field(description="The latest message time seen (never the wall clock).")
    covers: Coverage = Field(description="All lines together.")


class IncomingSupply(_View):
    """One purchase order's open units of one SKU, as the SKU expects them."""

    purchase_order_id: str
    supplier_id: str
    quantity: int = Field(description="Units still to come for this SKU.")
    expected_date: date | None = Field(description="The PO's current expected date.")
    expected_arrival: date = Field(description="Expected date plus the supplier's observed lateness.")
    lateness_days: int | None = Field(description="Days the supplier's lateness adds to the expected date.")
    status: PurchaseOrderStatus | None = Field(
        description="None while the Supplier's events are not read yet."
    )
    confirmed: bool
    delayed: bool
    late_now: bool
    covers: Coverage


class SplitPart(_View):
    arrives: date = Field(description="When this part would arrive (ordered now: lead time plus lateness).")
    quantity: int


class CapacitySplit(_View):
    """A suggestion whose quantity would put its SKU's home warehouse over capacity (antrian capacity)."""

    warehouse: str = Field(description="The SKU's home warehouse, where its purchase orders arrive.")
    parts: list[SplitPart] = Field(
        description="The quantity spread over weeks so every week stays within capacity: the most that "
        "fits on the first arrival, the most of the rest a week later, ...; a last part past the "
        "projection's horizon could not be checked."
    )
    text: str


class SavedLineView(_View):
    order_id: str
    line_id: str
    quantity: int


class ReplenishmentItem(_View):
    sku: str
    supplier_id: str = Field(
        description="Whom to buy from: the best source, or (replenish-v2) the next one for what the best "
        "cannot deliver within its weekly capacity; for a failover, the backup."
    )
    quantity: int = Field(
        description="Units suggested from this supplier and not yet answered by a purchase order."
    )
    kind: Literal["failover", "replenishment"] = Field(
        default="replenishment",
        description="failover (eta-v3): buy from the backup for waiting lines whose own supply slipped past "
        "their maximum wait or its supplier's failover_after_days; listed first.",
    )
    saves: list[SavedLineView] = Field(
        default_factory=list,
        description="A failover's lines it would serve in time (the first 20, queue order); empty otherwise.",
    )
    saves_count: int = Field(default=0, description="... all of them.")
    reason: str
    since: datetime = Field(description="First suggestion since the SKU last had nothing outstanding.")
    last_suggested_at: datetime
    suggestions: int
    projected: int | None = Field(description="Free + inbound - waiting, when last suggested.")
    need: int | None
    partly_answered_by: str | None = Field(description="The last PO (supplier/PO id) that took units off it.")
    covers: Coverage = Field(description="Waiting lines and units no open PO covers now (needs purchase).")
    capacity: CapacitySplit | None = Field(
        default=None,
        description="Set when the quantity, arriving after the supplier's lead time and lateness, would "
        "put the SKU's home warehouse over capacity: the split over time that fits. Null: it fits, or "
        "the warehouse has no capacity, or is over capacity without it (see GET /capacity).",
    )


class SupplierFigures(_View):
    received_pos: int = Field(description="POs whose first receipt was judged.")
    on_time_rate: float | None = Field(description="Share first received on or before the promised date.")
    mean_delay_days: float | None = Field(description="First receipt minus promised date (negative: early).")
    p90_delay_days: float | None = Field(description="Nearest-rank p90 of those delays.")
    fill_rate: float | None = Field(
        description="Units received (at most the ordered quantity per line) / units ordered, over POs "
        "closed after a receipt (received in full, or cancelled with part received)."
    )


class MonthFigures(SupplierFigures):
    month: str = Field(description="Calendar month of the promised date, YYYY-MM.")


DelayBucketName = Literal[
    "early", "on_time", "late_1_2", "late_3_5", "late_6_10", "late_11_20", "late_over_20"
]


class DelayBucket(_View):
    bucket: DelayBucketName
    label: str = Field(description="The bucket as people read it: early, on time, 1-2 days late, ...")
    min_days: int | None = Field(description="Fewest days late it holds (null: no lower bound).")
    max_days: int | None = Field(description="Most days late it holds (null: no upper bound).")
    pos: int = Field(description="POs whose first receipt came that many days after the promised date.")


class DelayDistribution(_View):
    """How late each PO's first receipt came, counted in fixed buckets (the POs `received_pos` counts)."""

    buckets: list[DelayBucket] = Field(
        description="Every bucket, earliest first: early (before the promised date), on time (on it), "
        "1-2, 3-5, 6-10, 11-20 and over 20 days late. Early and on time together are `on_time_rate`."
    )
    first_received_on: date | None = Field(description="The earliest first receipt counted (null: none).")
    last_received_on: date | None = Field(description="The latest first receipt counted (null: none).")


class SupplierScorecard(SupplierFigures):
    supplier_id: str
    name: str
    open_pos: int
    late_open_pos: int = Field(description="Open POs past their current expected date as of `as_of`.")
    as_of: date | None
    months: list[MonthFigures]
    delay_distribution: DelayDistribution
