"""`python -m bench.http`: the HTTP service (`antrian serve`, a real uvicorn process) under load.

Issue 14's figures: `GET /orders/{id}` and `GET /backorders?sku=` at a steady
200 requests/s for 30 s against the default demo scaled to at least 100,000
orders (p50/p99 latency, counted from each request's intended send time), with
`/health/live` under the same load as the machine's and server's ceiling; and
`POST /messages` in batches of 500 lines beside `antrian ingest` of the same
realistic file, each into a fresh store, whose outcomes must come out equal.

Modules: `figures` (percentiles, pure), `pacing` (the open-loop schedule and
sender), `store` (the cached demo store), `server` (the `antrian serve`
process), `reads` and `writes` (the two halves), `table` (what is printed).
"""
