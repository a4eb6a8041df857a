"""Planning runs: compute every SKU's plan from the history before an as-of date, record it, replay it.

`plan` is the pure part (a History in, SkuPlans out); `start_run` reads the
store's log up to its current end, plans and saves a `PlanningRun` with the
position it read up to; `replay_run` reads the log up to that same position and
plans again, so events recorded since (even a late order dated before the
as-of) change nothing, and a DIFF means the code or a library changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from domain.planning import Classification, LeadTime, classify, corrected, recommend, service_level_for
from domain.planning_run import PLANNING_POLICY, PLANNING_V1, PlanningRun, SkuPlan, policy_of
from services.planning.history import History, LatestTime, fold, latest_business_time, read_events, utc_day
from services.planning.methods import RUN_METHODS, library_versions, method_for

if TYPE_CHECKING:
    from services.planning.forecasting import Forecast

DEFAULT_HORIZON_DAYS = 56
DEFAULT_REVIEW_DAYS = 7


class NothingToPlan(Exception):
    """The store holds no SKU, order or supplier to plan from."""


@dataclass(frozen=True)
class PlanSettings:
    horizon_days: int = DEFAULT_HORIZON_DAYS
    review_days: int = DEFAULT_REVIEW_DAYS
    # Target cycle service level per demand class ("smooth", "lumpy", ...), else "default".
    service_levels: dict[str, float] = field(default_factory=lambda: {"default": 0.95})


def plan(history: History, settings: PlanSettings, policy: str = PLANNING_POLICY) -> list[SkuPlan]:
    """Every SKU's class, forecast and recommended settings: a pure function of `history` (and of
    the policy: planning-v2 plans from each series with its outliers cut, planning-v1 from it as is)."""
    from services.planning.forecasting import forecast_all

    skus = sorted(history.skus | set(history.demand))
    observed = {sku: history.series(sku) for sku in skus}
    cut: dict[str, float] = {}
    series = observed
    if policy != PLANNING_V1:
        fixed = {sku: corrected(days) for sku, days in observed.items()}
        series = {sku: c.series for sku, c in fixed.items()}
        cut = {sku: c.cut for sku, c in fixed.items()}
    classes = {sku: classify(series[sku]) for sku in skus}
    methods = {sku: method_for(classes[sku].demand_class, len(series[sku])) for sku in skus}
    forecasts = forecast_all(series, methods, settings.horizon_days)
    return [
        _sku_plan(sku, series[sku], classes[sku], forecasts[sku], history, settings, cut.get(sku, 0.0))
        for sku in skus
    ]


def _sku_plan(
    sku: str,
    series: list[float],
    judged: Classification,
    found: Forecast,
    history: History,
    settings: PlanSettings,
    outlier_units: float,
) -> SkuPlan:
    level = service_level_for(judged.demand_class, settings.service_levels)
    source = history.sources.get(sku)
    lead = LeadTime(source.lead_time_days, source.delays) if source else None
    advice = recommend(found.forecast, found.demand_sd, lead, settings.review_days, level) if lead else None
    return SkuPlan(
        sku=sku,
        demand_class=judged.demand_class.value,
        adi=_r(judged.adi),
        cv2=_r(judged.cv2),
        history_days=len(series),
        method=found.method,
        forecast=found.forecast,
        p90=found.p90,
        demand_sd=found.demand_sd,
        supplier_id=source.supplier_id if source else None,
        lead_time_days=source.lead_time_days if source else None,
        lateness_mean=_r(lead.lateness_mean) if lead else None,
        lateness_sd=_r(lead.lateness_sd) if lead else None,
        deliveries=lead.deliveries if lead else 0,
        service_level=level,
        safety_stock=advice.safety_stock if advice else None,
        reorder_point=advice.reorder_point if advice else None,
        order_up_to=advice.order_up_to if advice else None,
        outlier_units=outlier_units,
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def read_history(engine: Any, as_of: date | None, up_to: int | None = None) -> History:
    """The store's history up to notification `up_to` (default: the log's end) and `as_of`
    (default: the date of the latest message time it holds, never the wall clock)."""
    position = up_to if up_to is not None else (engine.recorder.max_notification_id() or 0)
    events = read_events(engine.recorder, engine.mapper, position)
    if as_of is not None:
        history = fold(events, as_of, position)
    else:
        # One read of the log: nothing is dated after its latest message time, so folding with
        # no cut and dating the history after it gives what a fold as of that day gives.
        latest = LatestTime()
        history = fold(latest.noting(events), date.max, position)
        if latest.at is None:
            raise NothingToPlan("the store holds no orders or purchase orders: nothing to plan from")
        history.as_of = utc_day(latest.at)
    if not history.skus and not history.demand:
        raise NothingToPlan("the store holds no SKU to plan")
    return history


def start_run(
    engine: Any, as_of: date | None, settings: PlanSettings, run_id: UUID | None = None
) -> PlanningRun:
    history = read_history(engine, as_of)
    run = PlanningRun.record(
        run_id or uuid4(),
        plan(history, settings),
        as_of=history.as_of,
        horizon_days=settings.horizon_days,
        review_days=settings.review_days,
        service_levels=dict(settings.service_levels),
        log_position=history.log_position,
        inputs_fingerprint=history.fingerprint(),
        methods=dict(RUN_METHODS),
        versions={"policy": PLANNING_POLICY, **library_versions()},
    )
    with engine.write_lock:
        engine.settle()
        engine.save(run)
    return run


def latest_message_time(engine: Any) -> Any:
    """The latest message time the store holds (None: none), read from the log."""
    position = engine.recorder.max_notification_id() or 0
    return latest_business_time(read_events(engine.recorder, engine.mapper, position))


def settings_of(run: PlanningRun) -> PlanSettings:
    return PlanSettings(run.horizon_days, run.review_days, dict(run.service_levels))


@dataclass(frozen=True)
class Difference:
    sku: str
    field: str
    recorded: Any
    recomputed: Any


@dataclass
class Replayed:
    run: PlanningRun
    fingerprint: str
    versions: dict[str, str]
    differences: list[Difference]

    @property
    def matches(self) -> bool:
        return not self.differences and self.fingerprint == self.run.inputs_fingerprint


def replay_run(engine: Any, run: PlanningRun) -> Replayed:
    history = read_history(engine, run.as_of, up_to=run.log_position)
    policy = policy_of(run.versions)
    again = {p.sku: p for p in plan(history, settings_of(run), policy)}
    differences = []
    for sku in sorted(set(run.plans) | set(again)):
        before, after = run.plans.get(sku), again.get(sku)
        if before is None or after is None:
            differences.append(Difference(sku, "planned", before is not None, after is not None))
            continue
        old, new = before.model_dump(), after.model_dump()
        differences += [Difference(sku, k, old[k], new[k]) for k in old if old[k] != new[k]]
    versions = {"policy": policy, **library_versions()}
    return Replayed(run, history.fingerprint(), versions, differences)


STARTED_TOPIC = get_topic(PlanningRun.Started)


def latest_run(engine: Any) -> PlanningRun | None:
    """The run recorded last in the log, or None."""
    last, start = None, 1
    while notes := engine.recorder.select_notifications(start=start, limit=1000, topics=[STARTED_TOPIC]):
        last, start = notes[-1], notes[-1].id + 1
    if last is None:
        return None
    return engine.repository.get(last.originator_id)


def get_run(engine: Any, run_id: UUID) -> PlanningRun:
    run = engine.repository.get(run_id)
    if not isinstance(run, PlanningRun):
        raise LookupError(f"{run_id} is not a planning run")
    return run
