"""Dead letters judged again: their original bytes, or a corrected version, through the engine.

A retry is applied like ingest (one message, all-or-nothing, with `retry`
semantics: content refused before is judged again on today's state), and
the letter's `Retried` event is saved in the same transaction as the
message's effects, so a letter is never marked resolved without its message
in, nor its message in twice. `at` is the caller's clock, read at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.contract_values import MAX_AHEAD
from services.contracts import with_caller
from services.dead_letters import DeadLetter, RetryOutcome
from services.engine import Engine
from services.errors import MessageRejected
from services.outcomes import Outcome, Status, outcome_of
from services.parsing import parse_message

_OUTCOMES = {Status.APPLIED: RetryOutcome.APPLIED, Status.DUPLICATE: RetryOutcome.ALREADY_APPLIED}


@dataclass(frozen=True)
class RetryReport:
    letter_id: UUID
    source: str
    message_id: str | None
    outcome: RetryOutcome | None  # None: resolved before, nothing done
    reason: str
    corrected: bool = False


@dataclass(frozen=True)
class Retrying:
    """Who retries, when (their clock), and the corrected messages by message id.

    `caller` is recorded as who handed in a message the retry applies (the inbox entry's
    `by`, shown by the audit); `by` when not given.
    """

    by: str
    at: datetime
    corrected: Mapping[str, bytes]
    ahead: timedelta = MAX_AHEAD
    caller: str | None = None


def letter_ids(engine: Engine) -> list[UUID]:
    """Every dead letter in the store, oldest first."""
    return [letter.originator_id for letter in engine.dead_letters()]


def retry_letters(
    engine: Engine, ids: Iterable[UUID], how: Retrying, skip_resolved: bool = False
) -> list[RetryReport]:
    """Each letter judged again, in order; a resolved one is reported (or skipped) untouched."""
    reports = []
    for letter_id in ids:
        letter = load_letter(engine, letter_id)
        if letter.resolved:
            if not skip_resolved:
                reports.append(
                    RetryReport(letter_id, letter.source, letter.message_id, None, "resolved already")
                )
            continue
        reports.append(_retry(engine, letter, how))
    return reports


def _retry(engine: Engine, letter: DeadLetter, how: Retrying) -> RetryReport:
    corrected = how.corrected.get(letter.message_id) if letter.message_id is not None else None
    judged = corrected if corrected is not None else letter.original
    try:
        message = with_caller(parse_message(judged, how.at, how.ahead), how.caller or how.by)
    except MessageRejected as rejected:
        outcome = outcome_of(rejected)
        engine.save(_retried(engine, letter, how, outcome, corrected))
    else:

        def letters(outcomes: list[Outcome]) -> list[Any]:
            # Called again if the store refused a first save: a fresh letter each time,
            # at the version read, so a retry is recorded once whatever happens.
            return [_retried(engine, letter, how, outcomes[0], corrected)] if outcomes else []

        (outcome,) = engine.handle_batch([message], dead_letters=letters, retry=True)
    result = _OUTCOMES.get(outcome.status, RetryOutcome.REFUSED)
    return RetryReport(
        letter.id, letter.source, letter.message_id, result, outcome.detail, corrected is not None
    )


def _retried(
    engine: Engine, letter: DeadLetter, how: Retrying, outcome: Outcome, corrected: bytes | None
) -> DeadLetter:
    fresh: DeadLetter = engine.repository.get(letter.id, version=letter.version)
    fresh.retry(
        by=how.by,
        at=how.at,
        outcome=_OUTCOMES.get(outcome.status, RetryOutcome.REFUSED),
        reason=outcome.detail,
        field=outcome.field,
        exception_class=outcome.error,
        corrected=corrected,
    )
    return fresh


def load_letter(engine: Engine, letter_id: UUID) -> DeadLetter:
    """The letter as stored now (a cached copy may predate another process's retry)."""
    if engine.repository.cache is not None:
        try:
            engine.repository.cache.get(letter_id, evict=True)
        except KeyError:
            pass
    letter: DeadLetter = engine.repository.get(letter_id)
    return letter
