"""Demand classes and the stock-setting arithmetic, each with a worked example."""

from __future__ import annotations

import math

import pytest

from domain.planning import (
    DemandClass,
    LeadTime,
    classify,
    order_up_to,
    recommend,
    reorder_point,
    safety_stock,
    service_level_for,
    z_score,
)


def test_a_series_selling_every_day_in_similar_sizes_is_smooth():
    """Days 10: all with demand, so ADI = 10 / 10 = 1.0.
    Sizes 4,6 repeated: mean 5, population sd 1, CV² = (1/5)² = 0.04."""
    judged = classify([4, 6] * 5)
    assert judged.demand_class is DemandClass.SMOOTH
    assert judged.adi == 1.0
    assert judged.cv2 == pytest.approx(0.04)


def test_a_series_selling_every_day_in_very_different_sizes_is_erratic():
    """ADI = 1.0; sizes 1 and 9: mean 5, sd 4, CV² = (4/5)² = 0.64 >= 0.49."""
    judged = classify([1, 9] * 5)
    assert judged.demand_class is DemandClass.ERRATIC
    assert judged.cv2 == pytest.approx(0.64)


def test_a_series_selling_every_other_day_in_similar_sizes_is_intermittent():
    """12 days, 6 with demand: ADI = 12 / 6 = 2.0 >= 1.32; sizes all 3: CV² = 0."""
    judged = classify([3, 0] * 6)
    assert judged.demand_class is DemandClass.INTERMITTENT
    assert (judged.adi, judged.cv2) == (2.0, 0.0)


def test_a_series_selling_rarely_in_very_different_sizes_is_lumpy():
    """8 days, 2 with demand (1 and 9): ADI = 4.0; mean 5, sd 4, CV² = 0.64."""
    judged = classify([1, 0, 0, 0, 9, 0, 0, 0])
    assert judged.demand_class is DemandClass.LUMPY
    assert judged.adi == 4.0


def test_the_cut_offs_belong_to_the_higher_class():
    """ADI exactly 1.32 is intermittent: 33 days with 25 selling days, 33 / 25 = 1.32."""
    series = [2] * 25 + [0] * 8
    assert classify(series).adi == pytest.approx(1.32)
    assert classify(series).demand_class is DemandClass.INTERMITTENT


def test_a_series_without_any_demand_is_no_demand():
    judged = classify([0, 0, 0])
    assert judged.demand_class is DemandClass.NO_DEMAND
    assert (judged.adi, judged.cv2) == (None, None)


def test_the_service_level_of_a_class_is_its_own_else_the_default_else_95_percent():
    levels = {"lumpy": 0.9, "default": 0.97}
    assert service_level_for(DemandClass.LUMPY, levels) == 0.9
    assert service_level_for(DemandClass.SMOOTH, levels) == 0.97
    assert service_level_for(DemandClass.SMOOTH, {}) == 0.95


def test_a_service_level_outside_half_to_one_is_refused():
    with pytest.raises(ValueError, match="service level"):
        z_score(1.0)


def test_safety_stock_covers_demand_and_lead_time_spread():
    """95%: z = 1.6449. Demand 10/day, sd 3; lead time 9 days, sd 2.
    sqrt(9 * 3² + 10² * 2²) = sqrt(81 + 400) = sqrt(481) = 21.932; * 1.6449 = 36.08."""
    assert safety_stock(0.95, 10, 3, 9, 2) == pytest.approx(36.076, abs=0.01)


def test_safety_stock_with_a_certain_lead_time_is_z_sigma_root_l():
    """90%: z = 1.2816; sd 4, lead time 4 days exactly: 1.2816 * 4 * sqrt(4) = 10.25."""
    assert safety_stock(0.90, 5, 4, 4, 0) == pytest.approx(10.25, abs=0.01)


def test_the_reorder_point_is_lead_time_demand_plus_safety_stock_rounded_up():
    """90 units over the lead time + 36.08 safety = 126.08 -> 127; a whole 126.0 stays 126."""
    assert reorder_point(90, 36.08) == 127
    assert reorder_point(90, 36.0) == 126


def test_the_order_up_to_level_adds_the_review_period_demand():
    """Reorder point 127, a week's review at 10/day = 70 -> 197; 70.2 -> 198."""
    assert order_up_to(127, 70) == 197
    assert order_up_to(127, 70.2) == 198


def test_the_lead_time_adds_the_observed_lateness_and_ignores_early_deliveries():
    """Terms 7 days; deliveries -1, 0, 2, 4 days late count as 0, 0, 2, 4: mean 1.5, sd sqrt(2.75) = 1.658."""
    lead = LeadTime(7, [-1, 0, 2, 4])
    assert lead.mean == 8.5
    assert lead.days == 9
    assert lead.lateness_sd == pytest.approx(math.sqrt(2.75))


def test_a_supplier_without_deliveries_is_assumed_two_days_late_give_or_take_one():
    lead = LeadTime(5, [])
    assert (lead.mean, lead.lateness_sd, lead.deliveries) == (7.0, 1.0, 0)


def test_a_recommendation_from_a_flat_forecast_worked_through():
    """Forecast 10/day; lead time 8 + lateness 1 (deliveries 1, 1: sd 0) = 9 days.
    Lead-time demand 90; safety 1.6449 * sqrt(9 * 3²) = 1.6449 * 9 = 14.80 -> 15;
    reorder point ceil(104.80) = 105; review 7 days: 70 -> order-up-to 175."""
    advice = recommend([10.0] * 56, 3.0, LeadTime(8, [1, 1]), 7, 0.95)
    assert (advice.safety_stock, advice.reorder_point, advice.order_up_to) == (15, 105, 175)


def test_a_recommendation_follows_the_forecast_shape_over_the_lead_time():
    """Lead time 2 + 0 = 2 days of forecast 5 and 15 = 20; sd 0 and lead sd 0: no safety stock;
    review 1 day: the third day's 30 -> order-up-to 50."""
    advice = recommend([5.0, 15.0, 30.0, 1.0], 0.0, LeadTime(2, [0, 0]), 1, 0.95)
    assert (advice.safety_stock, advice.reorder_point, advice.order_up_to) == (0, 20, 50)
