"""bench.engine.instructions: the count callgrind prints, and a policy's cost beside the baseline's."""

from __future__ import annotations

import pytest

from bench.engine.instructions import Count, collected


def test_the_count_is_read_from_callgrinds_last_collected_line():
    stderr = "==3044== Events    : Ir\n==3044== Collected : 21180937774\n==3044==\n==3044== I   refs:      21,180,937,774\n"
    assert collected(stderr) == 21_180_937_774


def test_a_run_without_a_count_is_an_error_not_a_zero():
    with pytest.raises(RuntimeError, match="no count"):
        collected("valgrind: failed to start tool 'callgrind'")


def test_a_policy_is_slower_by_the_share_of_its_stream_instructions_the_baseline_does_not_need():
    # The set-up is subtracted: 16,455 and 17,510 instructions per line of the stream itself
    base = Count("priority-fifo-v1", stream=21_180_937_774, setup=4_725_817_921, lines=1_000_000)
    quota = Count("quota-v1", stream=22_336_164_982, setup=4_826_045_600, lines=1_000_000)
    assert round(base.per_line) == 16_455 and round(quota.per_line) == 17_510
    assert quota.slower_than(base) == pytest.approx(1 - 16_455.12 / 17_510.12, abs=1e-6)
    assert base.slower_than(base) == 0
