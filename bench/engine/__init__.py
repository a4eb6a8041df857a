"""Antrian engine benchmark: prints figures, asserts nothing, always exits 0.

    .venv/bin/python -m bench.engine            # full run (a few minutes)
    .venv/bin/python -m bench.engine --quick    # smaller sizes, for a smoke test

Five parts, all on SQLite files in a temporary folder on this machine:

1. Throughput on a realistic mixed workload: a few hundred SKUs, suppliers
   for all, stock for some, a PO or two per SKU, substitutes for a few; then
   2-line `OrderPlaced` messages with skewed SKU popularity, mixed tiers and
   maximum waits. Timed end to end from the upstream dict (`handle_raw`, the
   headline), from pre-parsed messages (`handle`), and on the in-memory store
   (the domain's own share of the cost).
2. The raw `eventsourcing` SQLite append ceiling: a trivial aggregate on a
   plain `Application`, one event per `save()`, and 100 events per `save()`.
3. Cost per line against queue depth: 1,000 versus 100,000 lines already
   waiting across 100 SKUs (a supplier, so ETAs are promised; no stock, no
   POs, so every line backorders), then time further 2-line orders.
4. Replenishment off vs on (issue 16): part 1's stream with every SKU
   configured, reactive or buying ahead; and the same on bench.traffic's stream.
5. Allocation policies (issue 17): part 1's stream with every SKU configured
   for one policy (bench/allocation/policies.py's settings), each beside
   priority-fifo-v1, runs interleaved; a policy the engine lacks is skipped. Then the
   same on bench.traffic's realistic stream (long queues, PO churn, refusals, re-sends,
   skewed clocks, frequent buyers), with how many decisions each policy's rules shaped.
"""
