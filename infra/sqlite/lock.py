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

The lock file also holds the store's last notification id as the last holder
left it (`last_position`, `record`): a process that finds its own mark there
knows nobody else wrote since and skips reading the log (a query per message,
a tenth of the cost of a one-message save). A process that writes the store
without the lock is not seen that way.
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
        self.last_position: int | None = None  # as the last holder left it
        self._leave: int | None = None

    def __enter__(self) -> StoreWriteLock:
        self._local.acquire()
        try:
            if self._depth == 0:
                fd = self._file()
                fcntl.flock(fd, fcntl.LOCK_EX)
                self.last_position = _position(os.pread(fd, 32, 0))
                self._leave = None
        except BaseException:
            self._local.release()
            raise
        self._depth += 1
        return self

    def record(self, position: int) -> None:
        """The store's last notification id, to leave in the file when the lock is let go."""
        self._leave = position

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            if self._leave is not None:
                os.pwrite(self._fd, str(self._leave).encode().ljust(20), 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._local.release()

    def close(self) -> None:
        with self._local:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _file(self) -> int:
        """Opened once and kept: a lock taken per message should not cost an open and a close."""
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            with suppress(PermissionError):  # ours made more open by an older version, or by hand
                os.fchmod(fd, 0o600)
            self._fd = fd
        return self._fd


def _position(text: bytes) -> int | None:
    try:
        return int(text.strip() or b"x")
    except ValueError:
        return None
