"""Turning raw upstream bytes into a validated message, or a precise refusal."""

from __future__ import annotations

import re
from typing import Any

import orjson
from pydantic import ValidationError

from services.contracts import BY_TYPE, Message
from services.errors import MessageRejected


def parse_message(raw: bytes | str | dict[str, Any]) -> Message:
    data = _decode(raw)
    message_id = data.get("message_id") if isinstance(data.get("message_id"), str) else None
    message_type = data.get("type")
    cls = BY_TYPE.get(message_type) if isinstance(message_type, str) else None
    if cls is None:
        raise MessageRejected(
            f"unknown message type {message_type!r}; known types: {', '.join(sorted(BY_TYPE))}",
            message_id=message_id,
            field="type",
        )
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        field = _field_of(problems[0])
        detail = "; ".join(
            f"{'.'.join(str(p) for p in problem['loc']) or '(message)'}: {problem['msg']}"
            for problem in problems
        )
        raise MessageRejected(detail, message_id=message_id, message_type=message_type, field=field) from None


def _field_of(problem: Any) -> str | None:
    """The field a problem is about; whole-message validators name it first ("lines: ...")."""
    located = ".".join(str(part) for part in problem["loc"])
    if located:
        return located
    named = re.match(r"(?:Value error, )?([\w.]+): ", problem["msg"])
    return named.group(1) if named else None


def _decode(raw: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise MessageRejected(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise MessageRejected(f"a message must be a JSON object, got {type(data).__name__}")
    return data
