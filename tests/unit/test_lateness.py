"""eta-v2's calibration arithmetic, worked by hand (domain/lateness.py).

Weights: every delivery 1000, the prior PRIOR_WEIGHT (2) times its per mille:
-1: 100, 0: 900, 1: 260, 2: 200, 3: 160, 4: 120, 5: 90, 6: 70, 7: 50, 9: 30, 12: 20 (sum 2000).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.lateness import PRIOR, PRIOR_WEIGHT, DelayHistory, Lateness, calibrated, probability_by


def test_the_prior_is_a_distribution_worth_two_deliveries():
    assert sum(per_mille for _, per_mille in PRIOR) == 1000
    assert PRIOR_WEIGHT == 2


def test_with_no_history_the_prior_alone_gives_five_days_at_91_5_percent():
    # 0.9 of 2000 is 1800; cumulative: -1 100, 0 1000, 1 1260, 2 1460, 3 1620, 4 1740, 5 1830
    assert calibrated(DelayHistory()) == Lateness(days=5, confidence=0.915)


def test_three_deliveries_on_time_or_a_day_late_still_lean_on_the_prior():
    # Given 0, 0 and 1 day late: 0 weighs 2900, 1 weighs 1260, total 5000, goal 4500
    history = DelayHistory.of([0, 1, 0])
    # cumulative: -1 100, 0 3000, 1 4260, 2 4460, 3 4620: the sample's own p90 (1 day) is not trusted yet
    assert calibrated(history) == Lateness(days=3, confidence=0.924)


def test_twenty_deliveries_speak_for_themselves():
    # Given 18 on time and 2 a day late: 0 weighs 18900, 1 2260, the prior's tail 740, total 22000
    history = DelayHistory.of([0] * 18 + [1] * 2)
    # goal 19800: cumulative 0 is 19000, 1 is 21260 -> 1 day, kept 21260/22000 of the time
    assert calibrated(history) == Lateness(days=1, confidence=0.966)


def test_a_late_supplier_is_promised_its_own_tail_once_its_history_is_long():
    history = DelayHistory.of([3, 4, 5, 6, 7] * 4)  # 20 deliveries, 3 to 7 days late
    assert calibrated(history).days == 7


def test_an_order_known_to_be_at_least_three_days_late_is_promised_the_tail_beyond_it():
    # Given no history: weights from 3 on are 160, 120, 90, 70, 50, 30, 20 (540); goal 486
    # cumulative 3 160, 4 280, 5 370, 6 440, 7 490
    assert calibrated(DelayHistory(), at_least=3) == Lateness(days=7, confidence=0.907)


def test_an_order_later_than_anything_known_is_promised_two_more_days():
    assert calibrated(DelayHistory(), at_least=20) == Lateness(days=22, confidence=0.9)


def test_knowing_an_order_is_not_early_changes_nothing_below_the_history():
    assert calibrated(DelayHistory(), at_least=-5) == calibrated(DelayHistory())


def test_a_history_counts_deliveries_by_days_late_and_clips_the_extremes():
    history = DelayHistory.of([-20, 100, 0, 0, 3])
    assert history.counts == ((-14, 1), (0, 2), (3, 1), (60, 1))
    assert history.observations == 5


def test_the_probability_of_coming_by_a_date_is_the_cumulative_weight_up_to_it():
    assert probability_by(DelayHistory(), 5) == 0.915
    assert probability_by(DelayHistory(), 0) == 0.5  # 1000 of 2000
    assert probability_by(DelayHistory(), 5, at_least=3) == round(370 / 540, 3)


def test_eta_v6_takes_the_day_nearest_the_target_when_the_first_reaching_it_is_far_above():
    # 18 on time and 2 a day late: day 0 is kept 19000/22000 (0.864), day 1 21260/22000 (0.966);
    # 0.9 is 0.036 from the first and 0.066 from the second
    history = DelayHistory.of([0] * 18 + [1] * 2)
    assert calibrated(history) == Lateness(days=1, confidence=0.966)
    assert calibrated(history, nearest=True) == Lateness(days=0, confidence=0.864)


def test_the_nearest_day_is_the_first_reaching_the_target_when_that_one_is_nearer():
    # With no history: day 4 is kept 1740/2000 (0.87), day 5 1830/2000 (0.915): 5 is nearer
    assert calibrated(DelayHistory(), nearest=True) == Lateness(days=5, confidence=0.915)
    # Known 3 days late: day 6 440/540 (0.815), day 7 490/540 (0.907): 7 is nearer
    assert calibrated(DelayHistory(), at_least=3, nearest=True) == Lateness(days=7, confidence=0.907)


histories = st.lists(st.integers(-20, 80), max_size=40).map(DelayHistory.of)


@given(
    history=histories, at_least=st.none() | st.integers(-5, 30), target=st.sampled_from([0.5, 0.8, 0.9, 0.95])
)
def test_the_nearest_day_is_the_first_reaching_the_target_or_the_day_before_it_and_never_farther(
    history, at_least, target
):
    first = calibrated(history, at_least, target)
    nearest = calibrated(history, at_least, target, nearest=True)
    assert abs(nearest.confidence - target) <= abs(first.confidence - target) + 0.001  # both rounded
    if nearest != first:
        assert nearest.days < first.days and nearest.confidence < target
        assert probability_by(history, nearest.days, at_least) == nearest.confidence
        between = [days for days in range(nearest.days + 1, first.days)]
        assert all(probability_by(history, days, at_least) == nearest.confidence for days in between)
