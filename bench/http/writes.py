"""The write half: one realistic file through `antrian ingest` and through `POST /messages`, side by side.

The file is bench/traffic's realistic stream (re-sends, refusals with absurd
values, timestamps late and early, messages that come before what they need
and are parked). Each path gets a fresh store and the same lines in the same
order: `antrian ingest FILE` as a process (its wall time, start-up included,
is what an operator waits for; its start-up alone is timed too), and batches
of 500 lines posted as NDJSON to a served store, each sent once the previous
one is answered (as fast as it applies), then again paced at 500 lines/s into
a third store. The stores must end holding the same events kind by kind
(dead letters aside: ingest keeps those in its file, HTTP in the store),
else the rates compare unequal work and the run says so.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.http.figures import LoadRun
from bench.http.pacing import batch_schedule, paced_in_order
from bench.http.server import Served, antrian, served
from bench.report import say
from bench.traffic.generator import realistic

BATCH = 500  # lines a POST, as `antrian ingest` batches
PACED_LINES_PER_S = 500.0
NDJSON = {"Content-Type": "application/x-ndjson"}
DEAD_LETTERS = "services.dead_letters:"
# `antrian ingest`'s summary line (infra/cli/main.py): counts as each message was first answered, and
# what became of the parked ones after.
SUMMARY = re.compile(
    r"applied (\d+), already applied (\d+), rejected (\d+)(?: \(kept in [^)]*\))?(?:, refused before (\d+))?"
    r"(?:, parked (\d+) \((\d+) applied once what they waited for came, (\d+) rejected after waiting, "
    r"(\d+) still waiting\))?"
)
OUTCOMES = ("applied", "already applied", "refused", "parked")


@dataclass
class Applied:
    """One path's run over the file: its time, what it answered, and what its store holds."""

    label: str
    lines: int
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)  # OUTCOMES, each message as first answered
    later: str = ""  # what became of the parked messages (ingest says; POST's answers do not)
    kinds: Counter[str] = field(default_factory=Counter)  # stored events by kind, dead letters aside
    batches: LoadRun | None = None  # the paced run's per-batch latencies

    @property
    def per_s(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


def traffic_file(folder: Path, messages: int) -> Path:
    traffic = realistic(messages, skus=20, waiting_per_sku=200)
    path = folder / "traffic.jsonl"
    path.write_bytes(b"\n".join(traffic.lines) + b"\n")
    say(
        f"  write file: {len(traffic.lines):,} lines of realistic traffic, {traffic.nasty:,} sent to be refused, "
        f"{traffic.resent:,} re-sent"
    )
    return path


def ingest(folder: Path, file: Path) -> Applied:
    db = _fresh(folder / "ingest")
    lines = _lines(file)
    started = time.perf_counter()
    out = antrian(db, "ingest", str(file))
    run = Applied("antrian ingest", len(lines), time.perf_counter() - started)
    run.outcomes, run.later = ingest_outcomes(out)
    run.kinds = stored_kinds(db)
    return run


def startup(folder: Path) -> float:
    """`antrian ingest` of an empty file into a fresh store: the process's fixed cost."""
    db = _fresh(folder / "startup")
    empty = folder / "empty.jsonl"
    empty.write_bytes(b"")
    started = time.perf_counter()
    antrian(db, "ingest", str(empty))
    return time.perf_counter() - started


def post(folder: Path, file: Path, name: str, lines_per_s: float | None) -> Applied:
    """The file posted in batches to a fresh served store: flat out (`lines_per_s` None) or paced."""
    db = _fresh(folder / name)
    lines = _lines(file)
    batches = [b"\n".join(lines[i : i + BATCH]) for i in range(0, len(lines), BATCH)]
    pace = PACED_LINES_PER_S if lines_per_s is None else lines_per_s
    due = [0.0] * len(batches) if lines_per_s is None else batch_schedule(len(lines), BATCH, pace)
    label = "POST /messages" + ("" if lines_per_s is None else f" at {pace:.0f} lines/s")
    run = Applied(label, len(lines))
    with served(db) as server:
        totals, batch_run = asyncio.run(_post_all(server, batches, due, label))
    run.seconds, run.batches = batch_run.elapsed_s, batch_run
    run.outcomes = {word: totals[word.replace(" ", "_")] for word in OUTCOMES}
    run.kinds = stored_kinds(db)
    return run


async def _post_all(
    server: Served, batches: list[bytes], due: list[float], label: str
) -> tuple[Counter[str], LoadRun]:
    totals: Counter[str] = Counter()
    async with httpx.AsyncClient(
        base_url=server.base, headers={**server.headers, **NDJSON}, timeout=600
    ) as client:

        async def send(i: int) -> int:
            answer = await client.post("/messages", content=batches[i])
            if answer.status_code == 200:
                body = answer.json()
                totals.update({k: body[k] for k in ("applied", "already_applied", "refused", "parked")})
            return answer.status_code

        run = await paced_in_order(LoadRun(label, 0.0, 0.0), due, send)
    return totals, run


def ingest_outcomes(said: str) -> tuple[dict[str, int], str]:
    """`antrian ingest`'s summary as POST /messages counts (messages woken from the parking lot aside), and
    what became of the parked ones."""
    found = SUMMARY.search(said)
    if found is None:
        raise RuntimeError(f"no summary in antrian ingest's output: {said[-300:]!r}")
    applied, again, rejected, before, parked, woke, gave_up, waiting = (int(g or 0) for g in found.groups())
    counts = dict(zip(OUTCOMES, (applied - woke, again, rejected - gave_up + before, parked), strict=True))
    return counts, f"{woke} applied once woken, {gave_up} refused after waiting, {waiting} still waiting"


def outcomes_text(outcomes: dict[str, int]) -> str:
    return ", ".join(f"{word} {outcomes.get(word, 0):,}" for word in OUTCOMES)


def stored_kinds(db: Path) -> Counter[str]:
    """Stored events by kind (topic), dead letters aside."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT topic, COUNT(*) FROM stored_events GROUP BY topic").fetchall()
    return Counter({topic: n for topic, n in rows if not topic.startswith(DEAD_LETTERS)})


def difference(a: Counter[str], b: Counter[str]) -> str:
    """'' when equal, else the kinds whose counts differ (at most three)."""
    differ = sorted(k for k in a.keys() | b.keys() if a[k] != b[k])
    return "; ".join(f"{k.split(':')[-1]} {a[k]} vs {b[k]}" for k in differ[:3])


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder / "antrian.sqlite"


def _lines(file: Path) -> list[bytes]:
    return [line for line in file.read_bytes().splitlines() if line.strip()]
