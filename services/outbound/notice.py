"""Outbound payload of Notice events, version 1: a notification that reached its channel.

Published so that a restored read side (and any consumer auditing customer
contact) knows what each customer was told, without the outbox that sent it.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import AwareDatetime, Field

from services.notices import Notice
from services.outbound.contract import Mapping, Payload


class NoticeDeliveredV1(Payload):
    EVENT_TYPE = "Notice.Delivered"
    idempotency_key: str = Field(description="The notification's key, as the receiver saw it.")
    subject_key: str = Field(description='What it was about, e.g. "line:<order id>:<line id>".')
    notification: dict[str, Any] = Field(description="The notification as sent (the channel's JSON body).")
    delivered_at: AwareDatetime = Field(description="When the channel accepted it (the dispatcher's clock).")


def _delivered(e: Notice.Delivered) -> NoticeDeliveredV1:
    return NoticeDeliveredV1(
        idempotency_key=e.idempotency_key,
        subject_key=e.subject_key,
        notification=orjson.loads(e.payload),
        delivered_at=e.delivered_at,
    )


MAPPINGS: tuple[Mapping, ...] = (Mapping(Notice.Delivered, NoticeDeliveredV1, _delivered),)
