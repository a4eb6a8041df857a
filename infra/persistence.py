"""Stored-event mapping: pydantic does the modelling and writes the bytes, orjson reads them.

The library's default JSON transcoder needs a transcoding per custom type;
with pydantic events every value object already knows how to become JSON and
come back, so the transcoder only has to move plain JSON values.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

from domain.base import ADDED_LATER

STORED_APART = {"originator_id", "originator_version"}  # columns of their own, not in the state


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper):
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        # pydantic's serializer writes the JSON bytes itself: the same bytes as orjson
        # of its JSON-mode dump (a test checks every event of the demo), without
        # building the intermediate dicts - an eighth of the engine's time.
        model = cast(BaseModel, domain_event)
        data = model.__pydantic_serializer__.to_json(model, exclude=STORED_APART)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=data,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state = self.transcoder.decode(data)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        cls = resolve_topic(stored_event.topic)
        for name, value in ADDED_LATER.items():  # stored before the field was added
            if name not in state and name in cls.model_fields:
                state[name] = value
        return cls(**state)
