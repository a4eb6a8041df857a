"""The stored-event mapper: what it writes for every kind of event the engine stores."""

from __future__ import annotations

import orjson
import pytest

from infra.bootstrap import build_engine
from infra.persistence import STORED_APART
from infra.settings import Settings
from simulation import DemoOptions, run_demo

OPTIONS = DemoOptions(seed=3, days=21, skus=8, orders_per_day=20)


@pytest.fixture(scope="module")
def stored():
    engine = build_engine(Settings(store="memory"))
    run_demo(engine, OPTIONS)
    events = engine.recorder.select_notifications(start=1, limit=10**6)
    snapshots = (
        [
            s
            for sku_id in {n.originator_id for n in events if "Stock" in n.topic}
            for s in engine.snapshots.recorder.select_events(sku_id)
        ]
        if engine.snapshots
        else []
    )
    return engine.mapper, events, snapshots


def test_every_stored_state_is_the_json_of_the_events_json_mode_dump(stored):
    """The mapper writes pydantic's JSON directly; it must be byte for byte what the dump gives."""
    mapper, events, snapshots = stored
    kinds = set()
    for record in [*events, *snapshots]:
        event = mapper.to_domain_event(record)
        dumped = {k: v for k, v in event.model_dump(mode="json").items() if k not in STORED_APART}
        assert record.state == orjson.dumps(dumped), record.topic
        kinds.add(record.topic)
    assert len(kinds) >= 12 and snapshots, "the demo no longer covers the event kinds"


def test_every_stored_event_reads_back_equal_and_writes_the_same_bytes_again(stored):
    mapper, events, snapshots = stored
    for record in [*events, *snapshots]:
        event = mapper.to_domain_event(record)
        again = mapper.to_stored_event(event)
        assert (again.originator_id, again.originator_version, again.topic, again.state) == (
            record.originator_id,
            record.originator_version,
            record.topic,
            record.state,
        )
        assert mapper.to_domain_event(again) == event
