"""An operator's reason, from version 2 of a message to the audit, the published payload and replay."""

from __future__ import annotations

from typing import Any

import pytest

from projections.audit import AuditProjection
from projections.audit_timeline import order_timeline, sku_timeline
from services.replay import Replayer
from tests import messages as m
from tests.support.read_side import project

pytestmark = pytest.mark.integration

# Given A with no stock and B with 5 declared its substitute; o1 and o2 wait for A and are offered B.
SHOP = (
    m.sku_configured("c-a", "A"),
    m.stock_received("r-b", "B", 5),
    m.substitutes_declared("s-a", "A", ["B"]),
    m.order_placed("p-1", "o1", (("1", "A", 2),), accept_substitutes=True),
    m.order_placed("p-2", "o2", (("1", "A", 1),), accept_substitutes=True),
)


def v2(raw: dict[str, Any], reason: str) -> dict[str, Any]:
    return {**raw, "schema_version": 2, "reason": reason}


ANSWERS = (
    v2(m.substitute_accepted("acc", "o1", at=m.ts(hours=1)), "customer said yes by phone"),
    v2(m.substitute_declined("dec", "o2", at=m.ts(hours=1)), "customer needs the original"),
    v2(m.sku_configured("cfg", "A", reorder_point=3, safety_stock=1, at=m.ts(hours=2)), "supplier slower"),
)


def summaries(entries, event_type: str) -> list[str]:
    return [e.summary for e in entries if e.event_type == event_type]


def test_the_audit_shows_each_reason_on_the_order_or_sku_it_concerns(memory_engine):
    # When the operator's answers and settings change are applied as version 2
    m.apply(memory_engine, *SHOP, *ANSWERS)
    runner = project(memory_engine, [AuditProjection()])

    with runner.store.reading() as tx:
        o1, o2, a = order_timeline(tx, "o1"), order_timeline(tx, "o2"), sku_timeline(tx, "A")

    # Then each audit line says why; the settings made by version 1 say nothing of a reason
    assert summaries(o1, "Order.SubstituteAccepted") == [
        "line 1: accepted 2 x B; reason: customer said yes by phone"
    ]
    assert summaries(o2, "Order.SubstituteDeclined") == [
        "line 1: declined B; reason: customer needs the original"
    ]
    assert summaries(a, "Stock.Configured") == [
        "configured: reorder point 0, safety stock 0, priority-fifo-v1",
        "configured: reorder point 3, safety stock 1, priority-fifo-v1; reason: supplier slower",
    ]
    (configured,) = [e for e in a if e.event_type == "Stock.Configured" and e.causation_message_id == "cfg"]
    assert configured.data["reason"] == "supplier slower"  # the published payload carries it


def test_decisions_around_version_2_answers_replay_to_the_same_answer(memory_engine):
    m.apply(memory_engine, *SHOP, *ANSWERS)

    report = Replayer(memory_engine).verify()

    assert {"SubstituteOffered", "SubstituteAccepted", "LineRequested"} <= {v.kind for v in report.verdicts}
    assert report.diffs == []
