"""`python -m bench.event_stream`: a fingerprint of the events each workload stores.

A refactoring of the engine must not change what it decides: run this before
and after, and the digests must be equal (an intended change of the stored
events shows here too, and is said in the commit). Each workload is fed to an
empty SQLite store through the ingest path; the digest covers every stored
event in log order (aggregate id, version, topic and state less the library's
wall-clock `timestamp`), not snapshots.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from bench.traffic.generator import realistic
from bench.workload import Clock, MixedCatalogue, backorder_orders, deep_catalogue
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.ingest import apply_lines
from simulation import DemoOptions, generate_messages

BATCH = 500


def _demo(seed: int) -> Callable[[], Iterable[bytes]]:
    return lambda: (
        orjson.dumps(m)
        for m in generate_messages(DemoOptions(seed=seed, days=21), build_engine(Settings(store="memory")))
    )


def _traffic() -> Iterable[bytes]:
    return realistic(4000, skus=10, waiting_per_sku=100).lines


def _mixed() -> Iterable[bytes]:
    clock = Clock()
    catalogue = MixedCatalogue(skus=60, suppliers=4)
    return map(orjson.dumps, [*catalogue.build(clock), *catalogue.orders(clock, 1500)])


def _deep() -> Iterable[bytes]:
    clock = Clock()
    return map(orjson.dumps, [*deep_catalogue(clock, 5), *backorder_orders(clock, 5, 2000, 2, "D")])


WORKLOADS: dict[str, Callable[[], Iterable[bytes]]] = {
    "demo seed 7 (21 days)": _demo(7),
    "demo seed 11 (21 days)": _demo(11),
    "realistic traffic (4,000 lines)": _traffic,
    "mixed catalogue (1,500 orders)": _mixed,
    "deep backorders (2,000 lines)": _deep,
}


def fingerprint(lines: Iterable[bytes]) -> tuple[int, str]:
    """Events stored and their digest, for `lines` ingested into an empty store."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "stream.sqlite"
        engine = build_engine(Settings(store="sqlite", sqlite_path=db))
        batch: list[bytes] = []
        for line in lines:
            batch.append(line)
            if len(batch) == BATCH:
                apply_lines(engine, batch)
                batch = []
        apply_lines(engine, batch)
        engine.close()
        digest = hashlib.sha256()
        with sqlite3.connect(db) as connection:
            rows = connection.execute(
                "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
            )
            count = 0
            for originator, version, topic, state in rows:
                digest.update(f"{originator}|{version}|{topic}|".encode() + _decided(state) + b"\n")
                count += 1
        return count, digest.hexdigest()


def _decided(state: bytes) -> bytes:
    """An event's state less the library's `timestamp`, the wall-clock time it was made (no decision reads it)."""
    fields = orjson.loads(state)
    fields.pop("timestamp", None)
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the workloads whose name contains this")
    options = parser.parse_args()
    for name, lines in WORKLOADS.items():
        if options.only and options.only not in name:
            continue
        count, digest = fingerprint(lines())
        print(f"{name:34} {count:>8,} events  sha256 {digest[:16]}")


if __name__ == "__main__":
    main()
