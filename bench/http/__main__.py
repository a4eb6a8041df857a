"""`python -m bench.http [--quick]`: issue 14's HTTP figures (see bench/http/__init__.py)."""

from __future__ import annotations

import argparse

from bench.http import __doc__ as about
from bench.http.figures import LoadRun
from bench.http.pages import PageLoads, page_loads, page_rows
from bench.http.reads import BUSIEST_SHARE, run_reads, targets
from bench.http.server import served
from bench.http.store import FULL_ORDERS_PER_DAY, QUICK_ORDERS_PER_DAY, DemoStore, demo_store
from bench.http.table import READ_P99_MS, read_rows, write_rows
from bench.http.writes import PACED_LINES_PER_S, Applied, ingest, post, startup, traffic_file
from bench.report import exit_zero, guarded, print_table, say, sqlite_bench


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=(about or "").split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a ~6,000-order store, 5 s runs: a try, not a measurement"
    )
    parser.add_argument("--rate", type=float, default=200.0, help="read requests/s")
    parser.add_argument("--seconds", type=float, default=30.0, help="each read run's length")
    parser.add_argument(
        "--busiest-share",
        type=float,
        default=BUSIEST_SHARE,
        help="share of /backorders asks for the busiest SKU",
    )
    parser.add_argument("--lines", type=int, default=20_000, help="lines in the write file")
    parser.add_argument("--rebuild", action="store_true", help="build the cached demo store again")
    parser.add_argument("--keep", action="store_true", help="keep the write stores (path printed)")
    parser.add_argument(
        "--pages-only", action="store_true", help="only the dashboard's page loads in Chromium"
    )
    args = parser.parse_args(argv)
    seconds, lines = (5.0, 3_000) if args.quick else (args.seconds, args.lines)
    detail = f": reads {args.rate:.0f}/s x {seconds:.0f} s, writes {lines:,} lines"
    with sqlite_bench("HTTP", detail, "antrian-http-", args.keep) as folder:
        store = demo_store(QUICK_ORDERS_PER_DAY if args.quick else FULL_ORDERS_PER_DAY, rebuild=args.rebuild)
        say_store(store)
        pages: list[PageLoads] | None = guarded("pages", lambda: dashboard(store))
        if args.pages_only:
            print_table(page_rows(pages))
            return
        runs: list[LoadRun] = (
            guarded("reads", lambda: reads(store, args.rate, seconds, args.busiest_share)) or []
        )
        file = traffic_file(folder, lines)
        ingested = ingest(folder, file)
        say(f"  antrian ingest: {ingested.per_s:,.0f} lines/s")
        fixed = startup(folder)
        posted = post(folder, file, "post", None)
        say(f"  POST /messages flat out: {posted.per_s:,.0f} lines/s")
        paced: Applied | None = guarded("paced", lambda: post(folder, file, "paced", PACED_LINES_PER_S))
        print_table(read_rows(runs) + page_rows(pages) + write_rows(ingested, fixed, posted, paced))
        say_ceiling(runs)


def say_ceiling(runs: list[LoadRun]) -> None:
    """A ceiling that misses the read target itself: the machine (or this client) could not carry the load."""
    ceiling = next((run for run in runs if run.label.startswith("GET /health")), None)
    if ceiling is not None and not ceiling.pct(0.99) < READ_P99_MS:
        say(
            f"!! /health/live, which does nothing, had p99 {ceiling.pct(0.99):,.0f} ms: this machine and client could "
            "not carry the load, so the read figures measure the machine, not the service; run it again when idle"
        )


def say_store(store: DemoStore) -> None:
    how = (
        f"reused from {store.db.parent} (built in {store.build_s:,.0f} s; --rebuild to build it again)"
        if store.reused
        else f"built in {store.build_s:,.0f} s into {store.db.parent}; reruns reuse it"
    )
    say(f"read store: the demo scaled to {store.orders:,} orders, {store.events:,} events; {how}")


def dashboard(store: DemoStore) -> list[PageLoads] | None:
    with served(store.db) as server:
        say(
            f"  antrian serve ready in {server.ready_s:.1f} s (readiness waits for the whole history's report)"
        )
        return page_loads(server, store.db)


def reads(store: DemoStore, rate: float, seconds: float, busiest_share: float) -> list[LoadRun]:
    found = targets(store.read_db, round(rate * seconds), busiest_share=busiest_share)
    say(
        f"  busiest SKU {found.busiest}: {found.busiest_waiting:,} lines waiting "
        f"({busiest_share:.0%} of /backorders asks, besides its share of the rest)"
    )
    with served(store.db) as server:
        say(f"  antrian serve (pid {server.pid}) at {server.base}, ready in {server.ready_s:.1f} s")
        return run_reads(server, found, rate, seconds)


if __name__ == "__main__":
    exit_zero(lambda: main(), print_errors=True)
