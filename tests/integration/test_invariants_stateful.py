"""Random message traffic never breaks Antrian's books.

A hypothesis state machine sends random sequences of all fifteen message
types (SKUs configured with every allocation policy, reserves, quotas and
redistribution; orders with customer groups and channels) - valid and, deliberately, invalid ones - to an engine on the memory
store, in a small universe (3 SKUs, 2 suppliers, 2 warehouses, small
quantities, a clock that only moves forward). After every step it checks
that stock, queues, reservations and order lines still add up and agree
with each other; that open purchase orders and supplier terms are what the
SKUs plan with; that every aggregate rebuilt from its stored events equals
what the engine holds; that a rejected or redelivered message changed
nothing at all; and, at the end, that replaying every recorded decision
gives the same answers (services.replay).
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain.allocation import get_policy, split_line_key
from domain.order import Order
from domain.stock import Stock
from domain.supplier import Supplier
from domain.values import inbound_key
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.contracts import BY_TYPE
from services.outcomes import Status
from services.replay import Replayer
from tests import messages as m
from tests.state import REFUSAL_TOPIC, state

SKUS = ("A", "B", "C")
UNKNOWN_SKU = "Z"
SUPPLIERS = ("S1", "S2")
WAREHOUSES = ("main", "north")
TIERS = ("platinum", "gold", "standard")
POLICIES = ("fifo-v1", "priority-fifo-v1", "tier-reserve-v1", "tier-reserve-v2", "quota-v1")
GROUPS = (None, "G1", "G2")
CHANNELS = (None, "web", "shop")

# KNOWN BUG, reported to the lead: when a stock count takes back units that a line holds as an
# accepted substitute, the line is queued at the substitute's SKU; cancelling it then leaves that
# queue entry behind (it is later "filled" into a cancelled line) and replay shows a DIFF. See
# test_taking_back_substitute_units_keeps_the_line_consistent in test_engine_behaviour.py. While
# True, counts that could take back substitute-held units are not generated. Set to False with the fix.
AVOID_KNOWN_SUBSTITUTE_TAKE_BACK_BUG = False

quantities = st.integers(min_value=1, max_value=5)
mostly_valid = st.integers(min_value=0, max_value=9).map(lambda n: n > 0)  # about 1 in 10 invalid
usually = st.integers(min_value=0, max_value=3).map(lambda n: n > 0)
# SkuConfigured version 4's settings: reserve levels that never rise with tier, small quotas,
# redistribution off or on; None leaves a setting as it was.
reserves = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 1), st.integers(0, 3), st.integers(0, 4)).map(
        lambda t: {"platinum": t[0], "gold": max(t[0], t[1]), "standard": max(t[0], t[1], t[2])}
    ),
)
quotas = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "units": st.integers(1, 6),
            "period": st.sampled_from(("day", "week", "month")),
            "per": st.sampled_from(("customer", "group", "channel")),
            "beyond": st.sampled_from(("next_period", "unwanted")),
        }
    ),
)
redistribution = st.sampled_from((None, 0, 12, 48))


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Messages about unknown things wait (services/parking.py); here they wait for good,
        # so that each rule sees only its own message's records.
        self.engine = build_engine(Settings(store="memory", park_max_minutes=10**8))
        self.minutes = 0
        self.next_id = 0
        self.applied: list[dict[str, Any]] = []
        self.orders: list[str] = []
        self.pos: dict[tuple[str, str], list[str]] = {}  # (supplier, PO id: ids are per supplier) -> skus
        self.ids: dict[UUID, str] = {}  # every aggregate id -> its class name, from the log
        self.last_notification = 0
        self.sent: Counter[tuple[str, str]] = Counter()  # (type, status): what the run exercised
        self.rebuilt_at: dict[UUID, int] = {}  # version at which each aggregate was last rebuilt

    # ------------------------------------------------------------ plumbing
    def mid(self) -> str:
        self.next_id += 1
        return f"m{self.next_id}"

    @property
    def now(self) -> str:
        return m.ts(minutes=self.minutes)

    def days_from_now(self, days: int) -> str:
        return m.day(self.minutes // (24 * 60) + days)

    def _track(self) -> tuple[int, int, int]:
        """Read the notifications recorded since last time: how many, how many were refusal records,
        and how many the parking lot's."""
        notes = self.engine.recorder.select_notifications(self.last_notification + 1, 100_000)
        for note in notes:
            if note.originator_version == 1:
                self.ids[note.originator_id] = note.topic.split(":")[1].split(".")[0]
        if notes:
            self.last_notification = notes[-1].id
        refusals = sum(note.topic.startswith(REFUSAL_TOPIC) for note in notes)
        return len(notes), refusals, sum(note.topic.startswith("services.parking:") for note in notes)

    def _aggregates(self, kind: type) -> list[Any]:
        return [self.engine.repository.get(i) for i, name in self.ids.items() if name == kind.__name__]

    def _business_state(self) -> dict[UUID, dict[str, Any]]:
        return {
            aggregate_id: state(self.engine.repository.get(aggregate_id))
            for aggregate_id, kind in self.ids.items()
            if kind in ("Stock", "Order", "Supplier")
        }

    def send(self, raw: dict[str, Any], expect: Status | None = None) -> Status:
        before = self._business_state()
        outcome = self.engine.handle_raw(raw)
        new_events, refusal_records, parking_records = self._track()
        self.sent[(raw.get("type", "?"), outcome.status.value)] += 1
        if expect is not None:
            assert outcome.status is expect, (raw, outcome)
        if outcome.status is Status.APPLIED:
            self.applied.append(raw)
            assert new_events >= 1
            return outcome.status
        # Invalid inputs are generated on purpose: what matters is that they change nothing at all.
        assert outcome.message_id == raw.get("message_id"), outcome
        if outcome.status is Status.REJECTED:
            assert outcome.detail, outcome
        # Nothing but the inbox's note that this content was refused (not for a duplicate, nor again),
        # or the parking lot's that it waits
        assert new_events == refusal_records + parking_records, (raw, outcome)
        assert parking_records == 0 or outcome.status is Status.PARKED, (raw, outcome)
        assert refusal_records == (1 if outcome.status is Status.REJECTED and _judged(raw, outcome) else 0)
        after = self._business_state()
        assert {k: v["version"] for k, v in after.items()} == {k: v["version"] for k, v in before.items()}
        assert after == before, (raw, outcome)
        return outcome.status

    def order(self, order_id: str) -> Order:
        return self.engine.get_order(order_id)

    # -------------------------------------------------------------- set-up
    @initialize(
        leads=st.lists(st.integers(min_value=0, max_value=10), min_size=6, max_size=6),
        on_hand=st.lists(st.integers(min_value=0, max_value=10), min_size=3, max_size=3),
        substitutes=st.lists(
            st.lists(st.sampled_from(SKUS), max_size=2, unique=True), min_size=3, max_size=3
        ),
    )
    def open_for_business(self, leads, on_hand, substitutes) -> None:
        """Three SKUs, both suppliers selling all of them (S1 primary), a little stock, some substitutes."""
        for sku in SKUS:
            self.send(m.sku_configured(self.mid(), sku, at=self.now), expect=Status.APPLIED)
        for s, supplier in enumerate(SUPPLIERS):
            priority = "primary" if s == 0 else "backup"
            offered = [m.terms(sku, leads[3 * s + i], priority) for i, sku in enumerate(SKUS)]
            self.send(
                m.supplier_registered(self.mid(), supplier, offered, at=self.now), expect=Status.APPLIED
            )
        for sku, quantity in zip(SKUS, on_hand, strict=True):
            if quantity:
                self.send(m.stock_received(self.mid(), sku, quantity, at=self.now), expect=Status.APPLIED)
        for sku, alternatives in zip(SKUS, substitutes, strict=True):
            if alternatives:
                self.send(
                    m.substitutes_declared(self.mid(), sku, alternatives, at=self.now), expect=Status.APPLIED
                )

    # ---------------------------------------------------------------- time
    @rule(hours=st.integers(min_value=1, max_value=72))
    def time_passes(self, hours: int) -> None:
        self.minutes += hours * 60

    # -------------------------------------------------------------- orders
    @rule(
        data=st.data(),
        lines=st.lists(st.tuples(st.sampled_from(SKUS), quantities), min_size=1, max_size=3),
        tier=st.sampled_from(TIERS),
        shipping=st.sampled_from(("partial", "complete")),
        accept_substitutes=usually,
        max_wait_days=st.one_of(st.none(), st.integers(min_value=1, max_value=20)),
        valid=mostly_valid,
    )
    def place_order(self, data, lines, tier, shipping, accept_substitutes, max_wait_days, valid) -> None:
        """Version 1, or version 3 with a returning customer, a group and a channel (quotas count them)."""
        order_id = f"O{len(self.orders)}"
        specs = [(str(i + 1), sku, qty) for i, (sku, qty) in enumerate(lines)]
        if not valid:
            mistake = data.draw(st.sampled_from(("unknown-sku", "existing-order", "zero-quantity")))
            if mistake == "unknown-sku":
                specs[-1] = (specs[-1][0], UNKNOWN_SKU, specs[-1][2])
            elif mistake == "existing-order" and self.orders:
                order_id = data.draw(st.sampled_from(self.orders))
            else:
                specs[0] = (specs[0][0], specs[0][1], 0)
        v3 = data.draw(st.booleans())
        extra = (
            {
                "customer_id": data.draw(st.sampled_from(("C1", "C2", "C3"))),
                "group": data.draw(st.sampled_from(GROUPS)),
                "channel": data.draw(st.sampled_from(CHANNELS)),
            }
            if v3
            else {}
        )
        raw = (m.order_placed_v3 if v3 else m.order_placed)(
            self.mid(),
            order_id,
            specs,
            tier=tier,
            at=self.now,
            shipping=shipping,
            accept_substitutes=accept_substitutes,
            max_wait_days=max_wait_days,
            **extra,
        )
        if self.send(raw) is Status.APPLIED:
            self.orders.append(order_id)
            # Customers who are offered a substitute often answer straight away.
            for line_id, line in sorted(self.order(order_id).lines.items()):
                if line.offer is not None and data.draw(st.booleans()):
                    self.send(m.substitute_accepted(self.mid(), order_id, line_id, at=self.now))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), whole=st.booleans(), valid=mostly_valid)
    def cancel_order(self, data, whole, valid) -> None:
        open_orders = [o for o in self.orders if any(line.is_open for line in self.order(o).lines.values())]
        # Mostly open orders; sometimes any order, whose lines may be shipped or cancelled already.
        order = self.order(data.draw(st.sampled_from(open_orders if open_orders and valid else self.orders)))
        line_ids = (
            None
            if whole
            else data.draw(st.lists(st.sampled_from(sorted(order.lines)), min_size=1, unique=True))
        )
        self.send(m.order_cancelled(self.mid(), order.order_id, line_ids, at=self.now))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), valid=mostly_valid)
    def ship_order(self, data, valid) -> None:
        allocated = [
            (o.order_id, lid, line)
            for o in map(self.order, self.orders)
            for lid, line in o.lines.items()
            if line.allocated_total
        ]
        if not valid or not allocated:
            target = data.draw(st.sampled_from(self.orders))
            warehouse = data.draw(st.sampled_from(WAREHOUSES))
            self.send(m.order_shipped(self.mid(), target, [("1", None)], at=self.now, warehouse=warehouse))
            return
        order_id, line_id, line = data.draw(st.sampled_from(allocated))
        # Mostly from a warehouse that holds the line's units; sometimes from one that may not.
        holding = [
            w
            for w in WAREHOUSES
            if any(self.engine.get_stock(sku).on_hand.get(w, 0) for sku in line.allocated)
        ]
        warehouse = data.draw(st.sampled_from(holding if holding and data.draw(usually) else WAREHOUSES))
        most = line.allocated_total + (0 if data.draw(mostly_valid) else 1)
        quantity = data.draw(st.one_of(st.none(), st.integers(min_value=1, max_value=most)))
        lines = [(line_id, quantity)]
        others = sorted(set(self.order(order_id).lines) - {line_id})
        if others and not data.draw(usually):
            lines.append(
                (data.draw(st.sampled_from(others)), None)
            )  # if it has nothing allocated, all is refused
        self.send(m.order_shipped(self.mid(), order_id, lines, at=self.now, warehouse=warehouse))

    # --------------------------------------------------------------- stock
    @rule(
        data=st.data(),
        sku=st.sampled_from(SKUS),
        quantity=st.integers(min_value=1, max_value=8),
        warehouse=st.sampled_from(WAREHOUSES),
        against_po=st.booleans(),
        name_supplier=st.booleans(),
    )
    def receive_stock(self, data, sku, quantity, warehouse, against_po, name_supplier) -> None:
        po_id = supplier_id = None
        if against_po and self.pos:
            po_supplier, po_id = data.draw(st.sampled_from(sorted(self.pos)))
            sku = data.draw(st.sampled_from(self.pos[(po_supplier, po_id)] + [sku]))
            supplier_id = po_supplier if name_supplier else None
        raw = m.stock_received(
            self.mid(), sku, quantity, at=self.now, warehouse=warehouse, po=po_id, supplier_id=supplier_id
        )
        self.send(raw)

    def _offered_lines(self) -> list[tuple[str, str, Any]]:
        return [
            (o.order_id, lid, line)
            for o in map(self.order, self.orders)
            for lid, line in o.lines.items()
            if line.offer is not None
        ]

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def some_stock_arrives_for_a_line_offered_a_substitute(self, data) -> None:
        """While an offer is open, part of what the line waits for may still turn up."""
        offered = self._offered_lines()
        if not offered:
            return
        order_id, line_id, line = data.draw(st.sampled_from(offered))
        quantity = data.draw(st.integers(min_value=1, max_value=line.backordered + 1))
        self.send(m.stock_received(self.mid(), line.sku, quantity, at=self.now))
        if data.draw(st.booleans()):  # and the customer then takes the offer for what still waits
            self.send(m.substitute_accepted(self.mid(), order_id, line_id, at=self.now))

    @rule(
        sku=st.sampled_from(SKUS),
        counted=st.integers(min_value=0, max_value=8),
        warehouse=st.sampled_from(WAREHOUSES),
    )
    def count_stock(self, sku, counted, warehouse) -> None:
        stock = self.engine.get_stock(sku)
        if AVOID_KNOWN_SUBSTITUTE_TAKE_BACK_BUG and counted < stock.on_hand.get(warehouse, 0):
            held_as_substitute = [
                key
                for key in stock.reservations
                if self.order(split_line_key(key)[0]).lines[split_line_key(key)[1]].sku != sku
            ]
            if held_as_substitute:
                return
        self.send(m.stock_adjusted(self.mid(), sku, counted, at=self.now, warehouse=warehouse))

    @rule(
        sku=st.sampled_from(SKUS),
        reorder_point=st.integers(min_value=0, max_value=5),
        safety_stock=st.integers(min_value=0, max_value=3),
        policy=st.sampled_from((None, *POLICIES, "bogus-v1")),
    )
    def configure_sku(self, sku, reorder_point, safety_stock, policy) -> None:
        status = self.send(
            m.sku_configured(self.mid(), sku, reorder_point, safety_stock, policy, at=self.now)
        )
        assert (status is Status.REJECTED) == (policy == "bogus-v1")

    @rule(
        sku=st.sampled_from(SKUS),
        policy=st.sampled_from((None, *POLICIES)),
        reserve=reserves,
        quota=quotas,
        hours=redistribution,
    )
    def ration_sku(self, sku, policy, reserve, quota, hours) -> None:
        """SkuConfigured version 4: a policy with its reserve, quota and redistribution window."""
        raw = m.sku_configured_v4(
            self.mid(),
            sku,
            policy,
            at=self.now,
            reserve=reserve,
            quota=quota,
            redistribute_within_hours=hours,
        )
        self.send(raw, expect=Status.APPLIED)

    @rule(sku=st.sampled_from(SKUS), customer=st.sampled_from(("C1", "C2")))
    def watch_sku(self, sku, customer) -> None:
        self.send(m.back_in_stock_requested(self.mid(), sku, customer, at=self.now), expect=Status.APPLIED)

    # ---------------------------------------------------------- substitutes
    @rule(
        sku=st.sampled_from(SKUS), substitutes=st.lists(st.sampled_from(SKUS), max_size=3), valid=mostly_valid
    )
    def declare_substitutes(self, sku, substitutes, valid) -> None:
        if not valid:
            substitutes = [*substitutes, UNKNOWN_SKU]
        self.send(m.substitutes_declared(self.mid(), sku, substitutes, at=self.now))

    def _a_line(self, data) -> tuple[str, str]:
        """Mostly a line with an open offer; otherwise any line id, real or not."""
        offered = [(order_id, line_id) for order_id, line_id, _ in self._offered_lines()]
        if offered and data.draw(usually):
            return data.draw(st.sampled_from(offered))
        return data.draw(st.sampled_from(self.orders)), data.draw(st.sampled_from(("1", "2", "9")))

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def accept_substitute(self, data) -> None:
        order_id, line_id = self._a_line(data)
        self.send(m.substitute_accepted(self.mid(), order_id, line_id, at=self.now))

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def decline_substitute(self, data) -> None:
        order_id, line_id = self._a_line(data)
        self.send(m.substitute_declined(self.mid(), order_id, line_id, at=self.now))

    # ------------------------------------------------------- releases ahead
    def _waiting_lines(self, released: bool | None = None) -> list[tuple[str, str]]:
        return sorted(
            (e.order_id, e.line_id)
            for s in self._aggregates(Stock)
            for e in s.queue
            if released is None or (e.released is not None) == released
        )

    def _a_waiting_line(self, data, released: bool) -> tuple[str, str]:
        """Mostly a line the release (or its withdrawal) applies to; otherwise any line, real or not."""
        fitting = self._waiting_lines(released)
        if fitting and data.draw(mostly_valid):
            return data.draw(st.sampled_from(fitting))
        return data.draw(st.sampled_from([*self.orders, "O-unknown"])), data.draw(st.sampled_from(("1", "2")))

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def release_a_line_ahead(self, data) -> None:
        order_id, line_id = self._a_waiting_line(data, released=False)
        self.send(m.line_released_ahead(self.mid(), order_id, line_id, at=self.now, reason="emergency"))

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def withdraw_a_release(self, data) -> None:
        order_id, line_id = self._a_waiting_line(data, released=True)
        self.send(m.line_release_withdrawn(self.mid(), order_id, line_id, at=self.now, reason="over"))

    # ------------------------------------------------------------ suppliers
    @rule(
        supplier=st.sampled_from(SUPPLIERS),
        offered=st.lists(
            st.tuples(
                st.sampled_from(SKUS),
                st.integers(min_value=0, max_value=10),
                st.sampled_from(("primary", "backup")),
                st.integers(min_value=1, max_value=6),
            ),
            max_size=3,
            unique_by=lambda t: t[0],
        ),
    )
    def register_supplier(self, supplier, offered) -> None:
        terms = [m.terms(sku, lead, priority, moq=moq) for sku, lead, priority, moq in offered]
        self.send(m.supplier_registered(self.mid(), supplier, terms, at=self.now), expect=Status.APPLIED)

    @rule(
        data=st.data(),
        supplier=st.sampled_from(SUPPLIERS),
        expected_in=st.integers(min_value=-3, max_value=15),
        valid=mostly_valid,
    )
    def place_po(self, data, supplier, expected_in, valid) -> None:
        # PO ids are the supplier's own: S1 and S2 both count PO0, PO1, ...
        po_id = f"PO{sum(1 for s, _ in self.pos if s == supplier)}"
        sold = sorted(self.engine.get_supplier(supplier).terms)
        skus = data.draw(st.lists(st.sampled_from(sold or list(SKUS)), min_size=1, max_size=3, unique=True))
        if not valid:
            mistake = data.draw(st.sampled_from(("duplicate", "unknown-supplier", "unsold-sku")))
            if mistake == "duplicate" and any(s == supplier for s, _ in self.pos):
                po_id = data.draw(st.sampled_from(sorted(p for s, p in self.pos if s == supplier)))
            elif mistake == "unknown-supplier":
                supplier = "S-unknown"
            else:
                skus = [*skus, UNKNOWN_SKU]
        lines = [(sku, data.draw(st.integers(min_value=1, max_value=8))) for sku in skus]
        raw = m.po_placed(
            self.mid(),
            po_id,
            lines,
            expected=self.days_from_now(expected_in),
            supplier_id=supplier,
            at=self.now,
        )
        if self.send(raw) is Status.APPLIED:
            self.pos[(supplier, po_id)] = [sku for sku, _ in lines]

    def _a_po(self, data) -> tuple[str, str]:
        """Mostly a PO that is still open; sometimes any PO (maybe closed); rarely the wrong supplier."""
        open_pos = [
            (supplier, po_id)
            for supplier, po_id in self.pos
            if self.engine.get_supplier(supplier).purchase_orders[po_id].is_open
        ]
        supplier, po_id = data.draw(
            st.sampled_from(sorted(open_pos if open_pos and data.draw(usually) else self.pos))
        )
        if not data.draw(mostly_valid):  # maybe the other supplier has a PO of that id too
            supplier = next(s for s in SUPPLIERS if s != supplier)
        return po_id, supplier

    @precondition(lambda self: self.pos)
    @rule(data=st.data(), expected_in=st.integers(min_value=-2, max_value=15))
    def confirm_po(self, data, expected_in) -> None:
        po_id, supplier = self._a_po(data)
        self.send(m.po_confirmed(self.mid(), po_id, self.days_from_now(expected_in), supplier, at=self.now))

    @precondition(lambda self: self.pos)
    @rule(data=st.data(), expected_in=st.integers(min_value=0, max_value=25))
    def delay_po(self, data, expected_in) -> None:
        po_id, supplier = self._a_po(data)
        self.send(m.po_delayed(self.mid(), po_id, self.days_from_now(expected_in), supplier, at=self.now))

    @precondition(lambda self: self.pos)
    @rule(data=st.data())
    def cancel_po(self, data) -> None:
        po_id, supplier = self._a_po(data)
        self.send(m.po_cancelled(self.mid(), po_id, supplier, at=self.now))

    # ------------------------------------------------------ invalid on purpose
    @rule(kind=st.sampled_from(sorted(BY_TYPE)))
    def a_message_about_something_unknown(self, kind) -> None:
        """Each type, naming an order, SKU, supplier or PO that does not exist, is refused or waits."""
        mid, at = self.mid(), self.now
        raw = {
            "OrderPlaced": lambda: m.order_placed(mid, "O-new", [("1", UNKNOWN_SKU, 1)], at=at),
            "OrderCancelled": lambda: m.order_cancelled(mid, "O-unknown", at=at),
            "OrderShipped": lambda: m.order_shipped(mid, "O-unknown", at=at),
            "StockReceived": lambda: m.stock_received(mid, "A", 1, at=at, po="PO-unknown"),
            "StockAdjusted": lambda: m.stock_adjusted(mid, "A", -1, at=at),
            "SupplierRegistered": lambda: m.supplier_registered(mid, "S1", [m.terms("A", -1)], at=at),
            "PurchaseOrderPlaced": lambda: m.po_placed(mid, "PO-x", supplier_id="S-unknown", at=at),
            "PurchaseOrderConfirmed": lambda: m.po_confirmed(mid, "PO-unknown", m.day(3), "S1", at=at),
            "PurchaseOrderDelayed": lambda: m.po_delayed(mid, "PO-unknown", m.day(3), "S2", at=at),
            "PurchaseOrderCancelled": lambda: m.po_cancelled(mid, "PO-unknown", "S-unknown", at=at),
            "SubstitutesDeclared": lambda: m.substitutes_declared(mid, UNKNOWN_SKU, ["A"], at=at),
            "SubstituteAccepted": lambda: m.substitute_accepted(mid, "O-unknown", at=at),
            "SubstituteDeclined": lambda: m.substitute_declined(mid, "O-unknown", at=at),
            "BackInStockRequested": lambda: m.back_in_stock_requested(mid, UNKNOWN_SKU, at=at),
            "SkuConfigured": lambda: m.sku_configured(mid, "A", policy="bogus-v1", at=at),
            "LineReleasedAhead": lambda: m.line_released_ahead(mid, "O-unknown", at=at),
            "LineReleaseWithdrawn": lambda: m.line_release_withdrawn(mid, "O-unknown", at=at),
            # names nothing another message brings: refused for giving no capacity instead
            "WarehouseConfigured": lambda: m.warehouse_configured(mid, "main", at=at),
        }[kind]()
        assert self.send(raw) in (Status.REJECTED, Status.PARKED)

    @precondition(lambda self: self.applied)
    @rule(data=st.data())
    def redeliver(self, data) -> None:
        """Any earlier message, delivered again, is a duplicate that changes nothing."""
        self.send(data.draw(st.sampled_from(self.applied)), expect=Status.DUPLICATE)

    @precondition(lambda self: self.applied)
    @rule(data=st.data())
    def reuse_a_message_id(self, data) -> None:
        """An earlier id on different content is refused on its message_id."""
        earlier = data.draw(st.sampled_from(self.applied))
        self.send(
            m.back_in_stock_requested(earlier["message_id"], "A", "C-clash", at=self.now),
            expect=Status.REJECTED,
        )

    # Real traffic is mostly orders, receipts and shipments: giving these rules a second name
    # makes hypothesis, which picks among rules evenly, draw them twice as often.
    place_another_order = place_order
    receive_more_stock = receive_stock
    ship_another_order = ship_order

    # ---------------------------------------------------------- invariants
    @invariant()
    def stock_adds_up(self) -> None:
        for stock in self._aggregates(Stock):
            where = f"stock {stock.sku} v{stock.version}"
            assert all(q >= 0 for q in stock.on_hand.values()), where
            assert 0 <= stock.allocated <= stock.total_on_hand, where
            assert sum(r.quantity for r in stock.reservations.values()) == stock.allocated, where
            assert all(r.quantity > 0 for r in stock.reservations.values()), where
            assert stock.waiting == sum(e.quantity for e in stock.queue), where
            assert all(e.quantity > 0 for e in stock.queue), where
            assert stock.suggested >= 0, where
            key = get_policy(stock.policy).serving_key
            keys = [key(e) for e in stock.queue]
            assert keys == sorted(keys), f"{where}: queue out of {stock.policy} order"
            # A released line is served before any line not released; released ones in release order.
            flags = [e.released is not None for e in stock.queue]
            assert flags == sorted(flags, reverse=True), f"{where}: a released line behind one not released"
            assert len({e.key for e in stock.queue}) == len(stock.queue), f"{where}: a line queued twice"
            for entry in stock.queue:
                assert entry.eta is not None or entry.needs_purchase, f"{where}: {entry} has no promise"
            if stock.available > 0:
                policy = get_policy(stock.policy)
                if policy.rations and stock.clock is not None:  # lines may be held back, none servable
                    servable = policy.plan_fill(stock.available, stock.queue, stock.rules(stock.clock))
                    assert not servable, f"{where}: {stock.available} free and {servable} could be served"
                else:
                    assert not stock.queue, f"{where}: {stock.available} free while {stock.waiting} wait"
                assert not stock.watchers, f"{where}: {stock.available} free and watchers not told"

    @invariant()
    def order_lines_add_up_and_match_the_stocks(self) -> None:
        stocks = {s.sku: s for s in self._aggregates(Stock)}
        queued = {(e.order_id, e.line_id): (sku, e) for sku, s in stocks.items() for e in s.queue}
        reserved = {(sku, key): r.quantity for sku, s in stocks.items() for key, r in s.reservations.items()}
        seen_queued: set[tuple[str, str]] = set()
        seen_reserved: set[tuple[str, str]] = set()
        for order in self._aggregates(Order):
            for lid, line in order.lines.items():
                where = f"order {order.order_id} line {lid} ({line.sku})"
                parts = (line.allocated_total, line.backordered, line.cancelled, line.shipped)
                assert all(p >= 0 for p in parts), f"{where}: {parts}"
                assert all(q > 0 for q in line.allocated.values()), f"{where}: {line.allocated}"
                assert line.quantity == sum(parts), f"{where}: {line.quantity} != {parts}"
                if line.backordered:
                    found = queued.get((order.order_id, lid))
                    assert found is not None, f"{where}: {line.backordered} backordered but not queued"
                    sku, entry = found
                    assert sku == line.sku, f"{where}: queued for {sku}"
                    assert entry.quantity == line.backordered, (
                        f"{where}: queue {entry.quantity} vs {line.backordered}"
                    )
                    # The promise is the Stock's (revisions are not mirrored onto the order): a line
                    # a purchase order covers always has a date.
                    assert entry.needs_purchase or entry.eta is not None, f"{where}: covered, no date"
                    seen_queued.add((order.order_id, lid))
                else:
                    assert (line.position, line.eta, line.needs_purchase) == (None, None, False), where
                for sku, quantity in line.allocated.items():
                    key = (sku, f"{order.order_id}/{lid}")
                    assert reserved.get(key) == quantity, (
                        f"{where}: holds {quantity} {sku}, stock has {reserved.get(key)}"
                    )
                    seen_reserved.add(key)
        assert set(queued) == seen_queued, f"queued for no waiting order line: {set(queued) - seen_queued}"
        assert set(reserved) == seen_reserved, f"reserved for no order line: {set(reserved) - seen_reserved}"

    @invariant()
    def open_purchase_orders_are_expected_on_their_skus(self) -> None:
        expected = {
            (sku, inbound_key(supplier.supplier_id, po.po_id)): po_line.open
            for supplier in self._aggregates(Supplier)
            for po in supplier.purchase_orders.values()
            for sku, po_line in po.lines.items()
            if po.is_open and po_line.open
        }
        inbound = {
            (s.sku, po_id): i.quantity for s in self._aggregates(Stock) for po_id, i in s.inbound.items()
        }
        assert inbound == expected, f"stocks expect {inbound}, open PO lines say {expected}"

    @invariant()
    def each_sku_knows_exactly_who_sells_it_and_how_late_they_are(self) -> None:
        suppliers = self._aggregates(Supplier)
        for stock in self._aggregates(Stock):
            selling = {s.supplier_id: s.source_for(stock.sku) for s in suppliers if stock.sku in s.terms}
            assert stock.sources == selling, (
                f"stock {stock.sku} sources {stock.sources}, suppliers say {selling}"
            )
            for line in stock.inbound.values():
                lateness = next(s.lateness_days for s in suppliers if s.supplier_id == line.supplier_id)
                assert line.lateness_days == lateness, (
                    f"stock {stock.sku}: {line} but supplier is {lateness} late"
                )

    @invariant()
    def the_log_rebuilds_what_the_engine_holds(self) -> None:
        """Folding each aggregate's stored events gives exactly the state the engine has cached."""
        for aggregate_id, kind in self.ids.items():
            if kind not in ("Stock", "Order", "Supplier"):
                continue
            held = self.engine.repository.get(aggregate_id)
            if self.rebuilt_at.get(aggregate_id) == held.version:
                continue  # unchanged since it was last checked
            self.rebuilt_at[aggregate_id] = held.version
            rebuilt = self.engine.repository.get(aggregate_id, version=held.version)  # read from the store
            assert rebuilt is not held
            assert state(rebuilt) == state(held), f"{kind} {aggregate_id} differs from its own history"

    # ------------------------------------------------------------ the end
    def teardown(self) -> None:
        try:
            if sys.exc_info()[0] is None:  # a run that already failed reports its own error
                self.every_decision_replays_to_what_was_recorded()
        finally:
            self.engine.close()

    def every_decision_replays_to_what_was_recorded(self) -> None:
        report = Replayer(self.engine).verify()
        assert not report.diffs, "\n".join(
            f"DIFF {v.subject} {v.kind} ({v.policy}, {v.message_id}): "
            f"recorded {v.recorded}, recomputed {v.recomputed}"
            for v in report.diffs[:5]
        )


EngineMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestEngineInvariants = EngineMachine.TestCase


def _judged(raw: dict[str, Any], outcome: Any) -> bool:
    """A refusal the engine judged: of a valid message, not of its text nor of an id used before."""
    from services.errors import MessageRejected
    from services.parsing import parse_message

    try:
        parse_message(raw)
    except MessageRejected:
        return False
    return not outcome.detail.startswith("message_id was already used")
