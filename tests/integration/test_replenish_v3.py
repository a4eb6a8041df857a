"""replenish-v3 through the engine: a SKU configured for it (SkuConfigured version 5) expedites
from the faster backup for waiting customers, a re-sent configuration is a duplicate, an unknown
rule is refused by field, and every suggestion replays to MATCH."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.replenishment import REPLENISH_V3
from domain.stock import stock_id
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.engine import Engine
from services.outcomes import Status
from services.replay import Replayer
from tests import messages as m
from tests.state import snapshot_of

pytestmark = pytest.mark.integration


@pytest.fixture(params=["memory", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(Settings(store=request.param, sqlite_path=tmp_path / "v3.sqlite"))
    yield engine
    engine.close()


def configured_v5(mid: str, replenish_policy: str, at: str = m.T0) -> dict[str, Any]:
    return {
        "schema_version": 5,
        **m.sku_configured(mid, "A", reorder_point=4, safety_stock=2, at=at),
        "reason": "expedite from the backup for waiting customers",
        "replenish_policy": replenish_policy,
    }


def suggested(engine: Engine) -> list[tuple[str, int, str, str]]:
    return [
        (e.supplier_id, e.quantity, e.decision.policy, e.decision.message_id)
        for e in engine.events.get(stock_id("A"))
        if type(e).__name__ == "ReplenishmentSuggested"
    ]


def test_a_sku_configured_for_replenish_v3_expedites_from_the_backup_and_replays_to_match(engine):
    # Given A from a primary that delivers in 9 days and a backup that delivers in 3, 5 on hand,
    # and A configured for replenish-v3 (sent twice: the second is a duplicate)
    config = configured_v5("k1", REPLENISH_V3)
    m.apply(
        engine,
        m.supplier_registered("s1", "S1", [m.terms("A", lead_time_days=9)]),
        m.supplier_registered("s2", "B2", [m.terms("A", lead_time_days=3, priority="backup")]),
        m.stock_received("r1", "A", 5),
        config,
    )
    assert engine.handle_raw(config).status is Status.DUPLICATE
    assert engine.get_stock("A").replenish_policy == REPLENISH_V3
    # And a configuration naming a rule nobody released is refused on its field, changing nothing
    before = snapshot_of(engine)
    refused = engine.handle_raw(configured_v5("k2", "replenish-v9", at=m.ts(hours=1)))
    assert (refused.status, refused.field) == (Status.REJECTED, "replenish_policy")
    assert snapshot_of(engine) == before

    # When an order for 12 takes the 5 and 7 wait, with nothing on order
    m.apply(engine, m.order_placed("o1", "O1", [("1", "A", 12)], at=m.ts(hours=2)))

    # Then the 7 are expedited from the backup, and the rest of the need comes from the primary
    assert suggested(engine) == [("B2", 7, REPLENISH_V3, "o1"), ("S1", 6, REPLENISH_V3, "o1")]
    expedite = next(
        e for e in engine.events.get(stock_id("A")) if type(e).__name__ == "ReplenishmentSuggested"
    )
    assert expedite.decision.reason.startswith(
        "expedite: 7 units customers wait for come no sooner from supply on order (nothing later on order); "
        "B2 delivers in 3 days against S1's 9"
    )
    assert expedite.decision.inputs["shortfall"] == 7 and expedite.decision.inputs["fast_source"] == "B2"

    # When purchasing orders the primary's share (due on day 9) and 3 more customers wait on day 1
    m.apply(
        engine,
        m.po_placed("p1", "PO-1", [("A", 6)], expected=m.day(9), supplier_id="S1", at=m.ts(1)),
        m.order_placed("o2", "O2", [("1", "A", 3)], at=m.ts(1, 1)),
    )

    # Then only those 3 are expedited: the 7 already suggested from the backup are not asked again
    assert suggested(engine)[2:] == [("B2", 3, REPLENISH_V3, "o2")]
    assert engine.get_stock("A").suggested_from == {"B2": 10}
    # And every recorded suggestion re-runs under replenish-v3 to the same supplier and quantity
    verdicts = [v for v in Replayer(engine).verify().verdicts if v.kind == "ReplenishmentSuggested"]
    assert len(verdicts) == 3 and {v.policy for v in verdicts} == {REPLENISH_V3}
    assert {"MATCH" if v.matches else "DIFF" for v in verdicts} == {"MATCH"}
