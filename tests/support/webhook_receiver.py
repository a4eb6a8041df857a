"""A webhook receiver on 127.0.0.1 that checks signatures and counts deliveries by idempotency key.

What a well-behaved receiver does: refuse a request whose HMAC does not
match the raw body, answer a repeated key with success without acting on it
again. Tests read `deliveries` (every key answered 2xx, repeats included)
and `accepted` (the first body per key).
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from projections.notifications.channels import KEY_HEADER, SIGNATURE_HEADER, signature


class Receiver:
    def __init__(self, secret: str, answers: Iterable[int] = (), delay: float = 0.0) -> None:
        self.secret = secret
        self.answers = deque(answers)  # status codes to answer first; 200 afterwards
        self.delay = delay  # seconds between recording a delivery and answering it
        self.deliveries: list[str] = []
        self.accepted: dict[str, dict[str, Any]] = {}
        self.refused: list[str] = []
        self.changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/notifications"

    def repeats(self) -> Counter[str]:
        return Counter({key: n - 1 for key, n in Counter(self.deliveries).items() if n > 1})

    def wait_for(self, deliveries: int, while_true=lambda: True) -> None:
        """Block until `deliveries` were answered, as long as `while_true()` holds (e.g. the sender lives)."""
        with self.changed:
            while len(self.deliveries) < deliveries:
                assert while_true(), f"stopped waiting after {len(self.deliveries)} deliveries"
                self.changed.wait(0.05)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, key: str, body: bytes, sent_signature: str) -> int:
        with self.changed:
            if not hmac.compare_digest(sent_signature, signature(self.secret, body)):
                self.refused.append(key)
                return 401
            status = self.answers.popleft() if self.answers else 200
            if 200 <= status < 300:
                payload = json.loads(body)
                assert payload["idempotency_key"] == key, "the header and the body name different keys"
                self.accepted.setdefault(key, payload)
                self.deliveries.append(key)
                self.changed.notify_all()
            return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver._record(
                    self.headers.get(KEY_HEADER, ""), body, self.headers.get(SIGNATURE_HEADER, "")
                )
                time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"no thanks")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender was killed while waiting: exactly what crash tests do

            def log_message(self, *args: object) -> None:
                pass

        return Handler
