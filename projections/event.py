"""The one input every projection reads: a published event, as consumers see it.

Projections are downstream consumers of the outbound contract
(services/outbound), not of the stored events: the embedded feed maps each
stored event to its `OutboundEventV1` and dumps it to JSON form, the Kafka
feed parses the same JSON from the topic. Both end in the same plain dict,
so one set of handlers builds identical read models from either feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ProjectedEvent:
    feed: str  # "log" (embedded notification log) or "<topic>:<partition>"
    position: int  # where the feed resumes after this event (next notification id / next offset)
    notification_id: int  # strictly increasing across the log: the de-duplication key
    event_type: str  # e.g. "Order.LineBackordered"
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: str  # ISO 8601, when Antrian recorded it (business time is in data)
    causation_message_id: str | None
    data: dict[str, Any]
    # Who handed in the causing message: metadata beside the envelope (the log's inbox record, or
    # the Kafka record's `causation_by` header), not part of the outbound contract. None if unknown.
    caused_by: str | None = None

    @classmethod
    def from_envelope(
        cls, envelope: dict[str, Any], feed: str, position: int, caused_by: str | None = None
    ) -> ProjectedEvent:
        """`envelope` is an OutboundEventV1 in JSON form (model_dump(mode="json") or the Kafka value)."""
        return cls(
            feed=feed,
            position=position,
            notification_id=envelope["notification_id"],
            event_type=envelope["event_type"],
            aggregate_type=envelope["aggregate_type"],
            aggregate_id=envelope["aggregate_id"],
            aggregate_version=envelope["aggregate_version"],
            occurred_at=envelope["occurred_at"],
            causation_message_id=envelope.get("causation_message_id"),
            data=envelope["data"],
            caused_by=caused_by,
        )

    @property
    def business_time(self) -> str:
        """When it happened in the shop, as near as the event tells: the decision's as_of,
        else placed_at/announced_at, else the recording time.

        The last fallback differs between a live run and a rebuild, so rows that
        rebuilds must reproduce (audit, analytics) take times from the payload
        only; this is for kept records such as when a notification was composed.
        """
        decision = self.data.get("decision")
        if isinstance(decision, dict) and decision.get("as_of"):
            as_of: str = decision["as_of"]
            return as_of
        for key in ("placed_at", "announced_at"):
            if self.data.get(key):
                stated: str = self.data[key]
                return stated
        return self.occurred_at
