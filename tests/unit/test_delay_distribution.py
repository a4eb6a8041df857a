"""A supplier's first receipts counted by how late they came, in fixed buckets."""

from __future__ import annotations

from datetime import date, timedelta

from projections.analytics.suppliers import Receipt
from projections.purchasing.scorecard import DELAY_BUCKETS, distribution

PROMISED = date(2026, 1, 10)


def receipt(po: str, days_late: int) -> Receipt:
    return Receipt("S1", po, PROMISED, PROMISED + timedelta(days=days_late))


def test_each_first_receipt_falls_in_one_bucket_by_its_days_late_bounds_included():
    # Given thirteen POs first received from 3 days early to 40 days late, two on each bucket's bounds
    delays = [-3, 0, 0, 1, 2, 3, 5, 6, 10, 11, 20, 21, 40]

    found = distribution([receipt(f"P{i}", d) for i, d in enumerate(delays)])

    # Then every bucket is given, earliest first, with its count
    assert [(b.bucket, b.pos) for b in found.buckets] == [
        ("early", 1),
        ("on_time", 2),
        ("late_1_2", 2),
        ("late_3_5", 2),
        ("late_6_10", 2),
        ("late_11_20", 2),
        ("late_over_20", 2),
    ]
    assert sum(b.pos for b in found.buckets) == len(delays)
    # and the dates the figures span: the first and last of those receipts
    assert (found.first_received_on, found.last_received_on) == (date(2026, 1, 7), date(2026, 2, 19))


def test_the_buckets_leave_no_gap_and_overlap_nowhere():
    bounds = [(low, high) for _, _, low, high in DELAY_BUCKETS]

    assert bounds[0][0] is None and bounds[-1][1] is None
    for (_, high), (low, _) in zip(bounds, bounds[1:], strict=False):
        assert high is not None and low == high + 1


def test_a_supplier_without_receipts_has_every_bucket_at_zero_and_no_range():
    found = distribution([])

    assert [b.pos for b in found.buckets] == [0] * len(DELAY_BUCKETS)
    assert (found.first_received_on, found.last_received_on) == (None, None)
    assert [b.label for b in found.buckets][:3] == ["early", "on time", "1-2 days late"]
