"""`antrian demo`: a small shop run for some weeks through the engine (a demo, not a service).

The simulation speaks only the upstream message contracts. Customers,
purchasing, suppliers and the warehouse react to what the engine decided
(shipping what is allocated, answering substitute offers, buying what it
suggests), so the stream is produced interleaved with applying it: the
engine's state after message n shapes message n+1. It is deterministic for
a seed - one `random.Random(seed)`, simulated time only - as long as it is
fed to an empty store.

    summary = run_demo(engine, DemoOptions(seed=7))
    print(summary.render())
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from services.planning.runs import PlanSettings
from simulation.readback import Tally, summarize
from simulation.shop import Shop
from simulation.summary import DemoSummary
from simulation.world import DemoOptions

__all__ = ["DemoOptions", "DemoSummary", "generate_messages", "run_demo"]

Progress = Callable[[int, int], None]  # (days done, days in the run)


def run_demo(
    engine: Any,
    options: DemoOptions,
    on_progress: Progress | None = None,
    plan_settings: PlanSettings | None = None,
) -> DemoSummary:
    """Run the shop through `engine`, then summarise what the engine recorded.

    The engine's store must be empty: the simulation reacts to the engine's
    state and numbers its messages from one, so a second run into the same
    store would not be the same run. `plan_settings` are the planning runs'
    (`options.planning`; default: services/planning/runs.py's defaults).
    """
    if engine.recorder.max_notification_id() or 0:
        raise ValueError("the demo needs an empty store: it already holds events")
    tally = Tally()
    shop = Shop(options, engine, on_day_end=on_progress, plan_settings=plan_settings)
    for message in shop.messages():
        tally.add(engine.handle_raw(message), message)
        for outcome in shop.planner.take_outcomes() if shop.planner else ():
            tally.add(outcome)
    return summarize(engine, options, tally)


def generate_messages(options: DemoOptions, shadow: Any) -> Iterator[dict[str, Any]]:
    """The demo's whole message stream, as JSON-able upstream messages.

    Because the shop reacts to the engine, the stream is produced against
    `shadow`, an engine of its own on an empty store (in memory is enough);
    applying the stream in order to another empty store gives the same state
    as `run_demo` with the same options. Not with planning on: planning runs
    are recorded in the store and applied there, they are no upstream messages.
    """
    if options.planning:
        raise ValueError("with planning on the demo records planning runs: run it with run_demo")
    for message in Shop(options, shadow).messages():
        shadow.handle_raw(message)
        yield message
