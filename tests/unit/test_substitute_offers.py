"""Offering waiting lines another SKU's free units (domain/substitute_offers.py), in memory."""

from __future__ import annotations

from domain import fulfilment
from domain.substitute_offers import declare_substitutes, offer_arrivals, offer_substitute, offer_to_waiting
from domain.substitution import SUBSTITUTE_POLICY
from tests.unit.in_memory import InMemory, cause, stands_in_for


def waiting_for_a(found: InMemory, *quantities: int, accept_substitutes: bool = True) -> None:
    """Orders O1, O2, ... each with one line of A, waiting in that order (A has no units)."""
    for i, quantity in enumerate(quantities, start=1):
        order = found.add_order(
            f"O{i}", ("1", "A", quantity), accept_substitutes=accept_substitutes, minutes=i
        )
        fulfilment.request_lines(found, order, cause(f"place-{i}"))


def offered(found: InMemory) -> dict[str, str | None]:
    return {
        order_id: offer.sku if (offer := order.line("1").offer) else None
        for order_id, order in found.orders.items()
    }


def test_a_customer_who_does_not_accept_substitutes_is_offered_none():
    found = InMemory()
    found.add_stock("A")
    waiting_for_a(found, 2, accept_substitutes=False)
    stands_in_for(found.add_stock("B", on_hand=5), found.stock("A"))

    assert offer_substitute(found, found.order("O1"), "1", cause()) is None
    assert offered(found) == {"O1": None}


def test_the_first_declared_substitute_that_covers_the_whole_wait_is_offered():
    found = InMemory()
    found.add_stock("A")
    waiting_for_a(found, 3)
    stands_in_for(found.add_stock("B", on_hand=1), found.stock("A"))
    stands_in_for(found.add_stock("C", on_hand=5), found.stock("A"))
    stands_in_for(found.add_stock("D", on_hand=9), found.stock("A"))

    assert offer_substitute(found, found.order("O1"), "1", cause()) == "C"


def test_a_declared_substitute_never_configured_is_passed_over():
    found = InMemory()
    found.add_stock("A")
    waiting_for_a(found, 3)
    found.stock("A").declare_substitutes(["X", "B"])
    found.add_stock("B", on_hand=5)

    assert offer_substitute(found, found.order("O1"), "1", cause()) == "B"


def test_an_offer_records_each_candidate_as_seen_and_the_version_it_was_seen_at():
    found = InMemory()
    found.add_stock("A")
    waiting_for_a(found, 3)
    substitute = found.add_stock("B", on_hand=5)
    stands_in_for(substitute, found.stock("A"))
    found.collect_all()

    offer_substitute(found, found.order("O1"), "1", cause("declared"))

    (event,) = found.order("O1").collect_events()
    assert (event.sku, event.quantity) == ("B", 3)
    assert event.decision.policy == SUBSTITUTE_POLICY and event.decision.message_id == "declared"
    assert event.decision.stock_version == substitute.version
    assert event.decision.inputs["candidates"] == [
        {"sku": "B", "stock_version": substitute.version, "available": 5}
    ]


def test_lines_already_waiting_are_offered_a_substitute_in_queue_order_unless_they_declined_one():
    found = InMemory()
    found.add_stock("A")
    waiting_for_a(found, 1, 1, 1)
    stands_in_for(found.add_stock("B", on_hand=5), found.stock("A"))
    offer_substitute(found, found.order("O2"), "1", cause("first offer"))
    found.order("O2").decline_substitute("1", "no thanks")

    offer_to_waiting(found, "A", cause())

    assert offered(found) == {"O1": "B", "O2": None, "O3": "B"}


def test_arriving_units_of_a_substitute_are_offered_to_the_lines_they_cover_until_all_are_spoken_for():
    found = InMemory()
    found.add_stock("A")
    waiting_for_a(found, 2, 5, 2, 1)
    substitute = found.add_stock("B")
    stands_in_for(substitute, found.stock("A"))

    substitute.receive("main", 4, None, cause("receipt"))
    offer_arrivals(found, "B", cause("receipt"))

    # O2 waits for more than is left once O1 is offered; O4 would promise units O3 was offered.
    assert offered(found) == {"O1": "B", "O2": None, "O3": "B", "O4": None}


def test_declared_substitutes_learn_whom_they_stand_in_for_and_lines_already_waiting_are_offered_one():
    found = InMemory()
    found.add_stock("A")
    waiting_for_a(found, 2)
    b, c = found.add_stock("B"), found.add_stock("C", on_hand=5)

    declare_substitutes(found, found.stock("A"), [b, c, b], cause("declared"))

    assert found.stock("A").substitutes == ["B", "C"]
    assert b.substitute_for == c.substitute_for == ("A",)
    assert offered(found) == {"O1": "C"}


def test_a_substitute_no_longer_declared_forgets_the_sku_it_stood_in_for():
    found = InMemory()
    a, b, c = found.add_stock("A"), found.add_stock("B"), found.add_stock("C")
    declare_substitutes(found, a, [b, c], cause("first"))

    declare_substitutes(found, a, [c], cause("second"))

    assert a.substitutes == ["C"]
    assert (b.substitute_for, c.substitute_for) == ((), ("A",))
