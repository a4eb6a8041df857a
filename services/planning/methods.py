"""The forecasting methods, by name, and which one each demand class is planned with.

statsforecast is imported here, inside functions: `antrian --help` and every
command that does not plan never load it (nor pandas).

Why these: Croston-SBA for intermittent demand and TSB for lumpy demand (it
follows a product going out of use), seasonal exponential smoothing with a
weekly season for smooth and erratic demand. AutoETS and Holt-Winters fit
many candidate models per series: about 0.1 s a series on this machine, 20
minutes for 10,000 SKUs, against a target of a minute; they stay out.
Series shorter than two weeks are planned with their average.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from domain.planning import DemandClass

SEASON = 7
MIN_SEASONAL_DAYS = 2 * SEASON
SHORT = "HistoricAverage"
RUN_METHODS: dict[str, str] = {
    DemandClass.SMOOTH.value: "SeasonalES",
    DemandClass.ERRATIC.value: "SeasonalES",
    DemandClass.INTERMITTENT.value: "CrostonSBA",
    DemandClass.LUMPY.value: "TSB",
    DemandClass.NO_DEMAND.value: "none",
    "short": SHORT,
}
BASELINE = "SeasonalNaive"
CANDIDATES = (BASELINE, "SeasonalES", "CrostonSBA", "TSB", "ADIDA", "IMAPA")


def model(name: str) -> Any:
    from statsforecast import models

    made = {
        "SeasonalES": lambda: models.SeasonalExponentialSmoothingOptimized(SEASON, alias="SeasonalES"),
        "CrostonSBA": lambda: models.CrostonSBA(),
        "TSB": lambda: models.TSB(alpha_d=0.1, alpha_p=0.1),
        "ADIDA": lambda: models.ADIDA(),
        "IMAPA": lambda: models.IMAPA(),
        BASELINE: lambda: models.SeasonalNaive(SEASON),
        SHORT: lambda: models.HistoricAverage(),
    }
    return made[name]()


def method_for(demand_class: DemandClass, history_days: int) -> str:
    if demand_class is DemandClass.NO_DEMAND:
        return RUN_METHODS[demand_class.value]
    if history_days < MIN_SEASONAL_DAYS:
        return SHORT
    return RUN_METHODS[demand_class.value]


def library_versions() -> dict[str, str]:
    return {"statsforecast": version("statsforecast"), "numpy": version("numpy")}
