"""PlanningRun: one forecast-and-recommend pass over every SKU, recorded like a decision.

A run is a pure function of the history it read: the events up to a position of
the store's log whose business time is on or before its as-of date. It keeps that
position, a fingerprint of what it read, its settings and the methods' versions,
so `antrian plan replay` can compute it again and say MATCH or DIFF. Its SKUs are
recorded in chunks (`SkusPlanned`) saved with its start in one atomic save: a
run of 10,000 SKUs is a few events of bounded size, not one huge one.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate, Value

PLANNING_V1 = "planning-v1"
PLANNING_POLICY = "planning-v2"  # new runs: planning-v1 and outlier correction (domain/planning.py)
PLANNING_POLICIES = (PLANNING_V1, PLANNING_POLICY)


def policy_of(versions: dict[str, str]) -> str:
    """The planning policy a run was made with (its `versions`), to replay it with the same one."""
    policy = versions.get("policy", PLANNING_V1)
    if policy not in PLANNING_POLICIES:
        raise ValueError(f"unknown planning policy {policy!r}; known: {', '.join(PLANNING_POLICIES)}")
    return policy


CHUNK = 500  # SKUs per SkusPlanned event


class SkuPlan(Value):
    """One SKU's class, forecast and recommended stock settings (None where it has no supplier terms)."""

    sku: str
    demand_class: str
    adi: float | None
    cv2: float | None
    history_days: int
    method: str
    forecast: list[float]  # units per day, day 1 = the day after the as-of date
    p90: list[float]  # the upper edge of the 80% band: demand stays below it 9 days in 10
    demand_sd: float
    supplier_id: str | None
    lead_time_days: int | None
    lateness_mean: float | None
    lateness_sd: float | None
    deliveries: int  # receipts the lateness was observed from
    outlier_units: float = 0.0  # planning-v2: units of demand cut to the outlier lane before forecasting
    service_level: float
    safety_stock: int | None
    reorder_point: int | None
    order_up_to: int | None

    @property
    def recommends(self) -> bool:
        return self.reorder_point is not None


class PlanningRun(Aggregate):
    class Event(Aggregate.Event):
        """Declared so the events below can name it."""

    class Started(Aggregate.Created, Event):
        as_of: date
        horizon_days: int
        review_days: int
        service_levels: dict[str, float]
        log_position: int
        inputs_fingerprint: str
        methods: dict[str, str]  # demand class -> method
        versions: dict[str, str]  # policy and library versions
        sku_count: int

    @event(Started)
    def __init__(
        self,
        as_of: date,
        horizon_days: int,
        review_days: int,
        service_levels: dict[str, float],
        log_position: int,
        inputs_fingerprint: str,
        methods: dict[str, str],
        versions: dict[str, str],
        sku_count: int,
    ) -> None:
        self.as_of = as_of
        self.horizon_days = horizon_days
        self.review_days = review_days
        self.service_levels = service_levels
        self.log_position = log_position
        self.inputs_fingerprint = inputs_fingerprint
        self.methods = methods
        self.versions = versions
        self.sku_count = sku_count
        self.plans: dict[str, SkuPlan] = {}

    @classmethod
    def record(cls, run_id: UUID, plans: list[SkuPlan], **started: object) -> PlanningRun:
        run = cls._create(cls.Started, id=run_id, sku_count=len(plans), **started)
        ordered = sorted(plans, key=lambda p: p.sku)
        for start in range(0, len(ordered), CHUNK):
            run._skus_planned(plans=ordered[start : start + CHUNK])
        return run

    class SkusPlanned(Event):
        plans: list[SkuPlan]

    @event(SkusPlanned)
    def _skus_planned(self, plans: list[SkuPlan]) -> None:
        for plan in plans:
            self.plans[plan.sku] = plan

    @property
    def complete(self) -> bool:
        return len(self.plans) == self.sku_count


PLANNING_RUN_EVENTS = (PlanningRun.Started, PlanningRun.SkusPlanned)
