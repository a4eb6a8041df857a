"""Choosing a substitute to offer: pure and versioned like the other policies.

`substitute-v1`: walk the SKU's declared substitutes best first and offer the
first one that can cover the whole backordered quantity from free stock
(free stock exists only when nobody waits for that SKU).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.base import Value

SUBSTITUTE_POLICY = "substitute-v1"


class Candidate(Value):
    sku: str
    stock_version: int
    available: int


def choose_substitute(candidates: Sequence[Candidate], quantity: int) -> Candidate | None:
    for candidate in candidates:
        if candidate.available >= quantity:
            return candidate
    return None
