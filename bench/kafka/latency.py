"""Part 2: latency at a steady 500 lines/s, publish -> first outbound order event (2b: relay apart).

A paced producer, not a burst: this is the figure an upstream system waits for.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.kafka.common import LATENCY_LINES_PER_S
from bench.kafka.engine_process import EngineProcess, _say_setup, apply_setup
from bench.kafka.kafka_io import (
    Watcher,
    end_offsets,
    upstream_producer,
)
from bench.kafka.services import sandbox
from bench.report import rate, say
from bench.workload import Clock, MixedCatalogue


@dataclass
class Latency:
    sent: int = 0
    received: int = 0
    seconds: float = 0.0
    lines: int = 0
    ms: list[float] = field(default_factory=list)
    engine_summary: str = ""

    @property
    def achieved_lines_per_s(self) -> float:
        return rate(self.lines, self.seconds)

    def pct(self, q: float) -> float:
        return percentile(self.ms, q)


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def part_latency(
    bootstrap: str, dsn: str, folder: Path, seconds: float, skus: int, batch: int, relay_process: bool = False
) -> Latency:
    rate = LATENCY_LINES_PER_S / 2
    how = (
        "`antrian engine --no-relay` + `antrian relay`"
        if relay_process
        else "`antrian engine` (relay a child process)"
    )
    say(
        f"[{'2b' if relay_process else '2'}] latency, publish -> first outbound order event: {rate:.0f} "
        f"OrderPlaced/s x 2 lines ({LATENCY_LINES_PER_S} lines/s) for {seconds:.0f} s, {how}"
    )
    result = Latency()
    box = sandbox(bootstrap, dsn, "lat2" if relay_process else "lat")
    topics = box.topics
    catalogue = MixedCatalogue(skus=skus)
    clock = Clock(prefix="k2")
    setup = catalogue.build(clock)
    total = int(rate * seconds)
    stream = list(catalogue.orders(clock, total + 1, prefix="L"))
    warm, stream = stream[0], stream[1:]
    _say_setup(apply_setup(box, setup))

    start = end_offsets(bootstrap, [topics.order_events.name])
    watcher = Watcher(bootstrap, start, topics.order_events.name)
    watcher.start()
    engine = EngineProcess(box, folder, batch, relay_process=relay_process)
    producer = upstream_producer(bootstrap)
    order_topic = topics.orders
    sent: dict[str, float] = {}
    try:
        # warm-up: one message, and wait until it comes out (the engine is up and assigned)
        producer.send(order_topic.name, key=order_topic.key(warm), value=orjson.dumps(warm))
        producer.flush()
        deadline = time.perf_counter() + 90
        while warm["message_id"] not in watcher.first_seen:
            if not engine.alive or time.perf_counter() > deadline:
                raise RuntimeError(f"the engine did not come up:\n{engine.tail()}")
            time.sleep(0.02)
        say(
            f"    engine up: warm-up message out {watcher.first_seen[warm['message_id']] - engine.started:.2f} s "
            "after the process started"
        )
        values = [(m["message_id"], order_topic.key(m), orjson.dumps(m), len(m["lines"])) for m in stream]
        clock_ = time.perf_counter
        t0 = clock_()
        for i, (mid, key, value, lines) in enumerate(values):
            due = t0 + i / rate
            pause = due - clock_()
            if pause > 0:
                time.sleep(pause)
            sent[mid] = clock_()
            producer.send(order_topic.name, key=key, value=value)
            result.lines += lines
        producer.flush()
        result.seconds = clock_() - t0
        result.sent = len(sent)
        deadline = clock_() + 20
        while clock_() < deadline and not all(mid in watcher.first_seen for mid in sent):
            time.sleep(0.05)
    finally:
        producer.close(timeout=10)
        result.engine_summary = engine.stop()
        watcher.stop()
    result.ms = [
        (watcher.first_seen[mid] - at) * 1e3 for mid, at in sent.items() if mid in watcher.first_seen
    ]
    result.received = len(result.ms)
    say(
        f"    sent {result.sent:,} msgs ({result.lines:,} lines) in {result.seconds:.1f} s = "
        f"{result.achieved_lines_per_s:,.0f} lines/s; {result.received:,} came out"
        + (f", {result.sent - result.received:,} NOT within 20 s" if result.received < result.sent else "")
    )
    if result.ms:
        say(
            f"    latency ms: p50 {result.pct(0.5):,.0f}, p90 {result.pct(0.9):,.0f}, p99 {result.pct(0.99):,.0f}, "
            f"max {max(result.ms):,.0f}, mean {sum(result.ms) / len(result.ms):,.0f}"
        )
        # per 5-second window: does latency creep up (the engine falling behind)?
        windows: dict[int, list[float]] = {}
        t_first = min(sent.values())
        for mid, at in sent.items():
            if mid in watcher.first_seen:
                windows.setdefault(int((at - t_first) // 5), []).append((watcher.first_seen[mid] - at) * 1e3)
        say(
            "    p50/p99 ms per 5 s window: "
            + ", ".join(
                f"{percentile(v, 0.5):,.0f}/{percentile(v, 0.99):,.0f}" for _, v in sorted(windows.items())
            )
        )
    say(f"    engine: {result.engine_summary}")
    return result
