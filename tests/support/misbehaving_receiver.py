"""An HTTP server on 127.0.0.1 that answers however a test says: redirects, answers dripped byte by byte."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
