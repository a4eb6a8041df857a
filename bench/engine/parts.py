"""The engine bench's parts: 1 the mixed workload, 2 the SQLite append ceiling, 3 cost against queue depth,
4 replenishment off vs on, 5 each allocation policy beside priority-fifo-v1."""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import ceiling as ceiling_mod
from bench.allocation.policies import BASELINE, VARIANTS, Variant, missing
from bench.engine.runs import (
    Run,
    Store,
    combine,
    feed,
    line_outcomes,
    say_run,
    split_lines,
    timed,
    timed_batches,
)
from bench.report import (
    say,
)
from bench.workload import Clock, MixedCatalogue, backorder_orders, deep_catalogue
from services.outcomes import Status
from services.parsing import parse_message


@dataclass
class MixedResult:
    raw: Run | None = None
    parsed: Run | None = None
    memory: Run | None = None
    batched: Run | None = None
    parse_only_s: float = 0.0
    setup_messages: int = 0
    outcomes: Tally[str] = field(default_factory=Tally)


def part_mixed(folder: Path, orders: int, skus: int, repeat: int) -> MixedResult:
    say(f"[1] mixed workload: {skus} SKUs, {orders:,} OrderPlaced messages x 2 lines")
    result = MixedResult()
    catalogue = MixedCatalogue(skus=skus)
    clock = Clock(prefix="mix")
    setup = catalogue.build(clock)
    stream = list(catalogue.orders(clock, orders))
    result.setup_messages = len(setup)
    order_ids = [m["order_id"] for m in stream]

    # (a) headline: end to end from the upstream dict
    store = Store(folder, "mixed-raw")
    t = time.perf_counter()
    s = feed(store, setup)
    say(
        f"    set-up: {s.messages} messages (suppliers, SKU config, receipts, POs, substitutes) "
        f"in {time.perf_counter() - t:.2f} s; not applied: "
        f"{ {k.value: v for k, v in s.statuses.items() if k is not Status.APPLIED} or 'none' }"
    )
    for r in s.rejections:
        say(f"    !! {r}")
    runs = [timed(store, "handle_raw(dict), SQLite, run 1", stream)]
    say_run(runs[0])
    result.outcomes = line_outcomes(store.engine, order_ids)
    store.close()
    for n in range(2, repeat + 1):  # the same again on fresh stores: the median resists noisy neighbours
        store = Store(folder, f"mixed-raw-{n}")
        feed(store, setup)
        runs.append(timed(store, f"handle_raw(dict), SQLite, run {n}", stream))
        say_run(runs[-1])
        store.close()
    runs.sort(key=lambda r: r.seconds)
    result.raw = runs[len(runs) // 2]
    if repeat > 1:
        say(
            f"    median of {repeat} runs: {result.raw.lines_per_s:,.0f} lines/s "
            f"(best {runs[0].lines_per_s:,.0f}, worst {runs[-1].lines_per_s:,.0f})"
        )
    with_eta = result.outcomes.pop("with an ETA", 0)
    total = sum(result.outcomes.values())
    mix = ", ".join(f"{k} {v:,} ({v / max(total, 1):.0%})" for k, v in result.outcomes.most_common())
    say(f"    line outcomes after run 1 ({total:,} lines): {mix}; {with_eta:,} lines carry an ETA")

    # (b) parsing outside the clock
    t = time.perf_counter()
    parsed = [parse_message(m) for m in stream]
    result.parse_only_s = time.perf_counter() - t
    say(
        f"    parsing alone: {len(stream):,} msgs in {result.parse_only_s:.2f} s "
        f"({result.parse_only_s / len(stream) * 1e6:,.0f} us/msg)"
    )
    store = Store(folder, "mixed-parsed")
    feed(store, setup)
    result.parsed = timed(store, "handle(parsed), SQLite", parsed, raw=False)
    say_run(result.parsed)
    store.close()

    # (b2) the `antrian ingest` path: parsed and applied in batches of 500 per transaction
    store = Store(folder, "mixed-batched")
    feed(store, setup)
    result.batched = timed_batches(store, "ingest path (parse + handle_batch of 500), SQLite", stream, 500)
    say_run(result.batched)
    store.close()

    # (c) the same on the in-memory store: what the domain alone costs
    store = Store(folder, "mixed-memory", store="memory")
    feed(store, setup)
    result.memory = timed(store, "handle_raw(dict), in-memory store", stream)
    say_run(result.memory)
    store.close()
    return result


# --------------------------------------------------------------------------
# part 2


def part_ceiling(budget_s: float) -> list[ceiling_mod.Ceiling]:
    say("[2] raw eventsourcing SQLite append ceiling (plain Application, trivial aggregate)")
    results = []
    for pydantic in (False, True):
        for fn in (ceiling_mod.single_event_saves, ceiling_mod.batched_saves):
            c = fn(pydantic, budget_s=budget_s)
            results.append(c)
            say(
                f"    {c.label}: {c.events:,} events in {c.saves:,} saves, {c.seconds:.2f} s -> "
                f"{c.events_per_s:,.0f} events/s, {c.saves_per_s:,.0f} saves/s"
            )
    return results


# --------------------------------------------------------------------------
# part 3


@dataclass
class DepthResult:
    waiting: int
    preload_s: float = 0.0
    preload_lines: int = 0
    first: Run | None = None  # the first `window` lines
    long: Run | None = None  # first + rest: amortises Stock snapshots
    priority: Run | None = None  # gold/platinum lines jumping the standard queue


def part_depth(
    folder: Path,
    waiting: int,
    skus: int,
    window: int,
    long_window: int,
    priority_lines: int,
    preload_lpo: int,
) -> DepthResult:
    say(f"[3] queue depth: {waiting:,} lines waiting across {skus} SKUs")
    res = DepthResult(waiting)
    store = Store(folder, f"depth-{waiting}")
    clock = Clock(prefix=f"d{waiting}")
    feed(store, deep_catalogue(clock, skus))
    # preload through the engine, with big orders (one line per SKU per order)
    step = max(waiting // 10, preload_lpo)
    next_mark = step
    done = 0
    t0 = time.perf_counter()
    t_mark, done_mark = t0, 0
    for message in backorder_orders(clock, skus, waiting, preload_lpo, prefix=f"P{waiting}"):
        outcome = store.engine.handle_raw(message)
        if outcome.status is not Status.APPLIED:
            say(f"    !! preload message not applied: {outcome.detail}")
        done += len(message["lines"])
        if done >= next_mark:
            now = time.perf_counter()
            say(
                f"    preload {done:>7,}/{waiting:,} lines, {now - t0:6.1f} s "
                f"(last chunk {(done - done_mark) / (now - t_mark):,.0f} lines/s)"
            )
            t_mark, done_mark = now, done
            next_mark += step
    res.preload_s = time.perf_counter() - t0
    res.preload_lines = done
    stock = store.engine.get_stock("SKU-00000")
    say(
        f"    preloaded {done:,} lines in {res.preload_s:.1f} s ({done / res.preload_s:,.0f} lines/s); "
        f"SKU-00000 queue {len(stock.queue):,} lines, Stock version {stock.version:,}"
    )
    # the timed window: 2-line orders, standard tier, all backorder at the tail
    stream = list(backorder_orders(clock, skus, long_window, 2, prefix=f"W{waiting}", start_sku=0))
    head, rest = split_lines(stream, window)
    res.first = timed(store, f"first {window:,} lines (2-line msgs) @ {waiting:,} waiting", head)
    say_run(res.first)
    chunks = [res.first]
    while rest:
        head, rest = split_lines(rest, window)
        chunks.append(timed(store, "chunk", head))
    res.long = combine(f"all {long_window:,} lines (2-line msgs) @ {waiting:,} waiting", *chunks)
    say_run(res.long)
    say(
        f"    per {window:,}-line chunk: "
        + ", ".join(f"{c.us_per_line:,.0f} us/line ({c.snapshots} snaps)" for c in chunks)
    )
    # priority customers: lines that join at the front of a standard queue
    if priority_lines:
        pri = list(backorder_orders(clock, skus, priority_lines, 2, prefix=f"G{waiting}", start_sku=0))
        for i, m in enumerate(pri):
            m["customer_tier"] = "gold" if i % 2 else "platinum"
        res.priority = timed(store, f"{priority_lines:,} gold/platinum lines @ {waiting:,} waiting", pri)
        say_run(res.priority)
    if preload_lpo > 2 and res.first.lines_per_s:
        say(
            f"    note: preloaded with {preload_lpo}-line orders; at the 2-line-message rate measured "
            f"above ({res.first.lines_per_s:,.0f} lines/s at this depth) the same preload would take "
            f"at least ~{waiting / res.first.lines_per_s:,.0f} s"
        )
    store.close()
    return res


# --------------------------------------------------------------------------
# part 4


@dataclass
class ReplenishResult:
    off: Run
    on: Run
    suggestions_off: int
    suggestions_on: int
    traffic_off: float = 0.0  # lines/s of the realistic stream (bench/traffic), reactive
    traffic_on: float = 0.0  # ... buying ahead

    @property
    def traffic_slower(self) -> float:
        return 1 - self.traffic_on / self.traffic_off if self.traffic_off else 0.0

    @property
    def slower(self) -> float:
        """How much slower with proactive replenishment: 0.05 = 5% fewer lines/s."""
        return 1 - self.on.lines_per_s / self.off.lines_per_s


def part_replenish(folder: Path, orders: int, skus: int, repeat: int) -> ReplenishResult:
    """Part 1's stream with every SKU configured, reactive (eta-v1's rule) or buying ahead (replenish-v2),
    runs interleaved so both see the same machine; medians compared."""
    say(f"[4] replenishment off vs on: {skus} SKUs all configured, {orders:,} OrderPlaced x 2 lines")
    runs: dict[str, list[Run]] = {"off": [], "on": []}
    suggested: dict[str, int] = {}
    for n in range(1, repeat + 1):
        for mode in ("off", "on"):
            catalogue = MixedCatalogue(skus=skus, replenish=mode)
            clock = Clock(prefix="mix")
            setup = catalogue.build(clock)
            stream = list(catalogue.orders(clock, orders))
            store = Store(folder, f"replenish-{mode}-{n}")
            feed(store, setup)
            runs[mode].append(timed(store, f"proactive replenishment {mode}, run {n}", stream))
            say_run(runs[mode][-1])
            if n == 1:
                suggested[mode] = _suggestions(store)
            store.close()
    off, on = (sorted(runs[m], key=lambda r: r.seconds)[len(runs[m]) // 2] for m in ("off", "on"))
    result = ReplenishResult(off, on, suggested["off"], suggested["on"])
    say(
        f"    medians: off {off.lines_per_s:,.0f} lines/s, on {on.lines_per_s:,.0f} lines/s "
        f"({result.slower:+.1%} slower); replenishment suggestions in run 1: off {suggested['off']:,}, "
        f"on {suggested['on']:,}"
    )
    result.traffic_off, result.traffic_on = _replenish_traffic(folder, orders * 2, repeat)
    return result


def _replenish_traffic(folder: Path, messages: int, repeat: int) -> tuple[float, float]:
    """The same A/B on bench.traffic's realistic stream, through the ingest path: long queues, POs
    confirmed, delayed, cancelled and received in parts, clocks off, refusals and re-sends."""
    from bench.traffic.__main__ import ingest
    from bench.traffic.generator import realistic

    per_s: dict[str, list[float]] = {"off": [], "on": []}
    streams = {"off": realistic(messages, skus=20), "on": realistic(messages, skus=20, order_up_to=40)}
    for n in range(1, repeat + 1):
        for mode, traffic in streams.items():
            done = ingest(folder / f"traffic-{mode}-{n}.sqlite", traffic.lines)
            per_s[mode].append(done.per_s)
            say(
                f"    realistic stream ({len(traffic.lines):,} lines), replenishment {mode}, run {n}: {done.per_s:,.0f} lines/s"
            )
    off, on = (sorted(per_s[m])[len(per_s[m]) // 2] for m in ("off", "on"))
    say(
        f"    realistic stream medians: off {off:,.0f} lines/s, on {on:,.0f} lines/s ({1 - on / off:+.1%} slower)"
    )
    return off, on


def _suggestions(store: Store) -> int:
    topic = "domain.stock:Stock.ReplenishmentSuggested"
    notifications = store.engine.recorder.select_notifications(start=1, limit=10_000_000, topics=[topic])
    return len(notifications)


# --------------------------------------------------------------------------
# part 5

PART5_PLATINUM_RATE = 0.2  # units a day: tier-reserve-v1 keeps back ceil(0.2 x 14) = 3 units per SKU
PART5_LEAD_DAYS = 14


@dataclass
class PoliciesResult:
    """Part 5: lines/s of part 1's stream under each allocation policy, beside priority-fifo-v1."""

    runs: dict[str, list[Run]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    # The same policies on bench.traffic's realistic stream: lines/s per run, and in run 1 how many
    # decisions each policy's rules shaped (held back by a reserve or a quota, redistributed).
    traffic: dict[str, list[float]] = field(default_factory=dict)
    shaped: dict[str, Tally[str]] = field(default_factory=dict)

    def median(self, name: str) -> Run:
        ordered = sorted(self.runs[name], key=lambda r: r.seconds)
        return ordered[len(ordered) // 2]

    def slower(self, name: str) -> float:
        """How much slower than priority-fifo-v1: 0.05 = 5% fewer lines/s. The median of each
        round's own ratio: a round's runs follow each other, so a shared machine's load swings
        between rounds cancel out (medians of each policy's lines/s do not pair them)."""
        pairs = zip(self.runs[name], self.runs[BASELINE], strict=True)
        return statistics.median(1 - run.lines_per_s / base.lines_per_s for run, base in pairs)

    def traffic_slower(self, name: str) -> float:
        """The same ratio on the realistic stream (median of the rounds)."""
        pairs = zip(self.traffic[name], self.traffic[BASELINE], strict=True)
        return statistics.median(1 - per_s / base for per_s, base in pairs)


def part_policies(folder: Path, orders: int, skus: int, repeat: int) -> PoliciesResult:
    """Part 1's stream with every SKU configured for one policy (bench.allocation's settings), each
    policy beside priority-fifo-v1, runs interleaved so all see the same machine; medians compared.
    A policy the engine does not know is skipped, saying why."""
    say(f"[5] allocation policies: {skus} SKUs all configured, {orders:,} OrderPlaced x 2 lines")
    result = PoliciesResult()
    variants = []
    for variant in VARIANTS:
        why = missing(variant)
        if why is None:
            variants.append(variant)
            result.runs[variant.name] = []
        else:
            result.skipped[variant.name] = why
            say(f"    SKIPPED {variant.name}: {why}")
    for n in range(1, repeat + 1):
        for variant in variants if n % 2 else variants[::-1]:  # every other round backwards: drift cancels
            setup, stream = policy_stream(variant, skus, orders)
            store = Store(folder, f"policy-{variant.name}-{n}")
            done = feed(store, setup)
            if done.rejections:
                say(f"    !! set-up not applied: {done.rejections}")
            result.runs[variant.name].append(timed(store, f"{variant.name}, run {n}", stream))
            say_run(result.runs[variant.name][-1])
            store.close()
    say(
        "    medians: "
        + ", ".join(
            f"{name} {result.median(name).lines_per_s:,.0f} lines/s"
            + ("" if name == BASELINE else f" ({result.slower(name):+.1%} slower, median of the rounds)")
            for name in result.runs
        )
    )
    _policies_traffic(folder, orders * 2, repeat, variants, result)
    return result


def policy_stream(
    variant: Variant, skus: int, orders: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Part 5's set-up (part 1's catalogue, every SKU configured for the variant) and its orders."""
    catalogue = MixedCatalogue(skus=skus, replenish="off")
    clock = Clock(prefix="mix")
    setup = [_configured_for(m, variant) for m in catalogue.build(clock)]
    return setup, list(catalogue.orders(clock, orders))


def _policies_traffic(
    folder: Path, messages: int, repeat: int, variants: list[Variant], result: PoliciesResult
) -> None:
    """Each policy on bench.traffic's realistic stream (long queues, PO churn, refusals, re-sends,
    skewed clocks, frequent buyers who meet quotas), through the ingest path, rounds interleaved."""
    from bench.traffic.__main__ import ingest
    from bench.traffic.generator import realistic

    streams = {v.name: realistic(messages, skus=20, sku_fields=_sku_fields(v)) for v in variants}
    for n in range(1, repeat + 1):
        for variant in variants if n % 2 else variants[::-1]:
            db = folder / f"traffic-policy-{variant.name}-{n}.sqlite"
            done = ingest(db, streams[variant.name].lines)
            result.traffic.setdefault(variant.name, []).append(done.per_s)
            if n == 1:
                result.shaped[variant.name] = _shaped(db)
            say(
                f"    realistic stream ({len(streams[variant.name].lines):,} lines), {variant.name}, run {n}: "
                f"{done.per_s:,.0f} lines/s"
                + ("; shaped: " + _tally(result.shaped[variant.name]) if n == 1 else "")
            )
    say(
        "    realistic stream medians: "
        + ", ".join(
            f"{name} {sorted(per_s)[len(per_s) // 2]:,.0f} lines/s"
            + ("" if name == BASELINE else f" ({result.traffic_slower(name):+.1%} slower)")
            for name, per_s in result.traffic.items()
        )
    )


def _sku_fields(variant: Variant) -> dict[str, Any]:
    """The SkuConfigured fields that set a SKU up for the variant (its rules at part 5's rates)."""
    message = variant.configure("x", "x", "x", PART5_PLATINUM_RATE, PART5_LEAD_DAYS)
    return {k: v for k, v in message.items() if k not in ("type", "message_id", "occurred_at", "sku")}


# What a decision's reason says when a rule shaped it (domain/rationing.py, domain/quotas.py,
# domain/redistribution.py): counted in the stored events, to show each policy's rules were met.
_RULE_WORDS = {
    "held back by a reserve": b"kept back for higher tiers",
    "held back by a quota": b"quota of ",
    "redistributed": b"lower-tier line(s) allocated less than",
}


def _shaped(db: Path) -> Tally[str]:
    with sqlite3.connect(db) as connection:
        return Tally(
            {
                what: connection.execute(
                    "SELECT COUNT(*) FROM stored_events WHERE instr(state, ?) > 0", (words,)
                ).fetchone()[0]
                for what, words in _RULE_WORDS.items()
            }
        )


def _tally(counts: Tally[str]) -> str:
    return ", ".join(f"{what} {n:,} decision(s)" for what, n in counts.items()) or "nothing"


def _configured_for(message: dict[str, Any], variant: Variant) -> dict[str, Any]:
    """A SkuConfigured of the catalogue, for the variant (its reorder point and safety stock kept)."""
    if message["type"] != "SkuConfigured":
        return message
    configured = variant.configure(
        message["message_id"], message["occurred_at"], message["sku"], PART5_PLATINUM_RATE, PART5_LEAD_DAYS
    )
    return configured | {"reorder_point": message["reorder_point"], "safety_stock": message["safety_stock"]}
