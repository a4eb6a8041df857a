"""Told again with each SKU's own policy, any history ends exactly as it did.

Random traffic (orders of three tiers, cancellations, shipments, receipts, redeliveries
and messages about orders never placed, which are refused) goes into a store; the
what-if re-applies what was applied, with the SKU's configuration rewritten to the
policy it already had (A configured with fifo-v1 in the traffic; B never configured,
so a configuration is injected naming the engine's default). Every line must fare as
it did, and nothing the store applied may be refused when told again.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.bootstrap import build_engine
from infra.settings import Settings
from infra.whatif import run_whatif
from services.whatif_rewrite import Change
from tests import messages as m
from tests.conftest import TEST_ETA_POLICY

SKUS = ("A", "B")
TIERS = ("standard", "gold", "platinum")


def _plan(rng: random.Random) -> list[tuple[Any, ...]]:
    """Mostly orders and small receipts on empty shelves, so that lines of several tiers wait together.

    Drawn from a Random hypothesis controls: its own list strategies kept to a few short, simple
    plans in which the policies never differed (a wrong policy went unnoticed in most runs).
    """
    plan: list[tuple[Any, ...]] = []
    for _ in range(rng.randint(4, 40)):
        kind = rng.choice(("place", "place", "receive", "cancel", "ship", "again"))
        if kind == "place":
            plan.append((kind, rng.randint(0, 7), rng.choice(SKUS), rng.randint(1, 3), rng.choice(TIERS)))
        elif kind == "receive":
            plan.append((kind, rng.choice(SKUS), rng.randint(1, 3)))
        else:
            plan.append((kind, rng.randint(0, 40 if kind == "again" else 9)))
    return plan


def _history(plan: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Messages from steps; orders 8 and 9 are never placed (their messages are refused)."""
    sent = [m.sku_configured("k-a", "A", policy="fifo-v1"), m.supplier_registered("s1", "S1", list(SKUS))]
    for n, step in enumerate(plan, 1):
        at = m.ts(0, 1, n)
        if step[0] == "place":
            _, order, sku, quantity, tier = step
            sent.append(m.order_placed(f"p{n}", f"O{order}", [("1", sku, quantity)], tier=tier, at=at))
        elif step[0] == "receive":
            sent.append(m.stock_received(f"r{n}", step[1], step[2], at=at))
        elif step[0] == "cancel":
            sent.append(m.order_cancelled(f"c{n}", f"O{step[1]}", at=at))
        elif step[0] == "ship":
            sent.append(m.order_shipped(f"s{n}", f"O{step[1]}", at=at))
        else:
            sent.append(sent[step[1] % len(sent)])  # a redelivery
    return sent


# 100: telling A with priority-fifo-v1 (or B with fifo-v1) instead failed this in 3 runs of 3 (tried by hand)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False), sku=st.sampled_from(("A", "B")))
def test_a_history_told_again_with_the_skus_own_policy_ends_as_it_did(rng: random.Random, sku: str) -> None:
    real = Settings(store="memory", default_eta_policy=TEST_ETA_POLICY)
    engine = build_engine(real)
    try:
        for message in _history(_plan(rng)):
            engine.handle_raw(message)
        own = "fifo-v1" if sku == "A" else engine.default_policy
        result = run_whatif(engine, real, Change(own, frozenset({sku})))
    finally:
        engine.close()
    assert result.reapplied.refused == []
    assert result.simulated.lines == result.real.lines
    assert result.differences == []
    assert result.simulated.report.promises == result.real.report.promises
