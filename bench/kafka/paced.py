"""Part 4b: the realistic mixed stream at a steady rate through 1, 2 and 4 engines: its latency.

Part 4 pre-publishes its stream, so its latency would be the time to drain a
backlog. Here the engines are up and in their group first; the stream's set-up
(suppliers, SKUs, opening stock) is published and applied; then the rest goes
out at a steady rate, each line to its topic, as upstream systems send it.
A message's latency runs from its publish to the first outbound record caused
by it (header causation_message_id), on any outbound topic, or to its dead
letter. Some messages have no outbound record at all, on purpose: re-sends
(dropped as duplicates), messages refused before (reported, not dead-lettered
again), lines that are not JSON, and early messages parked for what they need
(woken later: their latency is then the wait). They are counted, not timed.
The fairness buffer's hold (infra/kafka/fairness.py) is part of the figure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.kafka.engine_process import EngineProcess
from bench.kafka.kafka_io import Watcher, end_offsets, upstream_producer
from bench.kafka.latency import percentile
from bench.kafka.mixed import _applied, publish_lines, say_rows
from bench.kafka.services import Sandbox, sandbox
from bench.report import say

SETTLE_S = 90.0  # engines joined and assigned, set-up applied: at most this long, else the run fails
DRAIN_S = 30.0  # after the last publish: the wait for outcomes still on their way


@dataclass
class Paced:
    engines: int
    rate: float  # messages/s asked for
    sent: int = 0  # distinct message ids published on the clock
    seconds: float = 0.0
    ms: list[float] = field(default_factory=list)  # one per message with an outbound record
    caught_up: bool = False  # every published record applied within DRAIN_S

    @property
    def silent(self) -> int:
        """Messages with no outbound record (re-sends, refused before, parked still)."""
        return self.sent - len(self.ms)

    def pct(self, q: float) -> float:
        return percentile(self.ms, q)


def part_paced(
    bootstrap: str, dsn: str, folder: Path, lines: list[bytes], engines: int, batch: int, rate: float
) -> Paced:
    box = sandbox(bootstrap, dsn, f"paced{engines}")
    setup, stream = _split_setup(lines)
    procs = [EngineProcess(box, folder, batch, relay_process=True)]
    procs += [EngineProcess(box, folder, batch, relay=False) for _ in range(engines - 1)]
    result = Paced(engines, rate)
    try:
        _settle(box, procs, setup, engines)
        start = end_offsets(bootstrap, [t.name for t in box.topics.outbound()])
        watcher = Watcher(bootstrap, start, None)
        watcher.start()
        try:
            sent = _publish_paced(box, stream, rate, result)
            total = sum(end_offsets(bootstrap, [t.name for t in box.topics.inbound()]).values())
            deadline = time.perf_counter() + DRAIN_S
            while time.perf_counter() < deadline and all(p.alive for p in procs):
                if _applied(box) >= total:
                    result.caught_up = True
                    break
                time.sleep(0.5)
            time.sleep(2.0)  # the relay's last records
        finally:
            watcher.stop()
        result.ms = [
            (watcher.first_seen[mid] - at) * 1e3 for mid, at in sent.items() if mid in watcher.first_seen
        ]
    finally:
        for p in procs:
            p.stop()
    if not result.caught_up:
        say(f"    !! {engines} engine(s) had not applied everything {DRAIN_S:.0f} s after the last publish")
    return result


def _split_setup(lines: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The lines before the first order (suppliers, SKUs, opening stock), and the rest."""
    for i, raw in enumerate(lines):
        if b'"OrderPlaced"' in raw:
            return lines[:i], lines[i:]
    return [], lines


def _settle(box: Sandbox, procs: list[EngineProcess], setup: list[bytes], engines: int) -> None:
    """Set-up applied, and every engine a member of a stable group: no rebalance inside the clock."""
    publish_lines(box, setup)
    total = sum(end_offsets(box.bootstrap, [t.name for t in box.topics.inbound()]).values())
    deadline = time.perf_counter() + SETTLE_S
    while not (_applied(box) >= total and _stable_members(box) == engines):
        if not all(p.alive for p in procs) or time.perf_counter() > deadline:
            raise RuntimeError(f"the engines did not settle:\n{procs[0].tail()}")
        time.sleep(0.5)


def _stable_members(box: Sandbox) -> int:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=box.bootstrap)
    try:
        (group,) = admin.describe_consumer_groups([box.group])
    finally:
        admin.close()
    return len(group.members) if group.state == "Stable" else -1


def _publish_paced(box: Sandbox, stream: list[bytes], rate: float, result: Paced) -> dict[str, float]:
    """Each line to its topic at `rate` lines/s; the first publish time of each message id."""
    topics = box.topics
    producer = upstream_producer(box.bootstrap)
    sent: dict[str, float] = {}
    clock = time.perf_counter
    try:
        t0 = clock()
        for i, raw in enumerate(stream):
            pause = t0 + i / rate - clock()
            if pause > 0:
                time.sleep(pause)
            topic, key, message_id = topics.orders, None, None
            try:
                message = orjson.loads(raw)
                message_id = message.get("message_id")
                topic = topics.inbound_topic_for(message["type"])
                key = topic.key(message)
            except Exception:  # noqa: BLE001 - not JSON, no type, no key: refused by the engine
                pass
            if isinstance(message_id, str):
                sent.setdefault(message_id, clock())
            producer.send(topic.name, key=key, value=raw)
        producer.flush(timeout=60)
        result.seconds = clock() - t0
    finally:
        producer.close(timeout=10)
    result.sent = len(sent)
    return sent


def say_paced(lines: int, runs: list[Paced | None]) -> None:
    say(f"\n4b. the same stream at a steady rate after its set-up ({lines} lines), publish -> first outcome:")
    say("   engines  rate/s  timed  silent  p50 ms  p90 ms  p99 ms  max ms  caught up")
    say_rows(runs, _paced_row)
    say(
        "   (silent: no outbound record: re-sends, messages refused before, not JSON, parked still;"
        " a parked message woken later is timed to its outcome)"
    )


def _paced_row(run: Paced) -> str:
    figures = (
        f"{run.pct(0.5):6.0f}  {run.pct(0.9):6.0f}  {run.pct(0.99):6.0f}  {max(run.ms):6.0f}"
        if run.ms
        else "     -       -       -       -"
    )
    caught_up = "yes" if run.caught_up else "NO"
    return f"   {run.engines:7d}  {run.rate:6.0f}  {len(run.ms):5d}  {run.silent:6d}  {figures}  {caught_up}"
