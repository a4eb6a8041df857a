"""Where the tests and the benches find a real Kafka broker and a real PostgreSQL server.

`kafka_bootstrap()` returns a bootstrap address ("host:port") and `postgres_dsn()` a
libpq URL. Each tries these routes in order and keeps the first that works:

1. the address in the environment: ``ANTRIAN_KAFKA_BOOTSTRAP`` / ``ANTRIAN_POSTGRES_DSN``
   (nothing is started or stopped);
2. testcontainers (its Kafka and PostgreSQL modules), when a Docker engine answers
   (``ANTRIAN_TESTCONTAINERS=0`` skips this route); images: ``ANTRIAN_KAFKA_IMAGE``,
   ``ANTRIAN_POSTGRES_IMAGE``;
3. the project's own provisioning, the scripts behind ``make kafka-up`` / ``make pg-up``
   (ops/kafka/kafka.sh, ops/pg/pg.sh), then the address from their state files
   (.cache/kafka/bootstrap, .cache/pg/dsn).

A service found already running is left running; one started here is stopped by
`release()` / `shutdown()` (the session fixtures call them), unless
``ANTRIAN_KEEP_SERVICES=1`` (handy for quick reruns while developing).

When no route works, `ServiceUnavailable` says why, route by route, with the tail of
the relevant log; tests/support/fixtures.py turns it into a skip (one line) or, under
CI, a failure.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]

KAFKA = "kafka"
POSTGRES = "postgres"


@dataclass(frozen=True)
class _Spec:
    name: str
    env_address: str
    script: Path
    state_dir_env: str
    default_state_dir: Path
    address_file: str
    up_timeout: float  # seconds; the first Kafka start downloads the broker with Maven


_SPECS = {
    KAFKA: _Spec(
        KAFKA,
        "ANTRIAN_KAFKA_BOOTSTRAP",
        REPO / "ops" / "kafka" / "kafka.sh",
        "ANTRIAN_KAFKA_HOME",
        REPO / ".cache" / "kafka",
        "bootstrap",
        900.0,
    ),
    POSTGRES: _Spec(
        POSTGRES,
        "ANTRIAN_POSTGRES_DSN",
        REPO / "ops" / "pg" / "pg.sh",
        "ANTRIAN_PG_HOME",
        REPO / ".cache" / "pg",
        "dsn",
        300.0,
    ),
}

DEFAULT_KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
DEFAULT_POSTGRES_IMAGE = "postgres:15-alpine"


class ServiceUnavailable(RuntimeError):
    """No route produced the service. `reasons` has one line per route tried."""

    def __init__(self, service: str, reasons: list[str], details: str = "") -> None:
        self.service = service
        self.reasons = reasons
        self.details = details
        super().__init__(self.one_line())

    def one_line(self) -> str:
        return f"{self.service} unavailable: " + "; ".join(r.splitlines()[0] for r in self.reasons if r)

    def report(self) -> str:
        lines = [f"{self.service}: no route to a real {self.service} worked:"]
        lines += [f"  - {reason}" for reason in self.reasons]
        if self.details:
            lines += ["", self.details.rstrip()]
        return "\n".join(lines)


@dataclass
class Service:
    name: str
    address: str
    route: str  # "env", "testcontainers" or "local"
    stop: Callable[[], None] | None  # None when this process did not start it


_lock = threading.Lock()
_services: dict[str, Service] = {}
_failures: dict[str, ServiceUnavailable] = {}
_atexit_registered = False


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def kafka_bootstrap() -> str:
    """A Kafka bootstrap address ("127.0.0.1:PORT"); raises ServiceUnavailable."""
    return acquire(KAFKA).address


def postgres_dsn() -> str:
    """A PostgreSQL URL (postgresql://user@host:port/db); raises ServiceUnavailable."""
    return acquire(POSTGRES).address


def acquire(name: str) -> Service:
    """The service, found or started once per process (failures are remembered too)."""
    with _lock:
        if name in _services:
            return _services[name]
        if name in _failures:
            raise _failures[name]
        try:
            service = _find_or_start(_SPECS[name])
        except ServiceUnavailable as exc:
            _failures[name] = exc
            raise
        _services[name] = service
        if service.stop is not None:
            _register_atexit()
        return service


def release(name: str) -> None:
    """Stop the service if this process started it (and forget it)."""
    with _lock:
        service = _services.pop(name, None)
        _failures.pop(name, None)
    if service is None or service.stop is None:
        return
    if os.environ.get("ANTRIAN_KEEP_SERVICES", "").strip().lower() in {"1", "true", "yes"}:
        return
    service.stop()


def shutdown() -> None:
    """Stop everything this process started."""
    for name in list(_services):
        with contextlib.suppress(Exception):
            release(name)


def _register_atexit() -> None:
    global _atexit_registered
    if not _atexit_registered:
        atexit.register(shutdown)
        _atexit_registered = True


# --- the routes ---


def _find_or_start(spec: _Spec) -> Service:
    reasons: list[str] = []
    details = ""

    # 1. an address given in the environment
    address = os.environ.get(spec.env_address, "").strip()
    if address:
        return Service(spec.name, address, "env", None)
    reasons.append(f"{spec.env_address} is not set")

    # 2. testcontainers, where a Docker engine answers
    if os.environ.get("ANTRIAN_TESTCONTAINERS", "").strip().lower() in {"0", "false", "no", "off"}:
        reasons.append("testcontainers: disabled by ANTRIAN_TESTCONTAINERS")
    else:
        no_docker = docker_unavailable()
        if no_docker:
            reasons.append(f"testcontainers: {no_docker}")
        else:
            try:
                return _start_container(spec)
            except Exception as exc:  # noqa: BLE001 - fall through to the next route
                reasons.append(f"testcontainers: {type(exc).__name__}: {_first_line(exc)}")

    # 3. the project's own provisioning
    try:
        return _start_local(spec)
    except _LocalFailure as exc:
        reasons.append(f"local ({spec.script.relative_to(REPO)} up): {exc.reason}")
        details = exc.details
    raise ServiceUnavailable(spec.name, reasons, details)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


def docker_unavailable(timeout: float = 1.0) -> str | None:
    """None if a Docker engine answers a ping, else why not (one line)."""
    host = os.environ.get("DOCKER_HOST", "").strip() or "unix:///var/run/docker.sock"
    url = urlparse(host)
    try:
        if url.scheme == "unix":
            if not Path(url.path).exists():
                return f"no Docker engine ({url.path} does not exist)"
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(url.path)
        elif url.scheme in {"tcp", "http"}:
            if os.environ.get("DOCKER_TLS_VERIFY"):
                return None  # a TLS engine: let testcontainers try it
            sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 2375), timeout=timeout)
        else:
            return None  # ssh:// and friends: let testcontainers try it
        with sock:
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(1024)
    except OSError as exc:
        return f"no Docker engine answers at {host} ({exc})"
    if b" 200 " not in reply.split(b"\r\n", 1)[0] + b" ":
        return f"the Docker engine at {host} did not answer its ping"
    return None


def _start_container(spec: _Spec) -> Service:
    if spec.name == KAFKA:
        try:
            from testcontainers.community.kafka import KafkaContainer
        except ImportError:  # testcontainers before the community/ layout
            from testcontainers.kafka import KafkaContainer

        container = KafkaContainer(os.environ.get("ANTRIAN_KAFKA_IMAGE", DEFAULT_KAFKA_IMAGE)).with_kraft()
        container.start()
        try:
            address = container.get_bootstrap_server()
        except Exception:
            container.stop()
            raise
        return Service(spec.name, address, "testcontainers", container.stop)

    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:
        from testcontainers.postgres import PostgresContainer

    database = PostgresContainer(
        os.environ.get("ANTRIAN_POSTGRES_IMAGE", DEFAULT_POSTGRES_IMAGE),
        username="antrian",
        password="antrian",
        dbname="antrian",
        driver=None,
    )
    database.start()
    try:
        address = database.get_connection_url()
    except Exception:
        database.stop()
        raise
    return Service(spec.name, address, "testcontainers", database.stop)


class _LocalFailure(Exception):
    def __init__(self, reason: str, details: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def _state_dir(spec: _Spec) -> Path:
    return Path(os.environ.get(spec.state_dir_env) or spec.default_state_dir)


def _log_file(spec: _Spec) -> Path:
    state = _state_dir(spec)
    if spec.name == KAFKA:
        return state / "server.log"
    home = state / "datadir"  # pg.sh may keep the cluster outside .cache/pg
    base = Path(home.read_text().strip()) if home.is_file() else state
    return base / "postgres.log"


def log_tail(spec_name: str, lines: int = 40, since: float = 0.0) -> str:
    """The last lines of the service's log, if it was written to at or after `since` (epoch seconds)."""
    path = _log_file(_SPECS[spec_name])
    try:
        if path.stat().st_mtime < since:
            return ""
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"----- last {len(text)} lines of {path} -----\n" + "\n".join(text)


def _script_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON"] = sys.executable  # kafka.sh's readiness check uses kafka-python from this venv
    return env


def _run_script(spec: _Spec, command: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(spec.script), command],
        cwd=REPO,
        env=_script_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _start_local(spec: _Spec) -> Service:
    started = time.time()
    try:
        was_running = _run_script(spec, "status", 60).returncode == 0
        result = _run_script(spec, "up", spec.up_timeout)
    except FileNotFoundError as exc:  # no bash
        raise _LocalFailure(f"cannot run {spec.script.name}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise _LocalFailure(
            f"{spec.script.name} up did not finish within {spec.up_timeout:.0f}s",
            log_tail(spec.name, since=started),
        ) from exc

    output = "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
        reason = errors[-1].split("ERROR:", 1)[-1].strip() if errors else f"exit code {result.returncode}"
        tail = "\n".join(output.splitlines()[-80:])
        if "----- last" not in tail:
            tail = "\n".join(filter(None, [tail, log_tail(spec.name, since=started)]))
        raise _LocalFailure(reason, f"output of {spec.script.name} up:\n{tail}")

    address_file = _state_dir(spec) / spec.address_file
    try:
        address = address_file.read_text().strip()
    except OSError as exc:
        raise _LocalFailure(
            f"{spec.script.name} up succeeded but {address_file} is unreadable: {exc}"
        ) from exc
    if not address:
        raise _LocalFailure(f"{spec.script.name} up succeeded but {address_file} is empty")

    stop = None if was_running else (lambda: _stop_local(spec))
    return Service(spec.name, address, "local", stop)


def _stop_local(spec: _Spec) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        _run_script(spec, "down", 120)
