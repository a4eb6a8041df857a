"""The ETA policy (eta-v1) is a pure walk of the queue against inbound supply."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.eta import (
    DEFAULT_LATENESS_DAYS,
    ETA_POLICY,
    EtaChange,
    Expiry,
    best_source,
    observed_lateness,
    plan_etas,
)
from domain.values import InboundLine, QueueEntry, Source, SupplierPriority, Tier

TODAY = date(2026, 1, 5)
T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def d(days: int) -> date:
    return TODAY + timedelta(days=days)


def entry(
    order_id: str,
    quantity: int,
    *,
    since: date = TODAY,
    wait_limit: date | None = None,
    eta: date | None = None,
    needs_purchase: bool = False,
) -> QueueEntry:
    return QueueEntry(
        order_id=order_id,
        line_id="1",
        quantity=quantity,
        tier=Tier.STANDARD,
        placed_at=T0,
        since=since,
        wait_limit=wait_limit,
        eta=eta,
        needs_purchase=needs_purchase,
    )


def po(po_id: str, quantity: int, expected_in: int, lateness: int = 0, supplier: str = "S1") -> InboundLine:
    return InboundLine(
        po_id=po_id, supplier_id=supplier, quantity=quantity, expected=d(expected_in), lateness_days=lateness
    )


def source(
    supplier: str = "S1",
    lead: int = 10,
    lateness: int = 0,
    priority: SupplierPriority = SupplierPriority.PRIMARY,
) -> Source:
    return Source(supplier_id=supplier, lead_time_days=lead, priority=priority, lateness_days=lateness)


def promises(plan) -> dict[str, tuple[date | None, bool]]:
    return {c.order_id: (c.new, c.needs_purchase) for c in plan.changes}


def test_the_policy_has_a_versioned_name():
    assert ETA_POLICY == "eta-v1"


# -------------------------------------------------------------- lateness
def test_a_supplier_without_history_gets_the_default_buffer():
    assert observed_lateness([]) == DEFAULT_LATENESS_DAYS == 2


def test_lateness_is_the_nearest_rank_90th_percentile_of_past_delays():
    assert observed_lateness([5]) == 5
    assert observed_lateness(list(range(10))) == 8  # rank ceil(0.9 * 10) = 9 -> 9th smallest
    assert observed_lateness([0] * 9 + [30]) == 0  # one outlier in ten is ignored
    assert observed_lateness([0] * 8 + [30, 30]) == 30  # two in ten are not
    assert observed_lateness([7, 1, 4]) == 7  # ceil(2.7) = 3 -> the largest of three


def test_early_deliveries_never_make_lateness_negative():
    assert observed_lateness([-3, -1, -2]) == 0


# ---------------------------------------------------------- best source
def test_the_best_source_is_primary_then_shortest_lead_time_then_supplier_id():
    fast_backup = source("S-backup", lead=1, priority=SupplierPriority.BACKUP)
    slow_primary = source("S-slow", lead=20)
    fast_primary_b = source("S-b", lead=5)
    fast_primary_a = source("S-a", lead=5)
    assert best_source([]) is None
    assert best_source([fast_backup]) == fast_backup
    assert best_source([fast_backup, slow_primary]) == slow_primary
    assert best_source([slow_primary, fast_primary_b, fast_primary_a, fast_backup]) == fast_primary_a


# ------------------------------------------------------------- coverage
def test_each_line_is_covered_by_the_first_po_whose_cumulative_quantity_reaches_its_position():
    queue = [entry("A", 3), entry("B", 2), entry("C", 1), entry("D", 5)]
    plan = plan_etas(queue, 0, 0, [po("PO-1", 5, 4), po("PO-2", 5, 9)], [source(lead=30)], TODAY)
    assert promises(plan) == {
        "A": (d(4), False),  # units 1..3 from PO-1
        "B": (d(4), False),  # units 4..5: exactly PO-1's five
        "C": (d(9), False),  # unit 6: PO-2
        "D": (d(30 + 0), True),  # units 7..11: more than both POs bring
    }
    assert plan.expired == []


def test_a_line_straddling_two_pos_waits_for_the_later_one():
    plan = plan_etas([entry("A", 4)], 0, 0, [po("PO-1", 3, 2), po("PO-2", 3, 8)], [], TODAY)
    assert promises(plan) == {"A": (d(8), False)}


def test_units_already_waiting_ahead_push_coverage_later():
    plan = plan_etas([entry("A", 1)], 5, 0, [po("PO-1", 5, 2), po("PO-2", 5, 6)], [], TODAY)
    assert promises(plan) == {"A": (d(6), False)}


def test_inbound_is_walked_in_expected_date_then_po_id_order_whatever_order_it_is_given():
    supply = [po("PO-9", 1, 8), po("PO-2", 1, 3), po("PO-1", 1, 3)]
    queue = [entry("A", 1), entry("B", 1), entry("C", 1)]
    plan = plan_etas(queue, 0, 0, supply, [], TODAY)
    assert promises(plan) == {"A": (d(3), False), "B": (d(3), False), "C": (d(8), False)}


def test_supply_is_walked_in_real_arrival_order_expected_date_plus_lateness():
    # PO-1 is expected first but its supplier runs 6 days late; PO-2 will really arrive first.
    supply = [po("PO-1", 1, 3, lateness=6, supplier="S-late"), po("PO-2", 1, 5, lateness=0, supplier="S-ok")]
    plan = plan_etas([entry("A", 1), entry("B", 1)], 0, 0, supply, [], TODAY)
    assert promises(plan) == {"A": (d(5), False), "B": (d(9), False)}


def test_same_day_arrivals_from_two_suppliers_with_one_po_id_are_both_counted():
    supply = [po("PO-1", 2, 4, supplier="S2"), po("PO-1", 2, 4, supplier="S1")]
    plan = plan_etas([entry("A", 3)], 0, 0, supply, [], TODAY)
    assert promises(plan) == {"A": (d(4), False)}


def test_a_po_promise_adds_the_suppliers_observed_lateness():
    plan = plan_etas([entry("A", 1)], 0, 0, [po("PO-1", 5, 4, lateness=3)], [], TODAY)
    assert promises(plan) == {"A": (d(7), False)}


def test_an_overdue_po_never_promises_a_date_in_the_past():
    plan = plan_etas([entry("A", 1)], 0, 0, [po("PO-1", 5, -10, lateness=2)], [], TODAY)
    assert promises(plan) == {"A": (TODAY, False)}


def test_only_lines_from_start_are_recomputed():
    queue = [entry("A", 2, eta=d(1)), entry("B", 2)]
    plan = plan_etas(queue, 2, 1, [po("PO-1", 2, 3), po("PO-2", 2, 6)], [], TODAY)
    assert promises(plan) == {"B": (d(6), False)}


def test_a_promise_that_did_not_change_is_not_reported():
    queue = [entry("A", 2, eta=d(4)), entry("B", 2, eta=d(5), needs_purchase=True)]
    plan = plan_etas(queue, 0, 0, [po("PO-1", 2, 4)], [source(lead=5, lateness=0)], TODAY)
    assert plan.changes == []


# -------------------------------------------------------- needs purchase
def test_an_uncovered_line_needs_purchase_and_is_promised_lead_time_plus_lateness_of_the_best_source():
    sources = [
        source("S-backup", lead=2, lateness=0, priority=SupplierPriority.BACKUP),
        source("S1", lead=10, lateness=3),
    ]
    plan = plan_etas([entry("A", 4)], 0, 0, [], sources, TODAY)
    assert plan.changes == [
        EtaChange(
            order_id="A",
            line_id="1",
            old=None,
            new=d(13),
            needs_purchase=True,
            supplier_id="S1",
            confidence=0.9,
        )
    ]


def test_an_uncovered_line_with_no_source_needs_purchase_without_a_date():
    plan = plan_etas([entry("A", 4)], 0, 0, [], [], TODAY)
    assert promises(plan) == {"A": (None, True)}


def test_an_uncovered_promise_counts_from_when_the_line_started_waiting_or_today_if_later():
    waiting_since_future = entry("A", 1, since=d(3))
    plan = plan_etas([waiting_since_future], 0, 0, [], [source(lead=4, lateness=1)], TODAY)
    assert promises(plan) == {"A": (d(8), True)}
    waiting_since_long_ago = entry("B", 1, since=d(-30))
    plan = plan_etas([waiting_since_long_ago], 0, 0, [], [source(lead=4, lateness=1)], TODAY)
    assert promises(plan) == {"B": (d(5), True)}


def test_an_earlier_uncovered_promise_is_kept_while_still_achievable_and_moved_when_not():
    kept = entry("A", 1, eta=d(20), needs_purchase=True)
    assert plan_etas([kept], 0, 0, [], [source(lead=5)], TODAY).changes == []
    # Ten days later the old date is no longer reachable: it moves.
    stale = entry("A", 1, eta=d(6), needs_purchase=True)
    plan = plan_etas([stale], 0, 0, [], [source(lead=5)], d(10))
    assert promises(plan) == {"A": (d(15), True)}


def test_lines_behind_the_first_uncovered_one_keep_or_move_their_promise_by_the_same_rule():
    """The tail of a long queue is checked line by line, counting from `since` when it is later than today."""
    first = entry("A", 1, eta=d(20), needs_purchase=True)
    kept = entry("B", 1, eta=d(9), needs_purchase=True, since=d(3))  # since + lead 5 = d(8): reachable
    too_early = entry("C", 1, eta=d(7), needs_purchase=True, since=d(3))  # before d(8): moves
    stale = entry("D", 1, eta=d(4), needs_purchase=True, since=d(-9))  # before today + 5: moves
    past_wait = entry("E", 1, eta=d(9), needs_purchase=True, wait_limit=d(8))
    plan = plan_etas([first, kept, too_early, stale, past_wait], 0, 0, [], [source(lead=5)], TODAY)
    assert promises(plan) == {"C": (d(8), True), "D": (d(5), True)}
    assert [e.order_id for e in plan.expired] == ["E"]


def test_losing_po_coverage_turns_a_promise_into_needs_purchase():
    covered = entry("A", 3, eta=d(4))
    plan = plan_etas([covered], 0, 0, [], [source(lead=7, lateness=2)], TODAY)
    assert [c.model_copy(update={"supplier_id": None, "confidence": None}) for c in plan.changes] == [
        EtaChange(order_id="A", line_id="1", old=d(4), new=d(9), needs_purchase=True)
    ]


# ----------------------------------------------------------------- expiry
def test_a_line_whose_eta_passes_its_wait_limit_expires_and_stops_counting_for_lines_behind():
    queue = [entry("A", 3, wait_limit=d(5)), entry("B", 3, wait_limit=d(30))]
    plan = plan_etas(queue, 0, 0, [po("PO-1", 3, 10), po("PO-2", 3, 20)], [], TODAY)
    assert plan.expired == [Expiry(order_id="A", line_id="1", quantity=3, eta=d(10), wait_limit=d(5))]
    # B moves up into A's share of PO-1.
    assert promises(plan) == {"B": (d(10), False)}


def test_a_line_exactly_at_its_wait_limit_stays():
    plan = plan_etas([entry("A", 1, wait_limit=d(10))], 0, 0, [po("PO-1", 1, 10)], [], TODAY)
    assert plan.expired == []
    assert promises(plan) == {"A": (d(10), False)}


def test_an_uncovered_line_without_any_date_never_expires():
    plan = plan_etas([entry("A", 1, wait_limit=d(1))], 0, 0, [], [], TODAY)
    assert plan.expired == []
    assert promises(plan) == {"A": (None, True)}


def test_an_uncovered_line_expires_when_the_purchase_lead_time_exceeds_its_wait():
    plan = plan_etas([entry("A", 1, wait_limit=d(5))], 0, 0, [], [source(lead=10)], TODAY)
    assert [e.order_id for e in plan.expired] == ["A"]
    assert plan.expired[0].eta == d(10)
