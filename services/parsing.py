"""Turning raw upstream bytes into a validated message, or a precise refusal.

The contracts are checked strictly, on the JSON as it was sent (pydantic's
JSON mode): `"quantity": "5"` is refused, not read as 5. A JSON object that
names a key twice is refused too: parsers disagree on which value wins, so
upstream and Antrian could read two different messages from the same bytes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from services.contract_values import MAX_AHEAD
from services.contracts import BY_TYPE, Message
from services.errors import MessageRejected

MESSAGE: TypeAdapter[Message] = TypeAdapter(Message)
"""One validator for every contract: the union picks the contract by `type`."""


def parse_message(
    raw: bytes | str | dict[str, Any], received_at: datetime | None = None, ahead: timedelta = MAX_AHEAD
) -> Message:
    """The message, or MessageRejected naming its id and field.

    `received_at`, given where messages come in (a file read, a Kafka poll: the edge
    reads the clock, decisions never do), refuses a message dated more than `ahead`
    after it: no upstream sends a true time from the future, and one order dated 2099
    once set another customer's promise to 2099 for good. Such a refusal is not
    remembered: the same message, sent when its time has come, is judged.
    """
    message = _validated(raw)
    if received_at is not None and message.occurred_at > received_at + ahead:
        raise MessageRejected(
            f"is {_duration(message.occurred_at - received_at)} after it was received "
            f"({received_at:%Y-%m-%dT%H:%M:%SZ}); at most {_duration(ahead)} ahead is allowed",
            message_id=message.message_id,
            message_type=message.type,
            field="occurred_at",
        )
    return message


def _duration(delta: timedelta) -> str:
    if delta >= timedelta(days=2):
        return f"{delta.days} days"
    return f"{delta.total_seconds() / 3600:.1f} hours"


def _validated(raw: bytes | str | dict[str, Any]) -> Message:
    data, text = _decode(raw)
    message_id = data.get("message_id") if isinstance(data.get("message_id"), str) else None
    message_type = data.get("type")
    if not isinstance(message_type, str) or message_type not in BY_TYPE:
        raise MessageRejected(
            f"unknown message type {message_type!r}; known types: {', '.join(sorted(BY_TYPE))}",
            message_id=message_id,
            field="type",
        )
    _refuse_unknown_version(data, message_id, message_type)
    try:
        return MESSAGE.validate_json(text)
    except ValidationError as error:
        problems = [_within_contract(problem) for problem in error.errors(include_url=False)]
        field = _field_of(problems[0])
        detail = "; ".join(
            f"{'.'.join(str(p) for p in problem['loc']) or '(message)'}: {problem['msg']}"
            for problem in problems
        )
        raise MessageRejected(detail, message_id=message_id, message_type=message_type, field=field) from None


def _refuse_unknown_version(data: dict[str, Any], message_id: str | None, message_type: str) -> None:
    """A version no contract of the type has is refused with the versions there are.

    Only integers are asked about: `"2"` or `true` is checked against version 1,
    whose validator says it must be a JSON integer.
    """
    version = data.get("schema_version", 1)
    supported = BY_TYPE[message_type]
    if type(version) is int and version not in supported:
        raise MessageRejected(
            f"schema_version {version} of {message_type} is not supported; "
            f"supported: {', '.join(map(str, sorted(supported)))}",
            message_id=message_id,
            message_type=message_type,
            field="schema_version",
        )


def _within_contract(problem: ErrorDetails) -> ErrorDetails:
    """The problem located within its contract: the union puts the `type` it chose first."""
    return {**problem, "loc": problem["loc"][1:]}


def _field_of(problem: Any) -> str | None:
    """The field a problem is about; whole-message validators name it first ("lines: ...")."""
    located = ".".join(str(part) for part in problem["loc"])
    if located:
        return located
    named = re.match(r"(?:Value error, )?([\w.]+): ", problem["msg"])
    return named.group(1) if named else None


def _decode(raw: bytes | str | dict[str, Any]) -> tuple[dict[str, Any], bytes | str]:
    """The message as a dict (for its id and type) and as the JSON text the contract is checked on."""
    if isinstance(raw, dict):
        try:
            return raw, orjson.dumps(raw)
        except TypeError as error:
            raise MessageRejected(f"not representable as JSON: {error}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise MessageRejected(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise MessageRejected(f"a message must be a JSON object, got {type(data).__name__}")
    keys = _keys_within_depth(data)
    _refuse_repeated_keys(raw, data, keys)
    return data, raw


def _refuse_repeated_keys(raw: bytes | str, data: dict[str, Any], keys: int) -> None:
    """Checked only when the text holds more key-like strings than the decoded message has keys."""
    if _quoted_colons(raw) <= keys:
        return
    message_id = data.get("message_id") if isinstance(data.get("message_id"), str) else None
    message_type = data.get("type") if isinstance(data.get("type"), str) else None

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                raise MessageRejected(
                    f"key {key!r} appears more than once in one JSON object",
                    message_id=message_id,
                    message_type=message_type,
                    field=key,
                )
            seen.add(key)
        return dict(items)

    json.loads(raw, object_pairs_hook=pairs)


_KEY_END_BYTES = re.compile(rb'"\s*:')
_KEY_END_TEXT = re.compile(r'"\s*:')


def _quoted_colons(raw: bytes | str) -> int:
    """An upper bound of the keys in the text (a value may hold '":' too)."""
    if isinstance(raw, bytes):
        return len(_KEY_END_BYTES.findall(raw))
    return len(_KEY_END_TEXT.findall(raw))


MAX_DEPTH = 16  # the deepest contract nests 3 levels; orjson reads 1,024, Python recursion fails near 500


def _keys_within_depth(data: dict[str, Any]) -> int:
    """The keys of all objects in the message, walked without recursion; too deep a message is refused."""
    keys = 0
    level: list[Any] = [data]
    for _ in range(MAX_DEPTH):
        below: list[Any] = []
        for value in level:
            if isinstance(value, dict):
                keys += len(value)
                below.extend(value.values())
            elif isinstance(value, list):
                below.extend(value)
        if not below:
            return keys
        level = below
    message_id = data.get("message_id") if isinstance(data.get("message_id"), str) else None
    raise MessageRejected(f"nested more than {MAX_DEPTH} levels deep", message_id=message_id)
