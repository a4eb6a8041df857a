"""Planning arithmetic: demand classes, safety stock, reorder point, order-up-to level.

Pure functions over plain numbers (no forecasting library here: services/planning
forecasts, this turns forecasts into stock settings), so each rule has a worked
example in its tests.

* Demand class (Syntetos-Boylan): ADI, the average number of days between days
  with demand (days observed / days with demand), and CV², the squared coefficient
  of variation of the non-zero demand sizes. Cut-offs 1.32 and 0.49:
  smooth (ADI < 1.32, CV² < 0.49), erratic (ADI < 1.32, CV² >= 0.49),
  intermittent (ADI >= 1.32, CV² < 0.49), lumpy (both at or above); a SKU with no
  demand at all is `no-demand`.
* Safety stock for a cycle service level p: z(p) · sqrt(μ_L · σ_D² + μ_D² · σ_L²),
  with μ_D / σ_D the daily demand forecast and its error, μ_L / σ_L the lead time
  (terms plus observed lateness) in days and its spread.
* Reorder point: forecast demand over the lead time plus safety stock, rounded up.
* Order-up-to level: reorder point plus forecast demand over the review period.
* Outlier correction (planning-v2): before a series is classified and forecast, a
  day's demand above median + 3 · 1.4826 · MAD of the non-zero days is cut down to
  that bound (a robust three-sigma lane; needs five days with demand). A burst of
  three to five times the usual demand for a day or two is not the demand to plan
  for: in a few weeks of history it lifts the forecast, its error and so the safety
  stock for months, and stock bought for it sits on the shelf. Planners call it
  outlier correction (SAP's tolerance lane); what was cut is recorded per SKU.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from statistics import NormalDist, fmean, median, pstdev

from domain.eta import DEFAULT_LATENESS_DAYS

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
DEFAULT_SERVICE_LEVEL = 0.95
DEFAULT_LATENESS_MEAN = float(DEFAULT_LATENESS_DAYS)  # no delivery history yet: the ETA policy's buffer
DEFAULT_LATENESS_SD = 1.0  # ... and a day's spread around it
OUTLIER_LANE = 3.0  # robust standard deviations above the median a day's demand may reach
MAD_TO_SD = 1.4826  # a normal distribution's standard deviation per unit of median absolute deviation
MEAN_AD_TO_SD = 1.2533  # ... per unit of mean absolute deviation (when the MAD is 0)
MIN_DEMAND_DAYS = 5  # days with demand needed before any is judged an outlier


class DemandClass(StrEnum):
    SMOOTH = "smooth"
    ERRATIC = "erratic"
    INTERMITTENT = "intermittent"
    LUMPY = "lumpy"
    NO_DEMAND = "no-demand"


class Classification:
    """A series' class with the two figures it was judged by (None where there is no demand)."""

    __slots__ = ("demand_class", "adi", "cv2")

    def __init__(self, demand_class: DemandClass, adi: float | None, cv2: float | None) -> None:
        self.demand_class = demand_class
        self.adi = adi
        self.cv2 = cv2


def classify(daily: Sequence[float]) -> Classification:
    """Syntetos-Boylan class of a daily demand series (days without demand are 0)."""
    sizes = [d for d in daily if d > 0]
    if not sizes:
        return Classification(DemandClass.NO_DEMAND, None, None)
    adi = len(daily) / len(sizes)
    mean = fmean(sizes)
    cv2 = (pstdev(sizes) / mean) ** 2
    if adi < ADI_CUTOFF:
        demand_class = DemandClass.SMOOTH if cv2 < CV2_CUTOFF else DemandClass.ERRATIC
    else:
        demand_class = DemandClass.INTERMITTENT if cv2 < CV2_CUTOFF else DemandClass.LUMPY
    return Classification(demand_class, adi, cv2)


class Corrected:
    """A series with its outliers cut to the lane's upper bound, and how many units were cut."""

    __slots__ = ("series", "cut", "bound")

    def __init__(self, series: list[float], cut: float, bound: float | None) -> None:
        self.series = series
        self.cut = cut
        self.bound = bound


def corrected(daily: Sequence[float]) -> Corrected:
    """`daily` with each day above median + 3 · 1.4826 · MAD of its non-zero days cut to that bound.

    Days without demand stay 0 and count in neither figure: on an intermittent series
    the median of all days is 0 and every sale would look like an outlier. With fewer
    than five days with demand nothing is judged (None bound). When at least half the
    sizes are equal (MAD 0) the spread is the mean absolute deviation's (Iglewicz and
    Hoaglin's fallback); when all are equal there is no outlier.
    """
    sizes = [d for d in daily if d > 0]
    if len(sizes) < MIN_DEMAND_DAYS:
        return Corrected(list(daily), 0.0, None)
    mid = median(sizes)
    deviations = [abs(d - mid) for d in sizes]
    spread = median(deviations) * MAD_TO_SD or fmean(deviations) * MEAN_AD_TO_SD
    if not spread:
        return Corrected(list(daily), 0.0, None)
    bound = round(mid + OUTLIER_LANE * spread, 6)
    series = [min(d, bound) for d in daily]
    return Corrected(series, round(sum(daily) - sum(series), 6), bound)


def service_level_for(demand_class: DemandClass, levels: Mapping[str, float]) -> float:
    """The target for a class: its own entry, else `default`, else 95%."""
    return levels.get(demand_class.value, levels.get("default", DEFAULT_SERVICE_LEVEL))


def z_score(service_level: float) -> float:
    if not 0.5 <= service_level < 1:
        raise ValueError(f"a service level is at least 0.5 and below 1, not {service_level}")
    return NormalDist().inv_cdf(service_level)


class LeadTime:
    """Days from ordering to goods on the shelf: the terms' lead time plus observed lateness."""

    __slots__ = ("lead_time_days", "lateness_mean", "lateness_sd", "deliveries")

    def __init__(self, lead_time_days: int, delays: Sequence[int]) -> None:
        self.lead_time_days = lead_time_days
        self.deliveries = len(delays)
        # Early deliveries are not counted on: a delay below zero counts as on time.
        late = [max(0, d) for d in delays]
        self.lateness_mean = fmean(late) if late else DEFAULT_LATENESS_MEAN
        self.lateness_sd = pstdev(late) if len(late) > 1 else DEFAULT_LATENESS_SD

    @property
    def mean(self) -> float:
        return self.lead_time_days + self.lateness_mean

    @property
    def days(self) -> int:
        """Whole days of forecast the lead time covers (at least one)."""
        return max(1, math.ceil(self.mean))


def safety_stock(
    service_level: float, demand_mean: float, demand_sd: float, lead_mean: float, lead_sd: float
) -> float:
    """Units held against demand and lead-time variability over the lead time."""
    spread = math.sqrt(lead_mean * demand_sd**2 + demand_mean**2 * lead_sd**2)
    return max(0.0, z_score(service_level) * spread)


def reorder_point(lead_time_demand: float, safety: float) -> int:
    return math.ceil(round(lead_time_demand + safety, 6))


def order_up_to(reorder: int, review_demand: float) -> int:
    return reorder + math.ceil(round(review_demand, 6))


class Recommendation:
    """What a SKU's stock settings should be, and the figures they come from."""

    __slots__ = ("safety_stock", "reorder_point", "order_up_to", "service_level", "demand_mean", "demand_sd")

    def __init__(
        self,
        safety_stock: int,
        reorder_point: int,
        order_up_to: int,
        service_level: float,
        demand_mean: float,
        demand_sd: float,
    ) -> None:
        self.safety_stock = safety_stock
        self.reorder_point = reorder_point
        self.order_up_to = order_up_to
        self.service_level = service_level
        self.demand_mean = demand_mean
        self.demand_sd = demand_sd


def recommend(
    forecast: Sequence[float], demand_sd: float, lead: LeadTime, review_days: int, service_level: float
) -> Recommendation:
    """Stock settings from a daily forecast (day 1 = the day after the as-of date) and its error."""
    over_lead = forecast[: lead.days]
    review = forecast[lead.days : lead.days + review_days]
    mean = fmean(over_lead) if over_lead else 0.0
    safety = safety_stock(service_level, mean, demand_sd, lead.mean, lead.lateness_sd)
    reorder = reorder_point(sum(over_lead), safety)
    return Recommendation(
        safety_stock=math.ceil(round(safety, 6)),
        reorder_point=reorder,
        order_up_to=order_up_to(reorder, sum(review)),
        service_level=service_level,
        demand_mean=mean,
        demand_sd=demand_sd,
    )
