"""The webhook channel against real receivers that misbehave: redirects, and answers dripped a byte at a time."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from projections.notifications.channels import DeliveryFailed, WebhookChannel
from tests.support.misbehaving_receiver import Server, redirect

pytestmark = pytest.mark.integration

SECRET = "s3cret"
BODY = b'{"idempotency_key": "O1:1:v2"}'


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failed_delivery_naming_its_location_and_is_never_followed(status):
    with Server(redirect(status)) as server:
        channel = WebhookChannel(server.url, SECRET, timeout=5)
        with pytest.raises(DeliveryFailed) as failed:
            channel.send("O1:1:v2", BODY)

    assert str(failed.value) == f"HTTP {status} redirect to /moved not followed"
    assert server.requests == [("POST", "/notifications", BODY)]


def test_a_receiver_dripping_its_answer_headers_fails_the_send_at_the_total_deadline():
    # A complete, valid 200 answer, but one byte every 0.2 s: about 12 s in all
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Drip: " + b"." * 20 + b"\r\n\r\n"
    with Server(lambda handler: server.drip(handler, answer)) as server:
        channel = WebhookChannel(server.url, SECRET, timeout=1)
        started = time.monotonic()
        with pytest.raises(DeliveryFailed) as failed:
            channel.send("O1:1:v2", BODY)
        took = time.monotonic() - started

    assert str(failed.value) == "timed out: no complete answer within the total deadline of 1 s"
    assert took < 20  # loose on purpose: the point is that it fails, not how exactly on time
    assert server.requests == [("POST", "/notifications", BODY)]


def test_a_receiver_dripping_an_error_body_fails_the_send_at_the_total_deadline():
    head = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 300\r\n\r\n"

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(head)
        server.drip(handler, b"x" * 300)

    with Server(answer) as server:
        channel = WebhookChannel(server.url, SECRET, timeout=1)
        started = time.monotonic()
        with pytest.raises(DeliveryFailed) as failed:
            channel.send("O1:1:v2", BODY)
        took = time.monotonic() - started

    assert str(failed.value) == "timed out: no complete answer within the total deadline of 1 s"
    assert took < 20
