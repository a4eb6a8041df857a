"""eta-v2's calibration arithmetic, worked by hand (domain/lateness.py).

Weights: every delivery 1000, the prior PRIOR_WEIGHT (2) times its per mille:
-1: 100, 0: 900, 1: 260, 2: 200, 3: 160, 4: 120, 5: 90, 6: 70, 7: 50, 9: 30, 12: 20 (sum 2000).
"""

from __future__ import annotations

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
