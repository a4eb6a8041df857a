"""One active engine per store: which engine consumes, and which stand by.

Engines in one consumer group split the inbound partitions, but orders are keyed
by order id, so every engine decides for every SKU: their batches touch the same
Stock aggregates, and the loser of each race reads them again and decides its
batch again. With live traffic two active engines answered about ten times
slower than one (README, Scaling each part). So an engine consumes only while it
holds the store's engine lease, the same kind of lock as the relay's
(infra/postgres/lease.py, infra/sqlite/lease.py): the others stand by outside the
group, and the first to take the lease once its holder ends joins and resumes
from the positions recorded in the store. `ANTRIAN_ENGINE_ELECTION=false` lets
every engine of the group consume.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.kafka.relay import RelayLease

ACTIVE = "engine: active"
STANDBY = "engine: standby (another engine consumes for this store)"
STANDBY_RETRY = 2.0  # seconds between a standby's tries for the lease
LEASE_CHECK = 1.0  # seconds between an active engine's checks that its lease still holds


def elected(
    lease: RelayLease, stopping: threading.Event, say: Callable[[str], None], retry: float = STANDBY_RETRY
) -> bool:
    """Wait as a standby until this engine holds the lease (True) or is asked to stop (False)."""
    announced = False
    while not stopping.is_set():
        if lease.acquire():
            say(ACTIVE)
            return True
        if not announced:
            say(STANDBY)
            announced = True
        stopping.wait(retry)
    return False


class LeaseWatch(threading.Thread):
    """Stops the engine whose lease is gone (its PostgreSQL session ended): another may consume now."""

    def __init__(self, lease: RelayLease, stopping: threading.Event, every: float = LEASE_CHECK) -> None:
        super().__init__(name="engine-lease", daemon=True)
        self.lease = lease
        self.stopping = stopping
        self.every = every
        self.lost = False

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            if not self.lease.held():
                self.lost = True
                self.stopping.set()
                return
