"""Wait until a Kafka broker answers a metadata request.

    python ops/kafka/ready.py 127.0.0.1:9092 [--timeout 60] [--pid 1234]

Exit 0 once the broker answers, 1 on timeout, 2 if --pid names a process that
has died meanwhile (no point in waiting for a broker that crashed).

Uses kafka-python's admin client (list_topics is a real Metadata round trip)
when it is importable; otherwise falls back to a raw ApiVersions request, so the
script also works with a bare system Python.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import struct
import sys
import time


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child is not alive either.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def _split(bootstrap: str) -> tuple[str, int]:
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    return host or "127.0.0.1", int(port)


def _raw_api_versions(bootstrap: str, timeout: float) -> bool:
    """ApiVersions v0 over a plain socket: True if the broker answers with error_code 0."""
    client_id = b"antrian-ready"
    body = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
    with socket.create_connection(_split(bootstrap), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        header = b""
        while len(header) < 10:
            chunk = sock.recv(10 - len(header))
            if not chunk:
                return False
            header += chunk
    _size, correlation_id, error_code = struct.unpack(">iih", header)
    return correlation_id == 1 and error_code == 0


def _kafka_python_metadata(bootstrap: str, timeout: float) -> bool:
    from kafka import KafkaAdminClient  # noqa: PLC0415

    ms = max(int(timeout * 1000), 1000)
    wanted = {
        "bootstrap_servers": bootstrap,
        "client_id": "antrian-ready",
        "request_timeout_ms": ms,
        "reconnect_backoff_max_ms": 500,
        # kafka-python 3.x / 2.x names for "how long to wait for the first connection"
        "bootstrap_timeout_ms": ms,
        "api_version_auto_timeout_ms": ms,
    }
    known = getattr(KafkaAdminClient, "DEFAULT_CONFIG", wanted)
    admin = KafkaAdminClient(**{k: v for k, v in wanted.items() if k in known})
    try:
        admin.list_topics()
        return True
    finally:
        admin.close()


LAST_ERROR: list[str] = []


def check(bootstrap: str, timeout: float = 3.0) -> bool:
    """One attempt: does the broker answer within `timeout` seconds?"""
    try:
        import kafka  # noqa: F401, PLC0415
    except ImportError:
        probe = _raw_api_versions
    else:
        probe = _kafka_python_metadata
    try:
        return probe(bootstrap, timeout)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
        LAST_ERROR[:] = [f"{type(exc).__name__}: {exc}"]
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to keep trying (0: one try)")
    parser.add_argument("--pid", type=int, default=None, help="give up early if this process dies")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # kafka-python is very loud while the broker is starting

    deadline = time.monotonic() + args.timeout
    while True:
        if check(args.bootstrap):
            return 0
        if not _alive(args.pid):
            print(f"broker process {args.pid} exited before answering", file=sys.stderr)
            return 2
        if time.monotonic() >= deadline:
            last = f" (last error: {LAST_ERROR[0]})" if LAST_ERROR else ""
            print(
                f"no Kafka broker answered at {args.bootstrap} within {args.timeout:.0f}s{last}",
                file=sys.stderr,
            )
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
