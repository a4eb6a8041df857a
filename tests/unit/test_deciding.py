"""The deciding service on its own: a batch decided in memory, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking

from domain.allocation import DEFAULT_POLICY
from services import deciding
from services.deciding import Decider, no_letters
from services.inbox import AppliedMessage, RefusedMessage
from services.outcomes import Status
from services.parsing import parse_message
from tests import messages as m


def decider() -> tuple[Decider, Application[Any]]:
    """A decider over an empty in-memory store whose inbox has no entries."""
    app: Application[Any] = Application()
    return Decider(app.repository, DEFAULT_POLICY, lambda ids: {}), app


def batch(*raw: dict[str, Any]) -> list[Any]:
    return [parse_message(message) for message in raw]


STOCKED = (m.stock_received("r1", "A", 3, at=m.ts(0, 1)),)


def test_a_decided_batch_holds_its_events_inbox_entries_and_position_and_the_store_has_none_of_them():
    service, app = decider()

    decided = service.decide(
        batch(*STOCKED, m.order_placed("o1", "O1", [("1", "A", 2)], at=m.ts(0, 2))),
        Tracking("feed", 2),
        no_letters,
    )

    assert [o.status for o in decided.outcomes] == [Status.APPLIED, Status.APPLIED]
    assert decided.refused_at is None
    assert decided.processing.tracking == Tracking("feed", 2)
    entries = [a for a in decided.processing.aggregates.values() if isinstance(a, AppliedMessage)]
    assert sorted(e.message_id for e in entries) == ["o1", "r1"]
    assert sum(o.events for o in decided.outcomes) + len(entries) == len(decided.processing.events)
    assert app.recorder.max_notification_id() is None


def test_a_message_refused_before_it_changed_anything_leaves_its_refusal_and_the_batch_goes_on():
    service, _ = decider()

    decided = service.decide(
        batch(
            *STOCKED,
            m.order_placed("o1", "O1", [("1", "A", 1)], at=m.ts(0, 2)),
            m.order_placed("o1-again", "O1", [("1", "A", 2)], at=m.ts(0, 2)),
            m.order_placed("o2", "O2", [("1", "A", 1)], at=m.ts(0, 3)),
        ),
        None,
        no_letters,
    )

    statuses = [o.status for o in decided.outcomes]
    assert statuses == [Status.APPLIED, Status.APPLIED, Status.REJECTED, Status.APPLIED]
    assert decided.refused_at is None
    refusals = [a for a in decided.processing.aggregates.values() if isinstance(a, RefusedMessage)]
    assert [r.message_id for r in refusals] == ["o1-again"]


def test_a_message_id_the_inbox_knows_is_answered_from_it_and_not_decided_again():
    service, _ = decider()
    first = service.decide(batch(*STOCKED), None, no_letters)
    (entry,) = [a for a in first.processing.aggregates.values() if isinstance(a, AppliedMessage)]
    service.read_entries = lambda ids: {entry.id: entry}

    decided = service.decide(batch(*STOCKED), None, no_letters)

    assert [o.status for o in decided.outcomes] == [Status.DUPLICATE]
    assert decided.processing.events == []


def test_a_message_refused_half_way_ends_the_decided_part_where_it_stands(monkeypatch: pytest.MonkeyPatch):
    # Given a handler that changes the stock and then fails on the second receipt
    service, _ = decider()
    handle = deciding.apply

    def fails_after_changing(session: Any, message: Any) -> None:
        handle(session, message)
        if message.message_id == "r2":
            raise ValueError("a value the contracts let through")

    monkeypatch.setattr(deciding, "apply", fails_after_changing)

    # When a batch holds it between two good messages
    decided = service.decide(
        batch(
            *STOCKED,
            m.stock_received("r2", "A", 1, at=m.ts(0, 2)),
            m.stock_received("r3", "A", 1, at=m.ts(0, 3)),
        ),
        None,
        no_letters,
    )

    # Then the decided part stops before it, with the error, for the caller to decide again
    assert decided.refused_at == 1
    assert isinstance(decided.error, ValueError)
    assert [o.message_id for o in decided.outcomes] == ["r1"]


def test_a_decided_batch_carries_the_dead_letters_made_from_its_refusals():
    service, _ = decider()
    letters: list[Any] = []

    def letters_of(outcomes: list[Any]) -> list[Any]:
        letters.extend(o.message_id for o in outcomes if o.status is Status.REJECTED)
        return []

    orders = [m.order_placed(i, "O1", [("1", "A", 1)]) for i in ("o1", "o1-again")]
    service.decide(batch(*STOCKED, *orders), None, letters_of)

    assert letters == ["o1-again"]
