"""The demo shop's fixed cast: SKUs, suppliers, customers - drawn once from the seed.

Nothing here reads the engine: the world is a pure function of the options
and a `random.Random`, and `setup_messages` describes it to the engine in
the same messages real upstream systems send.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from simulation.variability import Limits, Variability, draw

DEMO_START = date(2026, 1, 5)
LINES_PER_ORDER = (1, 2, 3)
LINE_WEIGHTS = (55, 30, 15)
QUANTITIES = (1, 2, 3, 4, 5, 6)
QUANTITY_WEIGHTS = (50, 25, 12, 6, 4, 3)
MEAN_QUANTITY = sum(q * w for q, w in zip(QUANTITIES, QUANTITY_WEIGHTS, strict=True)) / sum(QUANTITY_WEIGHTS)
WAREHOUSE_DAYS = 12
# With planning the SKUs promise with eta-v6 (eta-v3's failover: a primary's PO later than
# FAILOVER_AFTER_DAYS, against the date it promised, moves its lines to the backup; dates
# nearest the target confidence). More than the latest supplier's usual lateness: a
# disruption, not a habit, sets it off.
ETA_WITH_FAILOVER = "eta-v6"
EXPEDITING = "replenish-v3"  # buys from the faster backup for customers already waiting
FAILOVER_REASON = (
    "demo with planning: promise with failover to the backup, expedite from it for waiting customers"
)
FAILOVER_AFTER_DAYS = 7
MEAN_LINES = sum(n * w for n, w in zip(LINES_PER_ORDER, LINE_WEIGHTS, strict=True)) / sum(LINE_WEIGHTS)

SUPPLIER_NAMES = (
    "Sumber Makmur",
    "Harbor Trading",
    "Nusantara Supply",
    "Pacific Parts",
    "Borneo Goods",
    "Merapi Components",
    "Lotus Wholesale",
    "Baltic Freight",
)
# How a supplier keeps its dates: the profile fixes how late it really delivers.
PROFILES = ("late", "punctual", "sloppy", "punctual", "sloppy", "late", "punctual", "sloppy")


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 7
    days: int = 42
    skus: int = 20
    orders_per_day: int = 40
    start: date = DEMO_START
    planning: bool = False  # a planning run every week, its recommendations applied (simulation/planning.py)
    # Days the shop runs before the `days` its summary reports on: a shop that has been selling has
    # a history to plan from, one that opens today has none (the first planning run's orders come
    # two weeks in), so comparing planning on and off on the first weeks measures a cold start.
    warm_up_days: int = 0

    def __post_init__(self) -> None:
        for name in ("days", "skus", "orders_per_day"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.warm_up_days < 0:
            raise ValueError(f"warm_up_days must be at least 0, not {self.warm_up_days}")

    @property
    def run_days(self) -> int:
        return self.warm_up_days + self.days

    @property
    def window_start(self) -> date:
        """The first day the summary reports on."""
        return self.start + timedelta(days=self.warm_up_days)


@dataclass(frozen=True)
class Terms:
    supplier_id: str
    lead_time_days: int
    unit_cost: str  # a decimal string, as upstream sends money
    priority: str  # "primary" or "backup"
    minimum_order_quantity: int


@dataclass(frozen=True)
class SkuPlan:
    sku: str
    daily_units: float  # expected demand without spikes
    reorder_point: int
    safety_stock: int
    initial: int
    pack: int  # purchasing rounds orders up to this
    primary: Terms
    backup: Terms


@dataclass(frozen=True)
class SupplierPlan:
    supplier_id: str
    name: str
    profile: str  # "punctual", "sloppy" or "late"


@dataclass(frozen=True)
class Customer:
    customer_id: str
    tier: str
    email: str
    locale: str
    weight: float
    complete: float  # chance an order asks to ship complete
    substitutes: float  # chance an order accepts substitutes
    max_wait_days: int | None


@dataclass(frozen=True)
class World:
    skus: tuple[SkuPlan, ...]
    suppliers: tuple[SupplierPlan, ...]
    customers: tuple[Customer, ...]
    substitutes: tuple[tuple[str, tuple[str, ...]], ...]  # (sku, substitutes best first)
    variability: Variability = Variability()
    warehouse_capacity: int | None = None  # units the one warehouse, "main", holds

    def sku(self, sku: str) -> SkuPlan:
        return next(plan for plan in self.skus if plan.sku == sku)

    def supplier(self, supplier_id: str) -> SupplierPlan:
        return next(s for s in self.suppliers if s.supplier_id == supplier_id)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def build_world(options: DemoOptions, rng: random.Random) -> World:
    n_suppliers = max(2, min(len(SUPPLIER_NAMES), (options.skus + 2) // 3))
    suppliers = tuple(
        SupplierPlan(supplier_id=f"SUP-{i + 1:02d}", name=SUPPLIER_NAMES[i], profile=PROFILES[i])
        for i in range(n_suppliers)
    )
    raw = [1.0 / (rank + 1) ** 0.8 for rank in range(options.skus)]
    rng.shuffle(raw)
    total = sum(raw)
    lines_per_order = min(MEAN_LINES, options.skus)
    daily_total = options.orders_per_day * lines_per_order * MEAN_QUANTITY
    thin = set(rng.sample(range(options.skus), k=options.skus // 5))
    skus = []
    for i, weight in enumerate(raw):
        daily = daily_total * weight / total
        primary_supplier = suppliers[i % n_suppliers]
        backup_supplier = suppliers[(i + 1 + rng.randrange(n_suppliers - 1)) % n_suppliers]
        lead = rng.randint(5, 10)
        cents = rng.randint(150, 9000)
        pack = 5 if daily < 3 else 10 if daily < 12 else 20
        primary = Terms(primary_supplier.supplier_id, lead, _money(cents), "primary", pack)
        backup_cents = cents * rng.randint(115, 140) // 100
        backup = Terms(backup_supplier.supplier_id, rng.randint(2, 4), _money(backup_cents), "backup", 1)
        reorder_point = math.ceil(daily * (lead + 2))
        safety_stock = math.ceil(daily * 3)
        if i in thin:
            initial = math.ceil(daily * rng.uniform(0.3, 1.0))
        else:
            initial = reorder_point + safety_stock + rng.randint(0, math.ceil(daily * 3))
        skus.append(
            SkuPlan(f"SKU-{i + 1:03d}", daily, reorder_point, safety_stock, initial, pack, primary, backup)
        )
    customers, families = _customers(options, rng), _families(skus, rng)
    limits = [Limits(p.sku, p.daily_units, p.pack, p.primary.supplier_id) for p in skus]
    variability = draw(
        options.seed, options.start, options.run_days, limits, [s.supplier_id for s in suppliers]
    )
    return World(tuple(skus), suppliers, customers, families, variability, _warehouse_capacity(skus))


def _warehouse_capacity(skus: list[SkuPlan]) -> int:
    """Room for about twelve days of every SKU's usual demand (in hundreds): a shop that buys
    ten days' cover at a time fills it now and then, a seasonal peak bought early overflows it."""
    return math.ceil(sum(p.daily_units for p in skus) * WAREHOUSE_DAYS / 100) * 100


def _customers(options: DemoOptions, rng: random.Random) -> tuple[Customer, ...]:
    customers = []
    for i in range(max(20, options.orders_per_day * 6)):
        locale = "id" if rng.random() < 0.4 else "en"
        domain = "example.co.id" if locale == "id" else "example.com"
        customers.append(
            Customer(
                customer_id=f"CUST-{i + 1:05d}",
                tier=rng.choices(("platinum", "gold", "standard"), weights=(8, 22, 70))[0],
                email=f"customer{i + 1}@{domain}",
                locale=locale,
                weight=rng.paretovariate(2.0),
                complete=0.7 if rng.random() < 0.2 else 0.05,
                substitutes=0.8 if rng.random() < 0.4 else 0.1,
                max_wait_days=rng.choice((7, 10, 14, 21)) if rng.random() < 0.25 else None,
            )
        )
    return tuple(customers)


def _families(skus: list[SkuPlan], rng: random.Random) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Group SKUs in families of two or three; some members name the others as substitutes."""
    names = [plan.sku for plan in skus]
    rng.shuffle(names)
    declared = []
    while len(names) >= 2:
        size = 3 if len(names) >= 3 and rng.random() < 0.4 else 2
        family, names = names[:size], names[size:]
        for sku in family:
            if rng.random() < 0.6:
                others = [other for other in family if other != sku]
                rng.shuffle(others)
                declared.append((sku, tuple(others)))
    return tuple(sorted(declared))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def setup_messages(world: World, planning: bool = False) -> list[tuple[str, dict]]:
    """(type, fields) of everything upstream sends before the shop opens: the warehouse's capacity,
    the opening stock, the suppliers with their terms (SupplierRegistered version 2: order
    multiples, weekly capacities, when to fail over), the SKUs' settings and the substitutes.

    With `planning` the SKUs promise with eta-v6, which fails over to the backup when a
    primary's supply slips (as eta-v3) and dates its promises nearest nine in ten, and replenish under replenish-v3, which buys from the faster
    backup what customers already wait for when nothing on order comes sooner (SkuConfigured
    version 5: the desk's habit without planning, as a rule); without, with the engine's defaults.
    """
    out: list[tuple[str, dict]] = []
    if world.warehouse_capacity is not None:
        out.append(("WarehouseConfigured", {"warehouse": "main", "capacity_units": world.warehouse_capacity}))
    for plan in world.skus:  # the opening stock first, then every source, then the settings: the
        if plan.initial:  # first replenishment is then decided knowing each SKU's best source
            out.append(("StockReceived", {"sku": plan.sku, "quantity": plan.initial}))
    for supplier in world.suppliers:
        terms = [
            _terms(world, plan, t)
            for plan in world.skus
            for t in (plan.primary, plan.backup)
            if t.supplier_id == supplier.supplier_id
        ]
        fields = {
            "schema_version": 2,
            "supplier_id": supplier.supplier_id,
            "name": supplier.name,
            "terms": terms,
        }
        out.append(("SupplierRegistered", fields))
    for plan in world.skus:
        settings = {"sku": plan.sku, "reorder_point": plan.reorder_point, "safety_stock": plan.safety_stock}
        if planning:
            settings |= {
                "schema_version": 5,
                "eta_policy": ETA_WITH_FAILOVER,
                "replenish_policy": EXPEDITING,
                "reason": FAILOVER_REASON,
            }
        out.append(("SkuConfigured", settings))
    for sku, substitutes in world.substitutes:
        out.append(("SubstitutesDeclared", {"sku": sku, "substitutes": list(substitutes)}))
    return out


def _terms(world: World, plan: SkuPlan, t: Terms) -> dict:
    terms = {
        "sku": plan.sku,
        "lead_time_days": t.lead_time_days,
        "unit_cost": t.unit_cost,
        "priority": t.priority,
        "minimum_order_quantity": t.minimum_order_quantity,
        "order_multiple": plan.pack if t.priority == "primary" else 1,
    }
    if t.priority == "primary":
        terms["failover_after_days"] = FAILOVER_AFTER_DAYS
    capacity = world.variability.capacity(t.supplier_id, plan.sku)
    if capacity is not None:
        terms["capacity_per_week"] = capacity
    return terms


def day_of(options: DemoOptions, index: int) -> date:
    return options.start + timedelta(days=index)
