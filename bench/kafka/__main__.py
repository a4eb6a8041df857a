"""`python -m bench.kafka`: options, the services' versions, the parts in order, the table.

Each part is guarded: a failed part is reported and the others still run (exit 0).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from functools import partial

import orjson

import bench.kafka as package
from bench.ceiling import Ceiling
from bench.kafka.alone import Alone, part_engine_alone
from bench.kafka.ceilings import KafkaCeiling, part_kafka_ceiling, part_pg_ceiling
from bench.kafka.common import BATCH, REPO
from bench.kafka.latency import Latency, part_latency
from bench.kafka.mixed import Mixed, file_baseline, part_mixed, say_mixed
from bench.kafka.paced import Paced, part_paced, say_paced
from bench.kafka.services import SANDBOXES, find_services
from bench.kafka.table import table
from bench.kafka.throughput import Throughput, part_throughput, say_scale_out
from bench.report import (
    exit_zero,
    guarded,
    load_average,
    parse_options,
    say,
    say_load,
    say_total,
    work_folder,
)
from bench.workload import Clock, MixedCatalogue


def _versions(bootstrap: str, dsn: str) -> str:
    parts = []
    try:
        import kafka

        parts.append(f"kafka-python {kafka.__version__}")
    except Exception:  # noqa: BLE001
        pass
    try:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as connection:
            row = connection.execute("show server_version").fetchone()
        parts.append(f"PostgreSQL {row[0] if row else '?'}")
    except Exception as exc:  # noqa: BLE001
        parts.append(f"PostgreSQL ? ({exc})")
    libs = sorted((REPO / ".cache" / "kafka" / "libs").glob("kafka_*.jar"))
    match = re.search(r"kafka_[\d.]+-([\d.]+)\.jar", libs[0].name) if libs else None
    parts.append(f"Kafka broker {match.group(1) if match else '?'} at {bootstrap}")
    return ", ".join(parts)


def median_run(runs: list[Throughput | None]) -> Throughput | None:
    """The run with the median end-to-end rate (the lower middle of an even count); None if none finished.

    The machines are shared and noisy: one run alone says little about the next.
    """
    done = sorted((r for r in runs if r is not None), key=lambda r: r.lines_per_s)
    return done[(len(done) - 1) // 2] if done else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kafka", description=package.__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument(
        "--orders", type=int, default=None, help="pre-published OrderPlaced in part 1 (default 10000)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs of parts 1 and 1b, alternating; the table shows the median run (default 3, --quick 1)",
    )
    parser.add_argument(
        "--engines",
        default=None,
        help="part 1c: part 1 again with these engine counts in one group, e.g. 1,2,4 (default: skipped)",
    )
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument(
        "--batch", type=int, default=BATCH, help="the engine's --batch (messages per transaction)"
    )
    parser.add_argument("--latency-seconds", type=float, default=None, help="part 2's paced run (default 25)")
    parser.add_argument(
        "--kafka-messages", type=int, default=None, help="part 3a's messages per size (default 30000)"
    )
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    parser.add_argument("--alone-orders", type=int, default=None, help="part 3c's orders (default 5000)")
    parser.add_argument(
        "--no-split",
        action="store_true",
        help="skip parts 1b and 2b (the engine and the relay as two processes)",
    )
    parser.add_argument(
        "--mixed-messages", type=int, default=None, help="part 4's realistic stream (default 20000)"
    )
    parser.add_argument("--mixed-engines", default="1,2,4", help="part 4's engine counts")
    parser.add_argument(
        "--mixed-rate", type=float, default=150.0, help="part 4b's steady rate, messages/s (default 150)"
    )
    parser.add_argument(
        "--paced-messages", type=int, default=None, help="part 4b's stream (default 6000, --quick 1500)"
    )
    args = parse_options(parser, argv, keep_help="keep schemas, topics and engine logs", parts="1234")
    orders = args.orders or (1_000 if args.quick else 10_000)
    latency_s = args.latency_seconds or (6.0 if args.quick else 25.0)
    kafka_messages = args.kafka_messages or (5_000 if args.quick else 30_000)
    alone_orders = args.alone_orders or (1_000 if args.quick else 5_000)
    repeat = max(1, args.repeat or (1 if args.quick else 3))

    started = time.perf_counter()
    say(
        f"Antrian Kafka + PostgreSQL bench - Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}"
    )
    load0 = load_average()

    services = guarded("services", find_services)
    if services is None:
        say("!! no Kafka broker / PostgreSQL server: nothing measured (try `make kafka-up pg-up`)")
        return 0
    bootstrap, dsn = services
    say(guarded("versions", lambda: _versions(bootstrap, dsn)) or "")
    say_load(load0)
    folder, remove_folder = work_folder("antrian-bench-kafka-", args.keep)
    if args.keep:
        say(f"engine logs in {folder}")

    e2e: Throughput | None = None
    split: Throughput | None = None
    e2e_runs: list[Throughput | None] = []
    split_runs: list[Throughput | None] = []
    lat: Latency | None = None
    lat_split: Latency | None = None
    kafka: list[KafkaCeiling] = []
    pg: list[Ceiling] = []
    alone: tuple[Alone, Alone] | None = None
    try:
        if "1" in args.parts:
            limit = max(90.0, orders / 60)  # seconds before part 1 gives up waiting

            def throughput(relay_process: bool) -> Throughput:
                return part_throughput(
                    bootstrap, dsn, folder, orders, args.skus, args.batch, limit, relay_process=relay_process
                )

            def throughput_engines(engines: int) -> Throughput:
                return part_throughput(
                    bootstrap, dsn, folder, orders, args.skus, args.batch, limit, engines=engines
                )

            for n in range(1, repeat + 1):
                tag = f" (run {n} of {repeat})" if repeat > 1 else ""
                e2e_runs.append(guarded(f"1{tag}", lambda: throughput(False)))
                if not args.no_split:
                    split_runs.append(guarded(f"1b{tag}", lambda: throughput(True)))
            e2e, split = median_run(e2e_runs), median_run(split_runs)
            if args.engines:
                counts = [int(n) for n in args.engines.split(",")]
                scaled = [guarded(f"1c/{n}", lambda n=n: throughput_engines(n)) for n in counts]  # type: ignore[misc]
                say_scale_out(scaled)
        if "2" in args.parts:
            lat = guarded("2", lambda: part_latency(bootstrap, dsn, folder, latency_s, args.skus, args.batch))
            if not args.no_split:
                lat_split = guarded(
                    "2b",
                    lambda: part_latency(
                        bootstrap, dsn, folder, latency_s, args.skus, args.batch, relay_process=True
                    ),
                )
        if "3" in args.parts:
            inbound = (e2e.inbound_samples if e2e else None) or (split.inbound_samples if split else None)
            if not inbound:
                catalogue = MixedCatalogue(skus=args.skus)
                clock = Clock(prefix="k4")
                catalogue.build(clock)
                inbound = [orjson.dumps(m) for m in catalogue.orders(clock, 2_000)]
            sizes = [("inbound OrderPlaced", inbound)]
            outbound = (e2e.samples if e2e else None) or (split.samples if split else None)
            if outbound:
                sizes.append(("outbound order event", outbound))
            else:
                say("    (no outbound events sampled in part 1: the outbound-size ceiling is skipped)")
            kafka = (
                guarded("3a", lambda: part_kafka_ceiling(bootstrap, dsn, sizes, kafka_messages, 15.0)) or []
            )
            pg = guarded("3b", lambda: part_pg_ceiling(bootstrap, dsn, args.ceiling_seconds)) or []
            alone = guarded(
                "3c/3d", lambda: part_engine_alone(bootstrap, dsn, alone_orders, args.skus, args.batch)
            )
        if "4" in args.parts:
            from bench.traffic.generator import realistic

            lines = realistic(args.mixed_messages or (3_000 if args.quick else 20_000), skus=20).lines
            baseline = guarded("4 file", lambda: file_baseline(lines))
            counts = [int(n) for n in args.mixed_engines.split(",")]
            limit = max(300.0, len(lines) / 20)
            mixed: list[Mixed | None] = [
                guarded(
                    f"4 ({n} engines)",
                    partial(part_mixed, bootstrap, dsn, folder, lines, n, args.batch, limit),
                )
                for n in counts
            ]
            say_mixed(len(lines), baseline, mixed)
            paced_lines = realistic(args.paced_messages or (1_500 if args.quick else 6_000), skus=20).lines
            rate = args.mixed_rate
            paced: list[Paced | None] = [
                guarded(
                    f"4b ({n} engines)",
                    partial(part_paced, bootstrap, dsn, folder, paced_lines, n, args.batch, rate),
                )
                for n in counts
            ]
            say_paced(len(paced_lines), paced)
        guarded(
            "table",
            lambda: table(e2e, split, lat, lat_split, kafka, pg, alone, runs=(e2e_runs, split_runs)),
        )
    finally:
        if not args.keep:
            for box in SANDBOXES:
                box.cleanup()
        remove_folder()
    say_total(started, load0, "Kafka bench")
    return 0


if __name__ == "__main__":
    exit_zero(main, print_errors=True)
