"""`antrian serve` as a real process (real uvicorn) on a free 127.0.0.1 port, and the commands around it.

Every command runs as an operator runs it: the installed `antrian` in its own
process, no ANTRIAN_* setting of the calling shell leaking in. The server is
stopped however the bench ends (a failure, Ctrl-C): no process outlives it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx

READY_S = 600.0  # readiness catches the read models up first: a big store's may take minutes


def command() -> list[str]:
    """The `antrian` beside this interpreter (the project's venv), else the same entry point through it."""
    script = Path(sys.executable).with_name("antrian")
    return (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-c", "from infra.cli.main import main; main()"]
    )


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}


def antrian(db: Path, *args: str, stdin: Path | None = None) -> str:
    """`antrian --db DB ARGS`; its standard output, or RuntimeError with its error output when it fails."""
    with open(stdin or os.devnull, "rb") as given:
        done = subprocess.run(
            [*command(), "--db", str(db), *args],
            stdin=given,
            capture_output=True,
            env=clean_env(),
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"antrian {' '.join(args)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}"
        )
    return done.stdout.decode()


@dataclass(frozen=True)
class Served:
    base: str
    token: str
    pid: int
    ready_s: float  # from starting the process to /health/ready answering 200

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def served(db: Path) -> Iterator[Served]:
    """`antrian serve` over `db` with an operator token made for this run (revoked at the end), once ready.

    Its error output goes to `serve.log` beside the store (a pipe nobody reads could fill and stall it).
    """
    name = f"bench-http-{uuid4().hex[:8]}"
    token = antrian(db, "token", "create", "--role", "operator", "--name", name).strip()
    port = free_port()
    started = time.perf_counter()
    log = db.parent / "serve.log"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [*command(), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=clean_env(),
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(process, base, log)
        yield Served(base, token, process.pid, time.perf_counter() - started)
    finally:
        _stop(process)
        antrian(db, "token", "revoke", name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"antrian serve exited {process.returncode}:\n{error}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=READY_S).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"antrian serve was not ready within {READY_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn's graceful stop), then SIGKILL if it hangs; always waited for."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
