"""The DeadLetter aggregate: a refused record kept with why, and its retries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.dead_letters import DeadLetter, LetterResolved, NobodyRetried, RetryOutcome, dead_letter_id

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def letter() -> DeadLetter:
    return DeadLetter.of(
        "antrian.inventory:1:7", b'{"x":1}', b"A", "r-1", "StockReceived", "purchase_order_id", "no PO"
    )


def test_a_letter_is_named_by_where_its_record_came_from_so_a_repeat_is_the_same_letter():
    assert letter().id == dead_letter_id("antrian.inventory:1:7") == letter().id
    assert letter().id != dead_letter_id("antrian.inventory:1:8")


def test_a_letter_keeps_the_refused_bytes_and_key_as_they_came():
    kept = letter()
    assert (kept.original, kept.key) == (b'{"x":1}', b"A")
    assert not kept.resolved and kept.retries == []


def test_a_retry_refused_again_is_recorded_as_the_next_attempt_and_leaves_the_letter_open():
    kept = letter()
    kept.retry("ops", AT, RetryOutcome.REFUSED, "still no PO", "purchase_order_id")
    (retried,) = kept.retries
    assert (retried.attempt, retried.by, retried.at, retried.outcome) == (2, "ops", AT, RetryOutcome.REFUSED)
    assert not kept.resolved


def test_a_retry_that_went_through_resolves_the_letter_and_says_if_it_was_corrected():
    kept = letter()
    kept.retry("ops", AT, RetryOutcome.REFUSED, "still no PO")
    kept.retry("sari", AT, RetryOutcome.APPLIED, "", corrected=b'{"x":2}')
    assert kept.resolved
    assert [(r.attempt, r.by, r.corrected) for r in kept.retries] == [(2, "ops", False), (3, "sari", True)]
    event = kept.collect_events()[-1]
    assert isinstance(event, DeadLetter.Retried) and event.corrected_b64 == "eyJ4IjoyfQ=="


def test_a_message_applied_since_through_another_record_also_resolves_its_letter():
    kept = letter()
    kept.retry("ops", AT, RetryOutcome.ALREADY_APPLIED, "already applied: nothing changed")
    assert kept.resolved


def test_a_resolved_letter_cannot_be_retried_again():
    kept = letter()
    kept.retry("ops", AT, RetryOutcome.APPLIED, "")
    with pytest.raises(LetterResolved):
        kept.retry("ops", AT, RetryOutcome.APPLIED, "")
    assert len(kept.retries) == 1


def test_a_retry_names_who_did_it():
    with pytest.raises(NobodyRetried):
        letter().retry("  ", AT, RetryOutcome.APPLIED, "")
