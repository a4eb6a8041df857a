"""The inbox: one tiny aggregate per applied message, saved with its effects.

Because it is created in the same atomic save as everything the message
changed, a second attempt to apply the same message id fails on the store's
uniqueness constraint even across processes: exactly-once without locks.
"""

from __future__ import annotations

from hashlib import sha256
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.domain import event

from domain.base import Aggregate
from services.contracts import Message


class AppliedMessage(Aggregate):
    @staticmethod
    def create_id(message_id: str) -> UUID:
        return applied_id(message_id)

    @event("Applied")
    def __init__(self, message_id: str, message_type: str, fingerprint: str) -> None:
        self.message_id = message_id
        self.message_type = message_type
        self.fingerprint = fingerprint

    @classmethod
    def of(cls, message: Message) -> AppliedMessage:
        return cls(
            message_id=message.message_id,
            message_type=message.type,  # type: ignore[attr-defined]
            fingerprint=fingerprint(message),
        )


def applied_id(message_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"antrian:message:{message_id}")


def fingerprint(message: Message) -> str:
    payload = orjson.dumps(message.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return sha256(payload).hexdigest()
