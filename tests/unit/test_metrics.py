"""The metrics count what they are told, with labels a sender cannot blow up."""

from __future__ import annotations

from infra.metrics import Metrics
from infra.progress import Pace
from services.outcomes import Outcome, Status


def test_outcomes_are_counted_by_status_and_message_type():
    metrics = Metrics()
    metrics.count_outcomes(
        [
            Outcome(Status.APPLIED, "m-1", "OrderPlaced"),
            Outcome(Status.APPLIED, "m-2", "OrderPlaced"),
            Outcome(Status.DUPLICATE, "m-1", "OrderPlaced"),
            Outcome(Status.REJECTED, "m-3", "StockReceived"),
            Outcome(Status.REFUSED_BEFORE, "m-3", "StockReceived"),
            Outcome(Status.PARKED, "m-4", "StockReceived"),
        ]
    )
    assert metrics.value("antrian_messages_applied_total", type="OrderPlaced") == 2
    assert metrics.value("antrian_messages_repeated_total", type="OrderPlaced") == 1
    assert metrics.value("antrian_messages_refused_total", type="StockReceived") == 2
    assert metrics.value("antrian_messages_parked_total", type="StockReceived") == 1


def test_a_type_that_is_no_contract_is_counted_as_unknown_whatever_it_says():
    metrics = Metrics()
    metrics.count_outcomes([Outcome(Status.REJECTED, "m-1", "x" * 500), Outcome(Status.REJECTED, None, None)])
    assert metrics.value("antrian_messages_refused_total", type="unknown") == 2


def test_http_requests_are_counted_by_route_template_and_status_401_and_403_included():
    metrics = Metrics()
    metrics.count_http_request("get", "/orders/{order_id}", 401)
    metrics.count_http_request("GET", "/orders/{order_id}", 403)
    metrics.count_http_request("GET", "/orders/{order_id}", 403)
    assert (
        metrics.value("antrian_http_requests_total", method="GET", route="/orders/{order_id}", status="401")
        == 1
    )
    assert (
        metrics.value("antrian_http_requests_total", method="GET", route="/orders/{order_id}", status="403")
        == 2
    )


def test_two_metrics_objects_do_not_share_their_counts():
    first, second = Metrics(), Metrics()
    first.count_outcomes([Outcome(Status.APPLIED, "m-1", "OrderPlaced")])
    assert second.value("antrian_messages_applied_total", type="OrderPlaced") == 0


def test_the_outbox_gauges_show_zero_for_a_status_nobody_has():
    metrics = Metrics()
    metrics.set_outbox({"pending": 3, "delivered": 9})
    assert metrics.value("antrian_notifications", status="pending") == 3
    assert metrics.value("antrian_notifications", status="dead") == 0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_reported_every_interval_while_busy_and_rarely_while_idle():
    # Given a pace of one line per 10 s, and six times that when idle
    clock = Clock()
    pace = Pace(10, quiet_factor=6, clock=clock)
    # When 5 s pass, then 10 s with 300 done
    clock.now = 5
    assert pace.report(100, busy=True) is None
    clock.now = 10
    # Then a line is due, with what was done since and its rate
    assert pace.report(300, busy=True) == (300, 30.0)
    # And when nothing happens, the next line comes only after 60 s
    clock.now = 30
    assert pace.report(300, busy=False) is None
    clock.now = 70
    assert pace.report(300, busy=False) == (0, 0.0)
