"""Open-loop load: requests go out on a fixed schedule whatever the server does.

A closed loop (send, wait, send) lets a slow server slow its own load and hide
its stalls (coordinated omission). Here request i is due at `start + i / rate`;
it is sent then, on its own task, even while earlier ones wait; and its latency
runs from when it was due, not from when it was sent, so a sender that fell
behind (a busy machine) counts against the figure instead of hiding it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bench.http.figures import TIMEOUT, LoadRun, Sample

Send = Callable[[int], Awaitable[int]]  # request number -> HTTP status


def schedule(rate: float, seconds: float) -> list[float]:
    """Due times (seconds from the start) of a steady `rate` per second for `seconds`: 0, 1/rate, ..."""
    if rate <= 0 or seconds <= 0:
        return []
    return [i / rate for i in range(round(rate * seconds))]


def batch_schedule(lines: int, batch: int, lines_per_s: float) -> list[float]:
    """Due times of the batches of `batch` lines that carry `lines` at `lines_per_s`: a batch every batch/rate s."""
    batches = -(-lines // batch)
    return [i * batch / lines_per_s for i in range(batches)]


async def open_loop(run: LoadRun, due: list[float], send: Send, lead_s: float = 0.05) -> LoadRun:
    """Send request i at due[i] (as `send(i)`), never waiting for answers first; fill `run` with the samples.

    `send` returns the HTTP status, or raises on no answer (a timeout, a refused connection): counted as
    status 0 with its latency so far, a lower bound.
    """
    clock = time.perf_counter
    start = clock() + lead_s
    samples: list[Sample | None] = [None] * len(due)

    async def one(i: int) -> None:
        sent = clock()
        try:
            status = await send(i)
        except Exception:  # noqa: BLE001 - no answer is a figure too
            status = TIMEOUT
        samples[i] = Sample(due[i], (sent - start - due[i]) * 1e3, (clock() - start - due[i]) * 1e3, status)

    tasks = []
    for i, offset in enumerate(due):
        pause = start + offset - clock()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    run.elapsed_s = clock() - start
    run.samples = [s for s in samples if s is not None]
    return run


async def paced_in_order(run: LoadRun, due: list[float], send: Send) -> LoadRun:
    """Send request i at due[i] but never before request i-1 is answered: what an upstream system whose
    messages must stay in order does. A slow answer delays the next send, and that delay counts: latency
    still runs from the due time."""
    clock = time.perf_counter
    start = clock()
    for i, offset in enumerate(due):
        pause = start + offset - clock()
        if pause > 0:
            await asyncio.sleep(pause)
        sent = clock()
        try:
            status = await send(i)
        except Exception:  # noqa: BLE001 - no answer is a figure too
            status = TIMEOUT
        run.samples.append(
            Sample(offset, (sent - start - offset) * 1e3, (clock() - start - offset) * 1e3, status)
        )
    run.elapsed_s = clock() - start
    return run
