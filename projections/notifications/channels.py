"""Where notifications go: a signed webhook in production, a JSON-lines file when embedded.

A channel either returns (delivered) or raises `DeliveryFailed` with text
worth keeping as the notification's last error. Every notification carries
its idempotency key, so a receiver can drop a repeat: the dispatcher may
send a notification again after a crash between sending and recording.
A channel that cannot work as configured refuses to be built
(`ChannelMisconfigured`), before anything is claimed or sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import orjson

from projections.private_files import append_private, make_private_dirs, tighten_if_there

SIGNATURE_HEADER = "X-Antrian-Signature"
KEY_HEADER = "Idempotency-Key"
ERROR_DETAIL_BYTES = 200  # of an error answer's body, kept in the notification's last error


class DeliveryFailed(Exception):
    """The channel did not accept the notification; the message says why."""


class ChannelMisconfigured(ValueError):
    """The channel cannot work with these settings; the message says which and why, in one line."""


class Channel(Protocol):
    def send(self, key: str, body: bytes) -> None:
        """Deliver one notification (`body` is its JSON payload) or raise DeliveryFailed."""


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the raw body, as the receiver recomputes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_url(url: str) -> httpx.URL:
    """`url` parsed, or ChannelMisconfigured: only http(s) to a named host and a valid port is posted to."""
    shown = _redacted(url)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        raise ChannelMisconfigured(f"the webhook URL {shown!r} is not a valid URL: {error}") from None
    if parsed.scheme not in ("http", "https"):
        scheme = f"{parsed.scheme}://" if parsed.scheme else "no scheme"
        raise ChannelMisconfigured(
            f"the webhook URL {shown!r} must start with http:// or https://, not {scheme}"
        )
    if not parsed.host:
        raise ChannelMisconfigured(f"the webhook URL {shown!r} names no host")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ChannelMisconfigured(f"the webhook URL {shown!r} has port {parsed.port}, not 1 to 65535")
    return parsed


class WebhookChannel:
    """HTTP POST of the JSON payload; any 2xx answer is a delivery, anything else a failure.

    * **Redirects are never followed.** Following one would turn the POST into
      a GET without the body (302/303) or send the signed body to a place
      nobody configured; a 3xx is a failed delivery that names the Location.
    * **`timeout` is a total deadline per notification**: connecting, sending,
      and reading the answer's headers (and the start of an error body)
      together, not per socket read. httpx's own timeouts are per operation,
      so a receiver dripping one header byte every few seconds would never
      trip them. The request therefore runs in a short-lived asyncio loop
      under `asyncio.timeout`: when the deadline passes, the task waiting on
      the socket is cancelled and the connection closed, whatever the
      receiver does, with public httpx API only. The alternatives are
      weaker: a request left running in a thread after its caller gave up
      still holds the connection (and a dripping receiver keeps it alive
      for ever), and checking the clock between reads cannot see inside the
      header parsing, where the drip happens. The loop is closed without
      waiting for its resolver threads (not `asyncio.run`), so a name lookup
      hung past the deadline does not hold the dispatcher either. The
      per-operation httpx timeouts are set to the same value, a second guard.
    * The URL (scheme http or https, a host, a valid port) and the secret are
      checked when the channel is built: `ChannelMisconfigured`, one line.
    """

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        self.url = webhook_url(url)
        if not secret:
            raise ChannelMisconfigured("the webhook channel signs every request: set ANTRIAN_WEBHOOK_SECRET")
        if not timeout > 0:
            raise ChannelMisconfigured(
                f"the webhook timeout must be a positive number of seconds, not {timeout!r}"
            )
        self.secret = secret
        self.timeout = timeout
        # Loading the CA bundle is slow: once per channel, not per notification (httpx
        # would build a context for each client, even for http).
        self._tls = httpx.create_ssl_context()

    def send(self, key: str, body: bytes) -> None:
        headers = {
            "Content-Type": "application/json",
            KEY_HEADER: key,
            SIGNATURE_HEADER: signature(self.secret, body),
        }
        loop = asyncio.new_event_loop()
        try:
            status, reason, location, detail = loop.run_until_complete(self._post(headers, body))
        except (TimeoutError, httpx.TimeoutException):
            raise DeliveryFailed(
                f"timed out: no complete answer within the total deadline of {self.timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise DeliveryFailed(_describe(error)) from None
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()  # does not wait for the default executor, unlike asyncio.run
        if 200 <= status < 300:
            return
        if 300 <= status < 400:
            raise DeliveryFailed(
                f"HTTP {status} redirect to {location or '(no Location header)'} not followed"
            )
        raise DeliveryFailed(
            " ".join(filter(None, (f"HTTP {status}", reason))) + (f": {detail}" if detail else "")
        )

    async def _post(self, headers: dict[str, str], body: bytes) -> tuple[int, str, str | None, str]:
        """(status, reason, Location, start of an error body), all within the total deadline."""
        async with asyncio.timeout(self.timeout):
            async with (
                httpx.AsyncClient(
                    timeout=httpx.Timeout(self.timeout), follow_redirects=False, verify=self._tls
                ) as client,
                client.stream("POST", self.url, content=body, headers=headers) as response,
            ):
                status = response.status_code
                detail = b"" if 200 <= status < 400 else await _start_of_body(response)
                text = detail[:ERROR_DETAIL_BYTES].decode(errors="replace").strip()
                return status, response.reason_phrase, response.headers.get("location"), text


async def _start_of_body(response: httpx.Response) -> bytes:
    """Read no more of an error answer than is kept: an endpoint's body can be any size."""
    detail = b""
    chunks = response.aiter_bytes()
    assert isinstance(chunks, AsyncGenerator)  # as httpx makes it: closed at the break, not when collected
    async with aclosing(chunks):
        async for chunk in chunks:
            detail += chunk
            if len(detail) >= ERROR_DETAIL_BYTES:
                break
    return detail


def _describe(error: httpx.HTTPError) -> str:
    """`ConnectError: All connection attempts failed (ConnectionRefusedError: [Errno 111] ...)`.

    httpx's message can hide the operating system's reason (the async
    connect collects it as a cause): the innermost OSError is named too.
    """
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    cause: BaseException | None = error
    innermost: OSError | None = None
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError):
            innermost = cause
        cause = cause.__cause__ or cause.__context__
    if innermost is not None and str(innermost) and str(innermost) not in text:
        text += f" ({type(innermost).__name__}: {innermost})"
    return text


def _redacted(url: str) -> str:
    """The URL as it may appear in an error: a password in it replaced by ***."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return url.split("@")[-1] if "@" in url else url
    userinfo, at, _ = netloc.rpartition("@")
    if at and ":" in userinfo:
        user = userinfo.split(":", 1)[0]
        return url.replace(netloc, f"{user}:***@{netloc.rpartition('@')[2]}", 1)
    return url


class FileChannel:
    """Appends one JSON line per notification; a key already in the file is not written again.

    Each line is flushed to disk before `send` returns, so after a crash the
    file, not the outbox, knows what was delivered; a torn last line (a crash
    mid-write) is cut off on open.

    The file names customers and what they were told: it is created 0600 (a
    folder it creates, 0700), and a file of ours found more open is tightened
    on open (projections/private_files.py).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        make_private_dirs(self.path.parent)
        tighten_if_there(self.path)
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
        with append_private(self.path) as file:
            file.write(orjson.dumps(orjson.loads(body)) + b"\n")
            file.flush()
            os.fsync(file.fileno())
        self.keys.add(key)
