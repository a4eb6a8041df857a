"""The demo's planner (`antrian demo --planning on`): a planning run every week, applied.

Each seventh evening (22:00, before purchasing reviews at 22:30) it does what a
buyer does with `antrian plan run --as-of DAY` and `antrian plan apply RUN_ID`: the
same service functions (services/planning/runs.py, services/planning/apply.py), so
the recommendations reach each Stock as `SkuConfigured` messages through the
ordinary ingest path, recorded as applied by `demo:planning`. The run's id is
derived from the seed and the day, so a seeded run is the same run every time.

Its messages are not part of the shop's stream (a planning run is recorded in the
store, not sent by upstream): their outcomes wait in `outcomes` for the caller's tally.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from services.planning.apply import apply_run, chosen, configured_now
from services.planning.runs import NothingToPlan, PlanSettings, start_run
from simulation.agenda import Outbox
from simulation.world import World

APPLIED_BY = "demo:planning"
EVERY_DAYS = 7


class Planner:
    def __init__(
        self, world: World, engine: Any, outbox: Outbox, seed: int, settings: PlanSettings | None = None
    ) -> None:
        self.world = world
        self.engine = engine
        self.outbox = outbox
        self.seed = seed
        self.settings = settings or PlanSettings()
        self.runs: list[UUID] = []
        self.outcomes: list[Any] = []  # of the messages it applied

    def plan_and_apply(self, when: datetime) -> Iterator[dict]:
        """Plan as of today and apply the run; sends nothing itself (see the module's docstring)."""
        day = when.date()
        try:
            run = start_run(self.engine, day, self.settings, run_id=self.run_id(day.isoformat()))
        except NothingToPlan:
            return
        self.runs.append(run.id)
        at = self.outbox.stamp(when)
        for applied in apply_run(self.engine, run, chosen(run, None), self._configured_now(), at, APPLIED_BY):
            if applied.outcome is not None:
                self.outcomes.append(applied.outcome)
        yield from ()

    def run_id(self, day: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"antrian:demo:{self.seed}:planning-run:{day}")

    def take_outcomes(self) -> list[Any]:
        taken, self.outcomes = self.outcomes, []
        return taken

    def _configured_now(self) -> dict[str, tuple[int, int, int | None]]:
        """How each SKU is configured now: apply_run sends only what differs."""
        return configured_now(self.engine, [plan.sku for plan in self.world.skus])
