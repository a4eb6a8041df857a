"""Refused messages kept in the store (ingest via HTTP, the Kafka consumer, parked ones run out), and retrying them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, HTTPException

from infra.http.auth import READERS, WRITERS, Caller, allow, shown
from infra.http.backend import Backend
from infra.http.deps import backend
from infra.http.models import DeadLetter, RetryResult
from infra.http.pagination import Page, PageRequest, page_request, paginate
from infra.http.problems import BAD_BODY, BAD_CURSOR, NOT_FOUND, REFUSED, invalid

if TYPE_CHECKING:
    from services.dead_letters import DeadLetter as Letter

router = APIRouter(tags=["dead letters"], responses=REFUSED)
Readers = Annotated[Caller, Depends(allow(*READERS))]
Writers = Annotated[Caller, Depends(allow(*WRITERS))]
Of = Annotated[Backend, Depends(backend)]


@router.get("/dead-letters", response_model=Page[DeadLetter], responses=BAD_CURSOR)
def dead_letters(
    caller: Readers, of: Of, page: PageRequest = Depends(page_request), resolved: bool | None = None
) -> Page[DeadLetter]:
    """Every dead letter, oldest first, with why and its retries: the set `antrian dead-letters` shows."""
    from services.dead_letter_retry import load_letter

    with of.engine_held() as engine:
        letters = [load_letter(engine, r.originator_id) for r in engine.dead_letters()]
    kept = [_view(letter) for letter in letters if resolved is None or letter.resolved == resolved]
    return shown(paginate(kept, page, ("dead-letters", resolved)), caller)


def _view(letter: Letter) -> DeadLetter:
    return DeadLetter(
        id=str(letter.id),
        source=letter.source,
        message_id=letter.message_id,
        message_type=letter.message_type,
        field=letter.field,
        reason=letter.reason,
        original=letter.original.decode("utf-8", "replace"),
        resolved=letter.resolved,
        retries=[retry.model_dump() for retry in letter.retries],
    )


@router.post(
    "/dead-letters/{letter_id}/retry",
    response_model=RetryResult,
    responses={**NOT_FOUND, **BAD_BODY},
)
def retry(
    letter_id: str,
    caller: Writers,
    of: Of,
    corrected: Annotated[
        dict[str, Any] | None,
        Body(description="A corrected message to judge instead of the original (optional)."),
    ] = None,
) -> RetryResult:
    """Judge the letter again on today's state (or its correction); recorded with the caller's token name."""
    import orjson
    from eventsourcing.application import AggregateNotFoundError

    from services.dead_letter_retry import Retrying, load_letter, retry_letters

    who = f"token:{caller.name}"
    with of.engine_held() as engine:
        try:
            letter = load_letter(engine, _letter_id(letter_id))
        except AggregateNotFoundError:
            raise HTTPException(404, f"no dead letter {letter_id}") from None
        fixes: dict[str, bytes] = {}
        if corrected is not None:
            if letter.message_id is None:
                raise invalid(
                    ("body",), "this letter has no message id to match a correction to: post the message"
                )
            fixes[letter.message_id] = orjson.dumps(corrected)
        how = Retrying(
            by=who,
            at=datetime.now(UTC),  # the edge reads the clock
            corrected=fixes,
            ahead=timedelta(minutes=of.settings.max_ahead_minutes),
        )
        (report,) = retry_letters(engine, [letter.id], how)
    return RetryResult(
        letter_id=str(report.letter_id),
        source=report.source,
        message_id=report.message_id,
        outcome=report.outcome.value if report.outcome else None,
        reason=report.reason,
        corrected=report.corrected,
        by=who,
    )


def _letter_id(given: str) -> UUID:
    from services.dead_letters import dead_letter_id

    try:
        return UUID(given)
    except ValueError:
        return dead_letter_id(given)
