"""One publishing relay (one active engine) per SQLite store: an exclusive `flock` on `<store>.<role>.lock`.

The same election as PostgreSQL's advisory lock (infra/postgres/lease.py): the
relay holding the lock publishes, others wait as standbys. The kernel drops the
lock of a process that ends, however it ends. Apart from `<store>.lock`, which
writers take batch by batch: a relay holds this one for as long as it runs.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import suppress
from pathlib import Path


class FileLease:
    def __init__(self, store: Path, role: str = "relay") -> None:
        self.path = store.with_name(f"{store.name}.{role}.lock")
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lease if no other relay holds it; never waits."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None
