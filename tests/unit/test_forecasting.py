"""Forecasts, their p90 band, and the backtest on series whose structure is known."""

from __future__ import annotations

import numpy as np
import pytest

from domain.planning import DemandClass, classify
from services.planning.backtest import BASELINE, backtest
from services.planning.forecasting import forecast_all
from services.planning.methods import RUN_METHODS, method_for


def seasonal(rng: np.random.Generator, days: int) -> list[float]:
    """A weekly pattern: busy Mondays, quiet weekends, around 12 units a day."""
    week = np.array([22, 16, 12, 12, 10, 6, 4])
    return [float(x) for x in rng.poisson(np.resize(week, days))]


def intermittent(rng: np.random.Generator, days: int) -> list[float]:
    """Demand on about one day in three, of 2 to 4 units."""
    return [float(rng.integers(2, 5)) if rng.random() < 0.33 else 0.0 for _ in range(days)]


def lumpy(rng: np.random.Generator, days: int) -> list[float]:
    """Demand on about two days in five, of 1 to 40 units."""
    return [float(rng.geometric(0.08)) if rng.random() < 0.4 else 0.0 for _ in range(days)]


MAKERS = {"smooth": seasonal, "intermittent": intermittent, "lumpy": lumpy}


@pytest.fixture(scope="module")
def synthetic() -> dict[str, list[float]]:
    rng = np.random.default_rng(16)
    return {f"{kind}-{n}": make(rng, 180) for kind, make in MAKERS.items() for n in range(6)}


def test_the_synthetic_series_fall_in_the_classes_they_were_made_for(synthetic):
    for sku, values in synthetic.items():
        assert classify(values).demand_class.value == sku.split("-")[0]


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_the_backtest_scores_the_runs_method_for_each_class_better_than_seasonal_naive(synthetic, kind):
    result = backtest(synthetic, horizon=7, windows=4, step=7)

    scores = result.classes[kind]
    assert scores.chosen == RUN_METHODS[kind]
    assert scores.scores[scores.chosen].mase < scores.scores[BASELINE].mase
    assert scores.scores[scores.best].mase < scores.scores[BASELINE].mase
    assert scores.scores[scores.chosen].series == 6


def test_on_very_sparse_lumpy_series_the_runs_method_still_beats_seasonal_naive_on_rmsse():
    """Demand one day in four: an absolute error is least for a forecast of zero, which seasonal-naive
    mostly is, so MASE may prefer it; squared errors (RMSSE, the M5 competition's measure) do not."""
    rng = np.random.default_rng(16)
    sparse = {
        f"lumpy-{n}": [float(rng.geometric(0.08)) if rng.random() < 0.25 else 0.0 for _ in range(180)]
        for n in range(6)
    }
    scores = backtest(sparse, horizon=7, windows=4, step=7).classes["lumpy"].scores
    assert scores["TSB"].rmsse < scores[BASELINE].rmsse


def test_the_backtest_leaves_out_series_too_short_or_without_demand():
    rng = np.random.default_rng(1)
    result = backtest({"long": seasonal(rng, 80), "short": seasonal(rng, 20), "none": [0.0] * 80})
    assert result.skipped == 2
    assert result.overall[BASELINE].series == 1


def test_a_weekly_pattern_is_forecast_week_after_week_with_a_band_above_it(synthetic):
    values = synthetic["smooth-0"]
    found = forecast_all({"A": values}, {"A": "SeasonalES"}, 28)["A"]

    assert len(found.forecast) == len(found.p90) == 28
    # 180 days of history: forecast day 3 is day 182, a "Monday" (182 % 7 == 0), day 2 a "Sunday"
    week = found.forecast[:7]
    assert max(week) == week[2] and min(week) == week[1]
    assert found.forecast[:7] == pytest.approx(found.forecast[7:14], abs=1e-6)
    assert all(hi >= mean >= 0 for hi, mean in zip(found.p90, found.forecast, strict=True))
    assert found.demand_sd > 0


def test_the_band_is_the_forecast_plus_the_90th_percentile_of_in_sample_errors(synthetic):
    found = forecast_all({"B": synthetic["intermittent-0"]}, {"B": "CrostonSBA"}, 7)["B"]
    bump = {round(hi - mean, 2) for hi, mean in zip(found.p90, found.forecast, strict=True)}
    assert len(bump) == 1 and bump.pop() > 0


def test_forecasting_twice_gives_the_same_figures(synthetic):
    methods = {sku: method_for(classify(v).demand_class, len(v)) for sku, v in synthetic.items()}
    assert forecast_all(synthetic, methods, 14) == forecast_all(synthetic, methods, 14)


def test_a_sku_without_demand_is_forecast_zero_and_a_short_history_its_average():
    assert method_for(DemandClass.NO_DEMAND, 0) == "none"
    assert method_for(DemandClass.SMOOTH, 10) == "HistoricAverage"
    found = forecast_all({"Z": [], "S": [2.0, 4.0] * 3}, {"Z": "none", "S": "HistoricAverage"}, 7)
    assert found["Z"].forecast == [0.0] * 7
    assert found["S"].forecast == [3.0] * 7
