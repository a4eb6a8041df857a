"""A what-if over real history: the store's messages told again into a scratch store, then compared.

The scratch store is a SQLite file in a temporary folder, built by the composition
root from the real settings (so the engine's defaults are the real ones) with only
the store moved there; it is deleted when the what-if ends, and the real store is
only ever read (its notification log, never written).

The real side of the comparison is the real store itself. With `--to`, the real
store also holds what came after the window, which the simulation does not re-apply;
the real side is then the unchanged messages up to `--to` told again the same way
(re-applying a history unchanged gives the same outcome: tests/integration/test_whatif.py),
so both sides end at the same point.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from infra.bootstrap import build_engine
from infra.settings import Settings
from projections.whatif_compare import OrderDiff, differences
from projections.whatif_outcome import HistoryOutcome, history_outcome
from services.whatif_replay import Reapplied, reapply
from services.whatif_rewrite import Change, occurred, rewritten
from services.whatif_sources import applied_sources


@dataclass
class WhatIf:
    change: Change
    real: HistoryOutcome
    simulated: HistoryOutcome
    reapplied: Reapplied
    differences: list[OrderDiff]
    seconds: dict[str, float] = field(default_factory=dict)  # read, reapply, outcomes


@contextmanager
def scratch_engine(settings: Settings) -> Iterator[Any]:
    """An engine on a new SQLite store in a temporary folder, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="antrian-whatif-") as folder:
        scratch = settings.model_copy(
            update={"store": "sqlite", "sqlite_path": Path(folder) / "whatif.sqlite"}
        )
        engine = build_engine(scratch)
        try:
            yield engine
        finally:
            engine.close()


def run_whatif(engine: Any, settings: Settings, change: Change) -> WhatIf:
    """The real and the simulated outcome of `change` over the history `engine`'s store holds."""
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    contents = applied_sources(engine.recorder, engine.mapper).contents()
    seconds["read"] = time.perf_counter() - clock
    days = _days(change)
    with scratch_engine(settings) as scratch:
        clock = time.perf_counter()
        reapplied = reapply(scratch, rewritten(contents, change))
        seconds["reapply"] = time.perf_counter() - clock
        clock = time.perf_counter()
        simulated = history_outcome(scratch.recorder, scratch.mapper, *days)
    if change.end is None:
        real = history_outcome(engine.recorder, engine.mapper, *days)
    else:
        end = change.end
        with scratch_engine(settings) as baseline:
            reapply(baseline, (c for c in contents if occurred(c) <= end))
            real = history_outcome(baseline.recorder, baseline.mapper, *days)
    seconds["outcomes"] = time.perf_counter() - clock
    return WhatIf(change, real, simulated, reapplied, differences(real, simulated), seconds)


def _days(change: Change) -> tuple[date | None, date | None]:
    return (
        change.start.date() if change.start else None,
        change.end.date() if change.end else None,
    )
