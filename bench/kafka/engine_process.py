"""The engine under test as a subprocess, and the set-up that primes its store.

The catalogue is applied in this process, topic by topic, before the timed engine
starts, so set-up never races with the orders and is not part of any figure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.kafka.common import BATCH, REPO
from bench.kafka.kafka_io import (
    partitions_of,
    publish,
    relay_settings_producer,
    upstream_producer,
)
from bench.kafka.services import Sandbox
from bench.report import say
from bench.workload import Msg


class EngineProcess:
    """`antrian engine --kafka` on the sandbox's schema and topics, stderr to a file."""

    def __init__(
        self,
        box: Sandbox,
        folder: Path,
        batch: int,
        relay_process: bool = False,
        engines: int = 1,
        relay: bool = True,
    ) -> None:
        """`relay_process`: `antrian engine --kafka --no-relay` plus `antrian relay` as a second process;
        `engines`: that many engine processes in one group (each with its relay child: one publishes);
        `relay=False`: the engine alone, `--no-relay` (another process relays its store)."""
        prelude = os.environ.get("ANTRIAN_BENCH_ENGINE_PRELUDE")  # python run before the CLI (experiments)
        script = Path(sys.executable).with_name("antrian")
        if prelude:
            base = [sys.executable, "-c", f"{prelude}\nfrom infra.cli.main import main; main()"]
        else:
            base = (
                [str(script)]
                if script.exists()
                else [sys.executable, "-c", "from infra.cli.main import main; main()"]
            )
        engine = [*base, "engine", "--kafka", "--batch", str(batch)]
        self.log = folder / f"engine-{box.label}-{box.tag}-{os.getpid()}-{id(self)}.log"
        self._out = self.log.open("wb")
        self.started = time.perf_counter()
        self.processes = [
            subprocess.Popen(
                engine + (["--no-relay"] if relay_process or not relay else []),
                cwd=REPO,
                env=box.engine_env(),
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=subprocess.STDOUT,
            )
            for _ in range(engines)
        ]
        if relay_process and relay:
            self.processes.append(
                subprocess.Popen(
                    [*base, "relay"],
                    cwd=REPO,
                    env=box.engine_env(),
                    stdin=subprocess.DEVNULL,
                    stdout=self._out,
                    stderr=subprocess.STDOUT,
                )
            )
        self.process = self.processes[0]

    @property
    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def stop(self) -> str:
        """SIGTERM (stops after the current batch), then the last line it printed."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._out.close()
        return self.summary()

    def summary(self) -> str:
        lines = [
            line for line in self.tail(50).splitlines() if line.startswith(("stopped:", "relay stopped"))
        ]
        return "; ".join(lines) if lines else f"(no summary; exit code {self.process.poll()})"

    def tail(self, count: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-count:])
        except OSError:
            return ""


def _runs_by_topic(topics: Any, messages: list[Msg]) -> list[list[Msg]]:
    """Consecutive messages on the same inbound topic: published and applied run by run,
    so nothing read from one topic races ahead of what it needs from another."""
    runs: list[list[Msg]] = []
    last = None
    for message in messages:
        name = topics.inbound_topic_for(message["type"]).name
        if name != last:
            runs.append([])
            last = name
        runs[-1].append(message)
    return runs


def apply_setup(box: Sandbox, setup: list[Msg]) -> dict[str, Any]:
    """Publish the catalogue to the inbound topics and apply it with an in-process
    InboundConsumer and OutboundRelay (as the engine would), until caught up."""
    from kafka import KafkaConsumer

    from infra.bootstrap import build_engine
    from infra.kafka.inbound import InboundConsumer, feed_name
    from infra.kafka.relay import OutboundRelay

    topics = box.topics
    started = time.perf_counter()
    engine = build_engine(box.settings())
    consumer = KafkaConsumer(
        bootstrap_servers=box.bootstrap,
        group_id=f"{box.group}-setup",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=BATCH,
    )
    producer = upstream_producer(box.bootstrap)
    relay_producer_ = relay_settings_producer(box.bootstrap)
    inbound = InboundConsumer(engine, consumer, [t.name for t in topics.inbound()], batch_size=BATCH)
    relay = OutboundRelay(engine, relay_producer_, topics)
    try:
        inbound.start()
        inbound_tps = partitions_of(consumer, inbound.topics)
        for run in _runs_by_topic(topics, setup):
            publish(producer, topics, run)
            ends = consumer.end_offsets(inbound_tps)
            deadline = time.perf_counter() + 120
            while True:
                behind = [
                    tp
                    for tp, end in ends.items()
                    if end and (engine.position(feed_name(tp.topic, tp.partition)) or 0) < end
                ]
                if not behind:
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"set-up not applied within 120 s: behind on {behind}")
                inbound.poll_once()
        inbound.settle()  # the last batch's outcomes are counted once it is written
        while relay.relay_once():
            pass
    finally:
        consumer.close()
        producer.close(timeout=10)
        relay_producer_.close(timeout=10)
        engine.close()
    stats = inbound.stats
    return {
        "messages": len(setup),
        "seconds": time.perf_counter() - started,
        "applied": stats.applied,
        "dead_letters": stats.dead_letters,
        "reasons": stats.last_reasons,
        "published": relay.stats.published,
    }


def _say_setup(info: dict[str, Any]) -> None:
    say(
        f"    set-up: {info['messages']} messages (suppliers, SKU config, receipts, POs, substitutes) through "
        f"Kafka, applied and relayed in-process in {info['seconds']:.1f} s: applied {info['applied']}, "
        f"dead letters {info['dead_letters']}, {info['published']} outbound events"
    )
    for reason in info["reasons"][:3]:
        say(f"    !! {reason}")
