"""Daily forecasts with a p90 band, many series at once: one StatsForecast per method.

Series are handed over as integer days (day 0 = the SKU's first day with demand),
so no calendar or time zone can make two runs differ. The band is not each
method's own (Croston's family has none): it is the forecast plus the 90th
percentile of the method's in-sample one-step errors, the same rule for every
method, and deterministic. Figures are rounded to thousandths of a unit, so a
replay compares what was recorded, not the last bits of a float.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.planning.methods import model

DECIMALS = 3


@dataclass(frozen=True)
class Forecast:
    method: str
    forecast: list[float]
    p90: list[float]
    demand_sd: float  # spread of the in-sample one-step errors (units per day)


def zero(horizon: int, method: str = "none") -> Forecast:
    return Forecast(method, [0.0] * horizon, [0.0] * horizon, 0.0)


def forecast_all(
    series: Mapping[str, Sequence[float]], methods: Mapping[str, str], horizon: int
) -> dict[str, Forecast]:
    """Each SKU's forecast by its method ("none": zeros); series of one method are fitted in one batch."""
    by_method: dict[str, list[str]] = defaultdict(list)
    for sku in sorted(series):
        by_method[methods[sku]].append(sku)
    found = {sku: zero(horizon) for sku in by_method.pop("none", [])}
    for method, skus in sorted(by_method.items()):
        found.update(_batch(method, {sku: series[sku] for sku in skus}, horizon))
    return found


def long_frame(series: Mapping[str, Sequence[float]]) -> Any:
    import numpy as np
    import pandas as pd

    ids = list(series)
    lengths = [len(series[i]) for i in ids]
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.array(ids, dtype=object), lengths),
            "ds": np.concatenate([np.arange(n, dtype=np.int64) for n in lengths]),
            "y": np.concatenate([np.asarray(series[i], dtype=np.float64) for i in ids]),
        }
    )


def _batch(method: str, series: Mapping[str, Sequence[float]], horizon: int) -> dict[str, Forecast]:
    import numpy as np
    from statsforecast import StatsForecast

    sf = StatsForecast(models=[model(method)], freq=1, n_jobs=1)
    predicted = sf.forecast(df=long_frame(series), h=horizon, fitted=True)
    fitted = sf.forecast_fitted_values()
    column = predicted.columns[-1]
    ahead = _groups(predicted["unique_id"].to_numpy(), predicted[column].to_numpy())
    errors = _groups(fitted["unique_id"].to_numpy(), (fitted["y"] - fitted[column]).to_numpy())
    found = {}
    for sku in series:
        mean = np.clip(np.nan_to_num(ahead[sku]), 0.0, None)
        residuals = errors.get(sku, np.empty(0))
        residuals = residuals[~np.isnan(residuals)]
        bump = max(0.0, float(np.quantile(residuals, 0.9))) if residuals.size else 0.0
        sd = float(np.std(residuals)) if residuals.size else 0.0
        found[sku] = Forecast(method, _rounded(mean), _rounded(mean + bump), round(sd, DECIMALS))
    return found


def _groups(ids: Any, values: Any) -> dict[str, Any]:
    """Rows of one id are contiguous in statsforecast's output: split them without a groupby."""
    import numpy as np

    if not len(ids):
        return {}
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return {str(ids[s]): values[s:e] for s, e in zip(starts, ends, strict=True)}


def _rounded(values: Any) -> list[float]:
    return [round(float(v), DECIMALS) for v in values]
