"""How well each method would have forecast: rolling origins, MASE and RMSSE against seasonal-naive.

For each series long enough, origins every `step` days leave `horizon` days out,
each method is fitted on what came before an origin and scored on the days after
it. Errors are scaled by the seasonal-naive in-sample error of the history
before the first origin (MASE: mean absolute, RMSSE: root mean squared), so a
score below 1 beats "same as last week" fitted in-sample, and the baseline's own
out-of-sample score is shown beside it. Scores are averaged per series, then per
class; the class's chosen method is the one the planning run uses, and `best`
the candidate with the lowest MASE. On very sparse series (demand one day in four)
an absolute error is least for a forecast of zero, so MASE can favour seasonal-naive
(mostly zeros) where RMSSE, the M5 competition's measure, does not: read both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

from domain.planning import classify
from services.planning.forecasting import long_frame
from services.planning.methods import BASELINE, CANDIDATES, RUN_METHODS, SEASON, model


@dataclass(frozen=True)
class Score:
    mase: float
    rmsse: float
    series: int


@dataclass
class ClassScores:
    demand_class: str
    chosen: str  # the method a planning run uses for this class
    scores: dict[str, Score] = field(default_factory=dict)

    @property
    def best(self) -> str:
        return min(self.scores, key=lambda m: (self.scores[m].mase, m))


@dataclass
class Backtest:
    horizon: int
    windows: int
    step: int
    skipped: int  # series too short, or with no demand
    classes: dict[str, ClassScores]
    overall: dict[str, Score]


def backtest(
    series: Mapping[str, Sequence[float]],
    horizon: int = 7,
    windows: int = 4,
    step: int = 7,
    methods: Sequence[str] = CANDIDATES,
) -> Backtest:
    """Series end on the same day (the last origin + horizon); each needs two seasons before its first origin."""
    held_out = horizon + step * (windows - 1)
    usable = {s: list(v) for s, v in series.items() if len(v) >= held_out + 2 * SEASON and any(v[:-held_out])}
    per_series = _scores(usable, horizon, windows, step, methods) if usable else {}
    by_class: dict[str, list[str]] = defaultdict(list)
    for sku in sorted(per_series):
        by_class[classify(usable[sku][:-held_out]).demand_class.value].append(sku)
    classes = {}
    for name, skus in sorted(by_class.items()):
        classes[name] = ClassScores(name, RUN_METHODS[name], _averaged(per_series, skus, methods))
    overall = _averaged(per_series, sorted(per_series), methods)
    return Backtest(horizon, windows, step, len(series) - len(per_series), classes, overall)


def _scores(
    series: Mapping[str, list[float]], horizon: int, windows: int, step: int, methods: Sequence[str]
) -> dict[str, dict[str, tuple[float, float]]]:
    import numpy as np
    from statsforecast import StatsForecast

    held_out = horizon + step * (windows - 1)
    scale = {}
    for sku, values in series.items():
        train = np.asarray(values[:-held_out])
        diffs = train[SEASON:] - train[:-SEASON]
        scale[sku] = (float(np.mean(np.abs(diffs))), float(np.mean(diffs**2)))
    sf = StatsForecast(models=[model(m) for m in methods], freq=1, n_jobs=1)
    cv = sf.cross_validation(df=long_frame(series), h=horizon, n_windows=windows, step_size=step)
    found: dict[str, dict[str, tuple[float, float]]] = {}
    for sku, rows in cv.groupby("unique_id", sort=True):
        mae_scale, mse_scale = scale[str(sku)]
        if mae_scale == 0 or mse_scale == 0:
            continue
        y = rows["y"].to_numpy()
        found[str(sku)] = {
            m: (
                float(np.mean(np.abs(y - np.nan_to_num(rows[m].to_numpy())))) / mae_scale,
                float(np.sqrt(np.mean((y - np.nan_to_num(rows[m].to_numpy())) ** 2) / mse_scale)),
            )
            for m in methods
        }
    return found


def _averaged(
    per_series: Mapping[str, dict[str, tuple[float, float]]], skus: Sequence[str], methods: Sequence[str]
) -> dict[str, Score]:
    if not skus:
        return {}
    return {
        m: Score(
            round(fmean(per_series[s][m][0] for s in skus), 4),
            round(fmean(per_series[s][m][1] for s in skus), 4),
            len(skus),
        )
        for m in methods
    }


__all__ = ["BASELINE", "Backtest", "ClassScores", "Score", "backtest"]
