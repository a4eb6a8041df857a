"""One writer at a time on a SQLite store, across processes.

Two `antrian ingest` runs on one file each decided on what their own cache
held: a valid order was refused ("line 1 is cancelled") because the other
process had changed the SKU a moment before, and the refusal was final.
SQLite serialises writes but not the decisions before them; here the
decision is serialised too. A batch (or a single message) takes an exclusive
`flock` on `<store>.lock` before it catches up with what other writers
stored and holds it until its save is committed, so every decision is made
on the store's latest state. A second writer waits for the first one's
batch, not for its whole run: they take turns, batch by batch.

Re-entrant within a process (a batch that falls back to one message at a
time takes it again); the kernel drops the lock of a process that dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import suppress
from pathlib import Path
from types import TracebackType


class StoreWriteLock:
    def __init__(self, store: Path) -> None:
        self.path = store.with_name(store.name + ".lock")
        self._local = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> StoreWriteLock:
        self._local.acquire()
        if self._depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                with suppress(PermissionError):  # ours made more open by an older version, or by hand
                    os.fchmod(fd, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                self._local.release()
                raise
            self._fd = fd
        self._depth += 1
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self._local.release()
