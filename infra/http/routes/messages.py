"""Upstream messages posted over HTTP: judged exactly as `antrian ingest` judges a file's lines.

One JSON message (`application/json`) or many, one a line (`application/x-ndjson`),
go through `services.ingest.apply_lines`' parsing and the engine's batch, so the
contracts, idempotency and outcomes are ingest's. What is refused is kept as a dead
letter in the store, in the batch's transaction, with the caller's token name in its
source (`http:<token name>:<request>:<n>`), where `GET /dead-letters` and
`antrian dead-letters` find it and a retry can take it. What is applied is recorded
as handed in by the token's name (the inbox entry's `by`, shown by the audit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Depends, HTTPException, Request

from infra.http.auth import WRITERS, Caller, allow
from infra.http.backend import Backend
from infra.http.deps import backend
from infra.http.models import MessageOutcome, MessagesResult, Preview
from infra.http.problems import REFUSED

if TYPE_CHECKING:
    from services.outcomes import Outcome

router = APIRouter(tags=["messages"], responses=REFUSED)
Writers = Annotated[Caller, Depends(allow(*WRITERS))]
Of = Annotated[Backend, Depends(backend)]
NDJSON = "application/x-ndjson"
WORDS = {
    "applied": "applied",
    "duplicate": "already applied",
    "rejected": "refused",
    "refused_before": "refused before",
    "parked": "parked",
}
_BODY = {
    "content": {
        "application/json": {
            "schema": {"type": "object", "description": "one message (docs/contracts/inbound)"}
        },
        NDJSON: {"schema": {"type": "string", "description": "one JSON message a line"}},
    },
    "required": True,
}


@router.post(
    "/messages",
    response_model=MessagesResult,
    openapi_extra={"requestBody": _BODY},
    responses={413: {"description": "body over ANTRIAN_HTTP_MAX_BODY_BYTES"}},
)
async def post_messages(request: Request, caller: Writers, of: Of) -> MessagesResult:
    """Apply upstream messages as `antrian ingest` does; each message's outcome, in order."""
    from starlette.concurrency import run_in_threadpool

    body = await _body(request, of.settings.http_max_body_bytes)
    ndjson = request.headers.get("content-type", "").split(";")[0].strip() == NDJSON
    lines = [line for line in body.splitlines() if line.strip()] if ndjson else [body]
    source = f"http:{caller.name}:{uuid4().hex[:12]}"
    return await run_in_threadpool(_apply, of, lines, source, f"token:{caller.name}")


_ONE = {
    "content": {
        "application/json": {
            "schema": {"type": "object", "description": "one message (docs/contracts/inbound)"}
        }
    },
    "required": True,
}


@router.post(
    "/messages/preview",
    response_model=Preview,
    openapi_extra={"requestBody": _ONE},
    responses={413: {"description": "body over ANTRIAN_HTTP_MAX_BODY_BYTES"}},
)
async def preview_message(request: Request, caller: Writers, of: Of) -> Preview:
    """What one message would do if posted now (which lines move, whose ETA changes); nothing is recorded.

    Decided by the engine's own handlers on copies of what it reads: posting the same message next,
    on the same state, gives exactly this. A message refused for its text is answered as refused
    here, never dead-lettered.
    """
    from starlette.concurrency import run_in_threadpool

    body = await _body(request, of.settings.http_max_body_bytes)
    return await run_in_threadpool(_preview, of, body, f"token:{caller.name}")


def _preview(of: Backend, body: bytes, by: str) -> Preview:
    from services.contracts import with_caller
    from services.errors import MessageRejected
    from services.parsing import parse_message
    from services.preview import preview

    received_at = datetime.now(UTC)  # the edge reads the clock, as for POST /messages
    try:
        message = parse_message(body, received_at, timedelta(minutes=of.settings.max_ahead_minutes))
    except MessageRejected as refused:
        return Preview(
            message_id=refused.message_id,
            message_type=refused.message_type,
            outcome="refused",
            field=refused.field,
            reason=refused.reason,
            lines=[],
        )
    with of.engine_held() as engine:
        impact = preview(engine, with_caller(message, by))
    return Preview.model_validate(impact)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body of {declared} bytes; at most {limit} (ANTRIAN_HTTP_MAX_BODY_BYTES)")
    read = bytearray()
    async for chunk in request.stream():
        read.extend(chunk)
        if len(read) > limit:
            raise HTTPException(413, f"body over {limit} bytes (ANTRIAN_HTTP_MAX_BODY_BYTES)")
    return bytes(read)


def _apply(of: Backend, lines: Sequence[bytes], source: str, by: str) -> MessagesResult:
    from services.ingest import apply_lines

    received_at = datetime.now(UTC)  # the edge reads the clock: a message from the future is refused
    ahead = timedelta(minutes=of.settings.max_ahead_minutes)
    with of.engine_held() as engine:
        outcomes = apply_lines(engine, lines, received_at, ahead, letter=partial(_letter, source), by=by)
        engine.take_released()  # parked messages woken by these: judged already, their refusals kept
    listed = [_outcome(i, o, source) for i, o in enumerate(outcomes)]
    count = {word: sum(o.outcome == word for o in listed) for word in set(WORDS.values())}
    return MessagesResult(
        outcomes=listed,
        applied=count["applied"],
        already_applied=count["already applied"],
        refused=count["refused"] + count["refused before"],
        parked=count["parked"],
    )


def _letter(source: str, index: int, raw: bytes, outcome: Outcome) -> Any:
    from services.dead_letters import REFUSAL_CLASS, DeadLetter

    return DeadLetter.of(
        source=f"{source}:{index}",
        original=raw,
        key=None,
        message_id=outcome.message_id,
        message_type=outcome.message_type,
        field=outcome.field,
        reason=outcome.detail,
        exception_class=outcome.error or REFUSAL_CLASS,
    )


def _outcome(index: int, outcome: Outcome, source: str) -> MessageOutcome:
    from services.dead_letters import dead_letter_id

    word = WORDS[outcome.status.value]
    return MessageOutcome(
        index=index,
        message_id=outcome.message_id,
        message_type=outcome.message_type,
        outcome=word,
        field=outcome.field,
        reason=outcome.detail,
        dead_letter_id=str(dead_letter_id(f"{source}:{index}")) if word == "refused" else None,
    )
