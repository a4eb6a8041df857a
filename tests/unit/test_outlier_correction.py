"""planning-v2's outlier correction: a burst of demand is cut to a robust lane before planning."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.planning import corrected


def test_a_burst_far_above_the_usual_days_is_cut_to_the_lane():
    """Sizes 4,5,4,6,5,20,5 (the 0 day is no size): median 5; deviations 1,0,1,1,0,15,0, median 1;
    spread 1.4826; bound 5 + 3 x 1.4826 = 9.4478. The 20 is cut by 10.5522, nothing else."""
    fixed = corrected([4, 5, 4, 6, 5, 20, 0, 5])
    assert fixed.bound == pytest.approx(9.4478)
    assert fixed.series == pytest.approx([4, 5, 4, 6, 5, 9.4478, 0, 5])
    assert fixed.cut == pytest.approx(10.5522)


def test_when_most_days_sell_the_same_the_mean_deviation_sets_the_lane():
    """Sizes 2,2,2,2,2,9: median 2 and MAD 0; mean absolute deviation 7 / 6 = 1.1667, spread
    1.2533 x 1.1667 = 1.4622; bound 2 + 3 x 1.4622 = 6.3866, so the 9 is cut by 2.6134."""
    fixed = corrected([2, 0, 2, 2, 0, 2, 2, 9])
    assert fixed.bound == pytest.approx(6.3866, abs=1e-4)
    assert fixed.cut == pytest.approx(2.6134, abs=1e-4)


def test_days_without_demand_do_not_make_every_sale_an_outlier():
    """An intermittent series: the median of all days is 0, of the days with demand 3."""
    series = [0, 0, 3, 0, 0, 4, 0, 0, 3, 0, 2, 0, 0, 3]
    assert corrected(series).cut == 0 and corrected(series).series == series


def test_fewer_than_five_days_with_demand_are_not_judged():
    fixed = corrected([1, 0, 1, 0, 1, 50])
    assert fixed.bound is None and fixed.cut == 0 and fixed.series == [1, 0, 1, 0, 1, 50]


def test_a_series_of_equal_days_has_no_outlier():
    fixed = corrected([3] * 10)
    assert fixed.bound is None and fixed.series == [3] * 10


DAYS = st.lists(st.integers(0, 500).map(float), max_size=120)


@given(DAYS)
def test_correction_only_ever_lowers_days_above_the_median_and_says_how_much(days):
    fixed = corrected(days)
    assert len(fixed.series) == len(days)
    assert all(after <= before for before, after in zip(days, fixed.series, strict=True))
    assert all(after == 0 for before, after in zip(days, fixed.series, strict=True) if before == 0)
    assert fixed.cut == pytest.approx(sum(days) - sum(fixed.series), abs=1e-5)
    lowered = [before for before, after in zip(days, fixed.series, strict=True) if after < before]
    sizes = sorted(d for d in days if d > 0)
    # Only days above the bound are cut, and the bound lies above the median: at most half the sizes
    assert len(lowered) <= len(sizes) // 2
