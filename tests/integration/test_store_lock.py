"""The SQLite write lock: one process decides and writes at a time; re-entrant within a process."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from infra.sqlite.lock import StoreWriteLock

TRY = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("busy")
else:
    print("free")
"""


def other_process_finds(path) -> str:
    return subprocess.run(
        [sys.executable, "-c", TRY, str(path)], capture_output=True, text=True
    ).stdout.strip()


def test_another_process_waits_while_a_batch_holds_the_lock_and_gets_it_after(tmp_path):
    lock = StoreWriteLock(tmp_path / "s.sqlite")
    with lock:
        with lock:  # a batch falling back to one message at a time takes it again
            assert other_process_finds(lock.path) == "busy"
        assert other_process_finds(lock.path) == "busy"
    assert other_process_finds(lock.path) == "free"
    assert oct(lock.path.stat().st_mode & 0o777) == "0o600"


def test_a_second_thread_of_the_same_process_waits_for_the_first(tmp_path):
    lock = StoreWriteLock(tmp_path / "s.sqlite")
    order: list[str] = []

    def second() -> None:
        with lock:
            order.append("second")

    with lock:
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.05)
        order.append("first")
    thread.join(timeout=30)
    assert order == ["first", "second"]


def test_the_next_holder_finds_how_far_the_last_one_saw_the_log(tmp_path):
    first, second = StoreWriteLock(tmp_path / "s.sqlite"), StoreWriteLock(tmp_path / "s.sqlite")
    with first:
        assert first.last_position is None  # a new store: nobody left a mark
        first.record(42)
    with second:
        assert second.last_position == 42
    with first:  # nothing recorded this time: the mark stays
        pass
    with second:
        assert second.last_position == 42
    first.close()
    second.close()
