"""Units that arrive at a substitute are offered to the lines waiting for the SKU it stands in for."""

from __future__ import annotations

from domain.substitution import SUBSTITUTE_POLICY
from services.engine import Engine
from services.replay import Replayer
from tests import messages as m
from tests.messages import apply, ts
from tests.state import events_of


def offer_of(engine: Engine, order_id: str, line_id: str = "1") -> tuple[str, int] | None:
    offer = engine.get_order(order_id).lines[line_id].offer
    return None if offer is None else (offer.sku, offer.quantity)


def waiting_for_a_with_b_declared_and_empty(engine: Engine) -> None:
    """O1 and O3 accept substitutes, O2 does not; all wait for A; B is A's substitute with nothing free."""
    apply(
        engine,
        m.sku_configured("cfg-a", "A"),
        m.sku_configured("cfg-b", "B"),
        m.substitutes_declared("subs", "A", ["B"]),
        m.order_placed("o1", "O1", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 1)),
        m.order_placed("o2", "O2", [("1", "A", 4)], at=ts(0, 2)),
        m.order_placed("o3", "O3", [("1", "A", 4)], accept_substitutes=True, at=ts(0, 3)),
    )
    assert [offer_of(engine, o) for o in ("O1", "O2", "O3")] == [None, None, None]


def test_a_receipt_at_the_substitute_is_offered_in_queue_order_up_to_the_units_that_arrived(store):
    waiting_for_a_with_b_declared_and_empty(store)

    # When 5 of B arrive: enough for one waiting line of 4, not two
    apply(store, m.stock_received("r-b", "B", 5, at=ts(1)))

    # Then the first customer in A's queue who accepts substitutes is offered B, and nobody else
    assert [offer_of(store, o) for o in ("O1", "O2", "O3")] == [("B", 4), None, None]
    (offered,) = [
        e for e in events_of(store, store.get_order("O1").id) if type(e).__name__ == "SubstituteOffered"
    ]
    assert offered.decision.policy == SUBSTITUTE_POLICY and offered.decision.message_id == "r-b"

    # When 4 more arrive, the next one who accepts is offered too
    apply(store, m.stock_received("r-b2", "B", 4, at=ts(2)))
    assert [offer_of(store, o) for o in ("O1", "O2", "O3")] == [("B", 4), None, ("B", 4)]

    # And each offer replays to the same answer
    verdicts = [
        v for o in ("O1", "O3") for v in Replayer(store).order_verdicts(o) if v.kind == "SubstituteOffered"
    ]
    assert len(verdicts) == 2 and all(v.matches for v in verdicts)


def test_units_a_cancel_frees_at_the_substitute_are_offered_too(store):
    waiting_for_a_with_b_declared_and_empty(store)
    apply(
        store,
        m.stock_received("r-b", "B", 4, at=ts(1)),  # offered to O1 ...
        m.substitute_declined("no", "O1", "1", at=ts(1, 1)),  # ... who says no
        m.order_placed("o9", "O9", [("1", "B", 4)], at=ts(1, 2)),  # and someone buys B outright
    )
    assert [offer_of(store, o) for o in ("O1", "O3")] == [None, None]

    # When that B order is cancelled, its 4 units are free again: O3 (O1 declined) is offered them
    apply(store, m.order_cancelled("c9", "O9", at=ts(2)))
    assert [offer_of(store, o) for o in ("O1", "O3")] == [None, ("B", 4)]


def test_units_at_a_sku_that_is_no_longer_a_substitute_are_offered_to_nobody(store):
    waiting_for_a_with_b_declared_and_empty(store)
    apply(store, m.substitutes_declared("subs-none", "A", [], at=ts(0, 4)))
    assert store.get_stock("B").substitute_for == ()

    apply(store, m.stock_received("r-b", "B", 10, at=ts(1)))
    assert [offer_of(store, o) for o in ("O1", "O3")] == [None, None]


def test_a_substitute_with_its_own_queue_offers_nothing_until_its_own_lines_are_served(store):
    waiting_for_a_with_b_declared_and_empty(store)
    apply(store, m.order_placed("o8", "O8", [("1", "B", 3)], at=ts(0, 5)))  # waits for B

    # When 5 of B arrive: 3 go to B's own waiting line first, 2 are free: not enough for a line of 4
    apply(store, m.stock_received("r-b", "B", 5, at=ts(1)))
    assert store.get_stock("B").available == 2
    assert [offer_of(store, o) for o in ("O1", "O3")] == [None, None]
