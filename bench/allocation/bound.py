"""A lower bound on the shortage cost of any allocation policy: the hindsight optimum of a relaxation.

The relaxation, per SKU: unit receipts `(s_i, r_i)` (time, units) as the store recorded them,
the population's lines `(d_j, q_j, c_j)` (request time, units, cost per unit-day), the horizon
T. Choose x_ij >= 0 units of receipt i for line j and u_j >= 0 units never allocated, with
sum_i x_ij + u_j = q_j and sum_j x_ij <= r_i, minimising
    sum_ij c_j * max(0, s_i - d_j) * x_ij  +  sum_j c_j * (T - d_j) * u_j     (in days).
A transportation problem: solved as a linear programme (HiGHS through scipy); its optimum
knows all demand and supply in advance (it may hold a unit back for a platinum order
that has not come yet), which no policy can.

Why it bounds every policy's cost (metrics.line_cost), anticipating or not: take a run's
population and, for each line, the times tau its units were last allocated
(LineOutcome.unit_times: from then on the line holds them, allocated or shipped). Units
held at time t by distinct lines are distinct physical units, all received by t, so for
every t the units with tau <= t number at most the units received by t. Hand the units,
in order of tau, the receipts in order of arrival: each unit gets a receipt no later than
its tau (the count above is Hall's condition for this greedy matching). That is a
feasible x (units never allocated: u), and its cost c * max(0, s_i - d_j) <= c * (tau - d_j),
since tau >= s_i and tau >= d_j; unallocated units cost c * (T - d_j) in both. So the
run's cost is at least the cost of a feasible point, hence at least the optimum.
Receipts after T and more units found by a count (an upper bound on what arrived) only
loosen it. The bound is computed for each run's own population (the customers' cancels
can land differently under different policies), and printed beside that run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array

DAY = 86_400.0


@dataclass(frozen=True)
class Demand:
    at: datetime
    units: int
    cost: float  # per unit-day waiting


@dataclass(frozen=True)
class Receipt:
    at: datetime
    units: int


def hindsight_cost(demand: Sequence[Demand], supply: Sequence[Receipt], end: datetime) -> float:
    """The relaxation's optimum for one SKU (see the module's docstring)."""
    demand = [d for d in demand if d.units > 0]
    supply = [s for s in supply if s.units > 0 and s.at <= end]
    if not demand:
        return 0.0
    n, m = len(supply), len(demand)
    # variables: x_ij (i-major), then u_j
    waits = np.array([[max(0.0, (s.at - d.at).total_seconds()) for d in demand] for s in supply]).reshape(
        n, m
    )
    costs = np.array([d.cost for d in demand])
    lost = np.array([(end - d.at).total_seconds() * d.cost for d in demand]) / DAY
    c = np.concatenate([(waits * costs / DAY).ravel(), lost])
    rows, cols = [], []
    for i in range(n):
        for j in range(m):
            rows.append(j)
            cols.append(i * m + j)
    for j in range(m):
        rows.append(j)
        cols.append(n * m + j)
    a_eq = coo_array((np.ones(len(rows)), (rows, cols)), shape=(m, n * m + m)).tocsr()
    b_eq = np.array([d.units for d in demand], dtype=float)
    a_ub = coo_array(
        (np.ones(n * m), ([i for i in range(n) for _ in range(m)], list(range(n * m)))), shape=(n, n * m + m)
    ).tocsr()
    b_ub = np.array([s.units for s in supply], dtype=float)
    result = linprog(
        c, A_ub=a_ub if n else None, b_ub=b_ub if n else None, A_eq=a_eq, b_eq=b_eq, method="highs"
    )
    if result.status != 0:
        raise RuntimeError(f"hindsight LP not solved: {result.message}")
    return float(result.fun)


def lower_bound(
    demand: Mapping[str, Sequence[Demand]], supply: Mapping[str, Sequence[Receipt]], end: datetime
) -> float:
    """Summed over SKUs: each SKU's units serve only its own lines (no substitutes in the bench's worlds)."""
    return sum(hindsight_cost(demand[sku], supply.get(sku, ()), end) for sku in demand)


def fill_ceiling(ordered: Mapping[str, int], received: Mapping[str, int]) -> float:
    """The most units any policy can fill, as a share of those ordered: per SKU, not more than arrived."""
    total = sum(ordered.values())
    return sum(min(units, received.get(sku, 0)) for sku, units in ordered.items()) / total if total else 1.0
