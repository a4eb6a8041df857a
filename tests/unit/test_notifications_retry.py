"""How often a failing notification is retried, and how a receiver checks where it came from."""

from __future__ import annotations

from datetime import timedelta

from projections.notifications.channels import signature
from projections.notifications.dispatcher import RetryPolicy


def test_retries_wait_twice_as_long_each_time_up_to_the_cap():
    policy = RetryPolicy(base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=5))

    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    # RFC 4231, test case 2
    assert signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
