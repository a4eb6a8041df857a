"""Time travel and replay of one decision: how long they take with long histories.

    .venv/bin/python -m bench.timetravel                     # 1,000 and 1,000,000 events; as-of on 100,000
    .venv/bin/python -m bench.timetravel --big 200000        # a smaller long history (quicker)

Part 1, one decision replayed (targets: at most 50 ms with 1,000 and with 1,000,000 events
in its SKU's history). Two SKUs on one SQLite store. Each starts with 50 real orders
waiting (through the engine). Its long history is then made by the Stock's own commands,
collected one by one (as the engine collects a batch message by message, snapshots taken
by the command that passes each 200 events) and saved through the engine's writer about
1,000 events at a time: a platinum line of 1 unit requested, received and shipped in
turn, real decisions (LineRequested, QueueFilled, EtasRevised re-promising the 50 waiting
orders). The decision farthest from a snapshot is timed too. Ingesting a million events' worth of messages through the engine
would take longer than this machine has; what is replayed does not depend on how the
events were made. Then a real order ("probe") is placed through the engine on each SKU,
and `replay decision probe` is timed (the CLI's work less starting the process), beside
the baseline of loading the Stock at its latest version (snapshot + events after it).

Part 2, `--as-of` queue of a SKU with 100,000 events (target at most 100 ms): one SKU's
traffic through the engine in batches of 500 (as `antrian ingest`): orders in four tiers,
receipts keeping the queue near 200 lines, shipments (some refused), cancels, re-sends,
clocks hours late, messages for an unknown SKU; then the queue at random instants
(`--realistic`: bench/traffic's stream instead, whose one-SKU queue drifts to thousands of
lines: slower, since every read of such a Stock is). The first ask of a process (what each
CLI run pays) is timed in a fresh process, apart: the moment found from the store's index
of message times, and as a store without that index finds it, every inbox entry's time
folded from the log first;
and how long an existing store takes to build that index once. Baseline: the same read at
the log's end (the Stock now).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.allocation import split_line_key
from domain.stock import stock_id
from domain.values import Cause, LineRequest, Tier
from infra.bootstrap import build_engine
from infra.settings import Settings
from services.processing import Processing

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WAITING = 50
SAVE_EVERY = 1_000  # events per save: a batch of a few hundred messages on one hot SKU
RUNS = 7


def _order(mid: str, order_id: str, sku: str, at: datetime, tier: str = "standard") -> dict[str, Any]:
    iso = at.isoformat().replace("+00:00", "Z")
    return {
        "message_id": mid,
        "type": "OrderPlaced",
        "occurred_at": iso,
        "order_id": order_id,
        "customer_id": f"c-{order_id}",
        "customer_tier": tier,
        "placed_at": iso,
        "lines": [{"line_id": "1", "sku": sku, "quantity": 1}],
        "contact": {"email": f"{order_id}@example.com"},
    }


def _engine(path: Path) -> Any:
    return build_engine(Settings(store="sqlite", sqlite_path=path))


def grow(engine: Any, sku: str, events: int) -> float:
    """The SKU's Stock grown to about `events` events; seconds it took."""
    from services.outcomes import Status

    started = time.perf_counter()
    configured = {
        "message_id": f"{sku}-c",
        "type": "SkuConfigured",
        "occurred_at": "2026-03-02T07:00:00Z",
        "sku": sku,
    }
    assert engine.handle_raw(configured).status is Status.APPLIED
    for n in range(WAITING):
        at = T0 + timedelta(seconds=n)
        assert engine.handle_raw(_order(f"{sku}-w{n}", f"{sku}-w{n}", sku, at)).status is Status.APPLIED
    stock = engine.get_stock(sku)
    n, at = 0, T0 + timedelta(minutes=5)
    while stock.version < events:
        # Collected command by command, as the engine collects a batch message by message.
        processing = Processing(intervals=engine.snapshotting_intervals)
        while len(processing.events) < SAVE_EVERY and stock.version < events:
            n += 1
            at += timedelta(seconds=1)
            cause = Cause(message_id=f"{sku}-b{n}", at=at)
            line, phase = f"{sku}-b{(n - 1) // 3}", (n - 1) % 3
            if phase == 0:  # a platinum line waits at the head, the 50 orders behind it re-promised
                request = LineRequest(
                    order_id=line, line_id="1", quantity=1, tier=Tier.PLATINUM, placed_at=at
                )
                stock.request(request, cause)
            elif phase == 1:  # a unit comes in and fills it
                stock.receive("main", 1, None, cause)
            else:  # and ships
                stock.ship(line, "1", 1, "main", at)
            processing.collect_events(stock)
        engine.saving.save(processing)
    return time.perf_counter() - started


def _median_ms(action: Any) -> float:
    times = []
    for _ in range(RUNS):
        gc.collect()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def replay_figures(path: Path, sku: str) -> dict[str, Any]:
    """Timed on a fresh engine, as `antrian replay decision probe-SKU` opens one."""
    from services.replay import Replayer

    engine = _engine(path)
    try:
        stock = engine.get_stock(sku)
        order_id = f"probe-{sku}"
        verdicts = list(Replayer(engine).order_verdicts(order_id))
        assert verdicts and all(v.matches for v in verdicts), verdicts
        decision = next(
            e for e in engine.events.get(engine.get_order(order_id).id) if getattr(e, "decision", None)
        )
        version = decision.decision.stock_version
        latest = stock.version
        # The decision farthest from a snapshot: snapshots are taken when a save passes a multiple of
        # 200 events, so one just before the last snapshot is re-run from the one before it.
        snapshots = (
            sorted(s.originator_version for s in engine.snapshots.get(stock_id(sku)))
            if engine.snapshots
            else []
        )
        decided = [
            e.originator_version
            for e in engine.events.get(
                stock_id(sku),
                gt=max(1, snapshots[-2] if len(snapshots) > 1 else 1),
                lte=snapshots[-1] if snapshots else latest,
            )
            if type(e).__name__ in ("LineRequested", "QueueFilled")
        ]
        worst = decided[-1] if decided else version
        return {
            "events": latest,
            "snapshots": len(list(engine.snapshots.get(stock_id(sku)))) if engine.snapshots else 0,
            "verdicts": len(verdicts),
            "one_decision_ms": _median_ms(lambda: Replayer(engine)._stock_outcome(sku, version)),
            "worst_decision_ms": _median_ms(lambda: Replayer(engine)._stock_outcome(sku, worst)),
            "worst_from": worst - 1 - max([v for v in snapshots if v <= worst - 1], default=0),
            "replay_order_ms": _median_ms(lambda: list(Replayer(engine).order_verdicts(order_id))),
            "baseline_latest_ms": _median_ms(lambda: engine.repository.get(stock_id(sku), version=latest)),
        }
    finally:
        engine.close()


def part1(folder: Path, big: int) -> None:
    from services.outcomes import Status

    path = folder / "replay.sqlite"
    engine = _engine(path)
    built = {}
    try:
        for sku, size in (("SMALL", 1_000), ("BIG", big)):
            built[sku] = grow(engine, sku, size)
            at = T0 + timedelta(days=30)
            probe = _order(f"probe-{sku}", f"probe-{sku}", sku, at, tier="gold")
            assert engine.handle_raw(probe).status is Status.APPLIED
    finally:
        engine.close()
    print("Part 1: one decision replayed (SQLite, Stock snapshots every 200 events)")
    for sku in ("SMALL", "BIG"):
        f = replay_figures(path, sku)
        print(
            f"  {f['events']:>9,} events in the SKU's history ({f['snapshots']:,} snapshots; built in "
            f"{built[sku]:.0f} s): one decision re-run {f['one_decision_ms']:.1f} ms (the one farthest from a "
            f"snapshot, {f['worst_from']} events after it: {f['worst_decision_ms']:.1f} ms); "
            f"`replay decision probe-{sku}` ({f['verdicts']} verdicts) {f['replay_order_ms']:.1f} ms; "
            f"baseline, the Stock loaded at its latest version {f['baseline_latest_ms']:.1f} ms"
        )
    print("  target: at most 50 ms each")


def part2(folder: Path, events: int, realistic_traffic: bool = False) -> None:
    from bench.traffic.generator import realistic
    from services.ingest import apply_lines
    from services.time_travel.views import TimeTravel

    path = folder / "asof.sqlite"
    engine = _engine(path)
    started = time.perf_counter()
    if realistic_traffic:  # bench/traffic's stream on one SKU: its queue drifts to thousands of lines
        lines = realistic(int(events / 1.95), skus=1, waiting_per_sku=200).lines
        for start in range(0, len(lines), 500):
            apply_lines(engine, lines[start : start + 500], received_at=datetime(2100, 1, 1, tzinfo=UTC))
    else:
        traffic, lines, waiting, holding = Steady(), list[bytes](), None, list[str]()
        while waiting is None or engine.get_stock("STEADY").version < events:
            batch = traffic.chunk(500, waiting, holding)
            lines += batch
            apply_lines(engine, batch, received_at=datetime(2100, 1, 1, tzinfo=UTC))
            now = engine.get_stock("STEADY")
            waiting = len(now.queue)
            holding = sorted({split_line_key(key)[0] for key in now.reservations})
    sku = _only_sku(engine)
    stock = engine.get_stock(sku)
    ingest_s = time.perf_counter() - started
    engine.close()

    build_ms = _index_build_ms(path)
    engine = _engine(path)
    try:
        travel = TimeTravel(engine)
        first, last = _span(engine)
        middle = first + (last - first) / 2
        cold = [_cold_ask(path, middle, fold) for fold in (False, True)]
        rng = random.Random(3)
        instants = [first + (last - first) * rng.random() for _ in range(RUNS)]
        inexact = 0

        def ask() -> None:
            nonlocal inexact
            instant = instants.pop() if instants else first + (last - first) / 2
            moment = travel.moment(instant)
            inexact += not moment.exact
            travel.queue(sku, moment)

        warm_ms = _median_ms(ask)
        moment = travel.moment(first + (last - first) / 2)
        queue = travel.queue(sku, moment)
        assert queue is not None
        now_ms = _median_ms(lambda: travel.queue(sku, travel.moment(datetime.max.replace(tzinfo=UTC))))
        print(
            f"Part 2: --as-of queue of SKU {sku}: {stock.version:,} events in its history, "
            f"{engine.recorder.max_notification_id():,} in the log ({ingest_s:.0f} s to ingest "
            f"{len(lines):,} messages, {'bench/traffic realistic' if realistic_traffic else 'steady'})"
        )
        print(
            f"  at a random instant: {warm_ms:.1f} ms (median of {RUNS}; {inexact} of them not exact: late messages "
            f"named); mid-history queue: {queue.lines} lines, Stock version {queue.version}"
        )
        print(
            f"  first ask of a fresh process (the store's index of message times): {cold[0]['ask_ms']:.1f} ms "
            f"(opening the store before it: {cold[0]['open_ms']:.0f} ms); without the index, folding every "
            f"inbox entry's time from the log first: {cold[1]['ask_ms']:.0f} ms; an existing store builds the index "
            f"once, on open: {build_ms:.0f} ms"
        )
        print(
            f"  baseline, the same read at the log's end (the Stock now): {now_ms:.1f} ms; target: at most 100 ms"
        )
    finally:
        engine.close()


class Steady:
    """One SKU's traffic as a shop sends it, its queue kept near 200 lines: orders of 1-3 units in four
    tiers; receipts while more than 200 lines wait (told by the engine between chunks, as a buyer
    watches the queue); shipments of orders (refused when nothing is allocated yet, and tried again);
    cancels; 3% re-sent, 3% with a clock three hours late, 2% for an unknown SKU (refused)."""

    def __init__(self, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.now = T0
        self.n = 0
        self.sent: list[bytes] = []
        self.placed: list[str] = []

    def _send(self, out: list[bytes], kind: str, late: bool = False, **fields: Any) -> None:
        import orjson

        self.n += 1
        at = self.now - timedelta(hours=3) if late else self.now
        body = {
            "message_id": f"s-{self.n:07d}",
            "type": kind,
            "occurred_at": at.isoformat().replace("+00:00", "Z"),
        }
        line = orjson.dumps({**body, **fields})
        out.append(line)
        self.sent.append(line)

    def chunk(self, size: int, waiting_lines: int | None, allocated: list[str] | None = None) -> list[bytes]:
        """`allocated`: orders holding units, as the warehouse sees them (shipped first)."""
        rng, out, to_ship = self.rng, list[bytes](), list(allocated or ())
        rng.shuffle(to_ship)
        if waiting_lines is None:
            self._send(out, "SkuConfigured", sku="STEADY", reorder_point=5, safety_stock=2)
            waiting_lines = 0
        while len(out) < size:
            self.now += timedelta(seconds=rng.uniform(5, 40))
            roll, late = rng.random(), rng.random() < 0.03
            if roll < 0.03 and self.sent:
                out.append(rng.choice(self.sent[-2000:]))
            elif roll < 0.05:
                self._send(out, "StockReceived", sku="NOPE", quantity=1)
            elif roll < 0.45:
                order_id = f"S{self.n}"
                self.placed.append(order_id)
                self._send(
                    out,
                    "OrderPlaced",
                    late,
                    order_id=order_id,
                    customer_id=f"c{self.n % 500}",
                    customer_tier=rng.choice(("standard", "standard", "gold", "platinum")),
                    placed_at=self.now.isoformat().replace("+00:00", "Z"),
                    lines=[{"line_id": "1", "sku": "STEADY", "quantity": rng.randint(1, 3)}],
                    contact={"email": "c@example.com"},
                )
            elif roll < 0.62:
                if waiting_lines > 200:
                    self._send(out, "StockReceived", late, sku="STEADY", quantity=rng.randint(2, 6))
            elif roll < 0.95 and (to_ship or self.placed):
                # what holds units, and now and then one that does not yet (refused)
                order_id = to_ship.pop() if to_ship and rng.random() < 0.9 else rng.choice(self.placed)
                self._send(out, "OrderShipped", order_id=order_id, lines=[{"line_id": "1"}])
            elif self.placed:
                order_id = self.placed.pop(rng.randrange(len(self.placed)))
                self._send(out, "OrderCancelled", late, order_id=order_id)
        return out


def _only_sku(engine: Any) -> str:
    notes = engine.recorder.select_notifications(start=1, limit=1, topics=["domain.stock:Stock.Registered"])
    return str(engine.mapper.to_domain_event(notes[0]).sku)


def _span(engine: Any) -> tuple[datetime, datetime]:
    """The 5th to 95th percentile of the messages' times (a few run years early or late)."""
    from services.time_travel.moment import MessageTimes

    times = MessageTimes(engine.recorder, plain_json=True, in_memory=True)
    times.catch_up()
    known = sorted(e.occurred_at for e in times.entries if e.occurred_at is not None)
    return known[len(known) // 20], known[-len(known) // 20]


def _index_build_ms(path: Path) -> float:
    """How long opening the store takes while it builds its index of message times (dropped first)."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        for kind in ("applied_at", "refused_at"):
            connection.execute(f"DROP INDEX stored_events_{kind}")
    started = time.perf_counter()
    _engine(path).close()
    built_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    _engine(path).close()
    return built_ms - (time.perf_counter() - started) * 1000


def _cold_ask(path: Path, instant: datetime, fold: bool) -> dict[str, float]:
    """The first ask of a fresh process, as `antrian queue SKU --as-of` makes it (`fold`: in memory)."""
    import json
    import subprocess
    import sys

    argv = [sys.executable, "-m", "bench.timetravel", "--cold-ask", str(path), instant.isoformat()]
    done = subprocess.run(argv + (["--fold"] if fold else []), capture_output=True, text=True, check=True)
    found: dict[str, float] = json.loads(done.stdout)
    return found


def cold_ask(path: Path, instant: datetime, fold: bool) -> None:
    """In the fresh process: open the store, ask one instant's moment, print the times taken as JSON."""
    import json

    from services.time_travel.moment import MessageTimes
    from services.time_travel.views import TimeTravel

    started = time.perf_counter()
    engine = _engine(path)
    opened = time.perf_counter()
    travel = TimeTravel(engine)
    if fold:
        travel.times = MessageTimes(engine.recorder, plain_json=True, in_memory=True)
    travel.moment(instant)
    asked = time.perf_counter()
    engine.close()
    print(json.dumps({"open_ms": (opened - started) * 1000, "ask_ms": (asked - opened) * 1000}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--big", type=int, default=1_000_000, help="events in the long SKU history")
    parser.add_argument("--as-of-events", type=int, default=100_000, help="events in the as-of SKU's history")
    parser.add_argument("--part", choices=("1", "2", "both"), default="both")
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="part 2 on bench/traffic's stream (its queue grows to ~9,000 lines)",
    )
    parser.add_argument("--cold-ask", nargs=2, metavar=("STORE", "INSTANT"), help=argparse.SUPPRESS)
    parser.add_argument("--fold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_ask:  # part 2's fresh process
        cold_ask(Path(args.cold_ask[0]), datetime.fromisoformat(args.cold_ask[1]), args.fold)
        return
    with tempfile.TemporaryDirectory() as folder:
        if args.part in ("1", "both"):
            part1(Path(folder), args.big)
        if args.part in ("2", "both"):
            part2(Path(folder), args.as_of_events, args.realistic)


if __name__ == "__main__":
    main()
