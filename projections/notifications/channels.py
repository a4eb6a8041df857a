"""Where notifications go: a signed webhook in production, a JSON-lines file when embedded.

A channel either returns (delivered) or raises `DeliveryFailed` with text
worth keeping as the notification's last error. Every notification carries
its idempotency key, so a receiver can drop a repeat: the dispatcher may
send a notification again after a crash between sending and recording.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

import orjson

SIGNATURE_HEADER = "X-Antrian-Signature"
KEY_HEADER = "Idempotency-Key"


class DeliveryFailed(Exception):
    """The channel did not accept the notification; the message says why."""


class Channel(Protocol):
    def send(self, key: str, body: bytes) -> None:
        """Deliver one notification (`body` is its JSON payload) or raise DeliveryFailed."""


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the raw body, as the receiver recomputes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """HTTP POST of the JSON payload; any 2xx answer is a delivery."""

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        if not secret:
            raise ValueError("the webhook channel signs every request: set ANTRIAN_WEBHOOK_SECRET")
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, key: str, body: bytes) -> None:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                KEY_HEADER: key,
                SIGNATURE_HEADER: signature(self.secret, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            detail = error.read(200).decode(errors="replace").strip()
            raise DeliveryFailed(
                f"HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise DeliveryFailed(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}")


class FileChannel:
    """Appends one JSON line per notification; a key already in the file is not written again.

    Each line is flushed to disk before `send` returns, so after a crash the
    file, not the outbox, knows what was delivered; a torn last line (a crash
    mid-write) is cut off on open.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.keys = self._keys_in_file()

    def _keys_in_file(self) -> set[str]:
        if not self.path.exists():
            return set()
        content = self.path.read_bytes()
        complete = content[: content.rfind(b"\n") + 1]
        if len(complete) != len(content):
            with self.path.open("r+b") as file:
                file.truncate(len(complete))
        return {orjson.loads(line)["idempotency_key"] for line in complete.splitlines() if line.strip()}

    def send(self, key: str, body: bytes) -> None:
        if key in self.keys:
            return
        with self.path.open("ab") as file:
            file.write(orjson.dumps(orjson.loads(body)) + b"\n")
            file.flush()
            os.fsync(file.fileno())
        self.keys.add(key)
