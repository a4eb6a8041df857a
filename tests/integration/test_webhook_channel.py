"""The webhook channel against real receivers that misbehave: redirects, and answers dripped a byte at a time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from projections.notifications.channels import DeliveryFailed, WebhookChannel

pytestmark = pytest.mark.integration

SECRET = "s3cret"
BODY = b'{"idempotency_key": "O1:1:v2"}'
DRIP_EVERY = 0.2  # seconds between bytes: far below the deadline, so no single read ever waits long


class Server:
    """An HTTP server on 127.0.0.1 in a thread; `answer(handler)` writes the answer to each request."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.requests.append((self.command, self.path, body))
                answer(self)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/notifications"

    def drip(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        """Write `data` one byte at a time, until done, the sender hangs up or the server stops."""
        handler.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        handler.close_connection = True
        for byte in data:
            if self.stopping.wait(DRIP_EVERY):
                return
            try:
                handler.wfile.write(bytes([byte]))
            except OSError:
                return  # the sender gave up

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def redirect(status: int) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        if handler.path == "/moved":  # where it points: a page that answers anything with 200
            handler.send_response(200)
        else:
            handler.send_response(status)
            handler.send_header("Location", "/moved")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


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
