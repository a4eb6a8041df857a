"""The HTTP bench's pure parts: its percentiles, its schedules, and how it reads what ingest said."""

from __future__ import annotations

import asyncio
import math
from collections import Counter

import pytest

from bench.http.figures import TIMEOUT, LoadRun, percentile, statuses_text
from bench.http.pacing import batch_schedule, open_loop, schedule
from bench.http.writes import difference, ingest_outcomes


def test_a_percentile_is_a_latency_some_request_really_had_by_nearest_rank():
    latencies = [float(ms) for ms in range(1, 101)]  # 1 ms .. 100 ms
    assert percentile(latencies, 0.5) == 50.0
    assert percentile(latencies, 0.99) == 99.0
    assert percentile(latencies, 1.0) == 100.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0  # the order given does not matter


def test_one_slow_request_in_a_hundred_is_the_p99_and_two_are_past_it():
    one_slow = [1.0] * 99 + [500.0]
    two_slow = [1.0] * 98 + [500.0, 500.0]
    assert percentile(one_slow, 0.99) == 1.0
    assert percentile(two_slow, 0.99) == 500.0


def test_no_latencies_have_no_percentile_rather_than_a_zero_that_would_pass():
    assert math.isnan(percentile([], 0.99))


def test_a_steady_rate_sends_evenly_spaced_requests_for_the_whole_run():
    due = schedule(200, 30)
    assert len(due) == 6000
    assert due[:3] == [0.0, 0.005, 0.01]
    assert due[-1] == pytest.approx(29.995)


def test_no_rate_or_no_time_schedules_nothing():
    assert schedule(0, 30) == [] and schedule(200, 0) == []


def test_batches_of_500_at_500_lines_a_second_go_one_a_second_and_the_last_may_be_short():
    assert batch_schedule(lines=2_200, batch=500, lines_per_s=500) == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_every_scheduled_request_is_counted_and_one_without_an_answer_is_status_0():
    async def send(i: int) -> int:
        if i == 3:
            raise TimeoutError
        return 404 if i % 2 else 200

    run = asyncio.run(open_loop(LoadRun("test", 1000, 0.01), schedule(1000, 0.01), send, lead_s=0))
    assert len(run.samples) == 10
    assert run.statuses == Counter({200: 5, 404: 4, TIMEOUT: 1})
    assert statuses_text(run.statuses) == "5 x 200, 4 x 404, 1 x none"


def test_ingest_summary_is_read_as_the_answers_post_gives_each_message_when_first_judged():
    said = (
        "applied 2524, already applied 76, rejected 328 (kept in /tmp/x.rejected.jsonl), refused before 3, "
        "parked 165 (7 applied once what they waited for came, 96 rejected after waiting, 62 still waiting)"
    )
    counts, later = ingest_outcomes(said)
    assert counts == {"applied": 2517, "already applied": 76, "refused": 235, "parked": 165}
    assert later == "7 applied once woken, 96 refused after waiting, 62 still waiting"


def test_a_plain_ingest_summary_has_nothing_refused_before_or_parked():
    counts, _ = ingest_outcomes("applied 10, already applied 0, rejected 0")
    assert counts == {"applied": 10, "already applied": 0, "refused": 0, "parked": 0}


def test_stores_differ_by_the_kinds_of_event_whose_counts_differ():
    ingested = Counter({"domain.order:Order.Placed": 10, "domain.stock:Stock.Received": 2})
    assert difference(ingested, Counter(ingested)) == ""
    posted = Counter({"domain.order:Order.Placed": 9, "domain.stock:Stock.Received": 2})
    assert difference(ingested, posted) == "Order.Placed 10 vs 9"
