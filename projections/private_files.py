"""Files that hold customer data: created 0600, in directories created 0700, whatever the umask.

The event store, the read store, the notifications file and the refused
messages all carry names, e-mail addresses and orders, so nobody but the
account running Antrian may read them. `os.open`/`os.mkdir` modes are masked
by the process umask, which can only take bits away; each file or directory
this module creates is then set to exactly 0600/0700 with an explicit chmod,
so a umask of 0o000 (or one that masks the owner's own bits) changes nothing.

What is already there:

* Directories that exist are never touched: the data folder may sit in the
  user's home or any folder they chose, which are theirs to set.
* A file that exists and is readable or writable by group or others is
  tightened on open (its group/other bits removed, so a 0644 file becomes
  0600) when it belongs to the effective user: a store written by an older
  Antrian under a lax umask stops leaking the next time it is opened. A file
  owned by someone else is left as it is (we may not chmod it, and it is its
  owner's decision); Antrian still opens it if the system lets it.

SQLite creates its own side files (`-wal`, `-shm`, `-journal`) and gives new
ones the main database file's permissions, so creating the database file
0600 before SQLite opens it is what keeps them private. SQLite chmods a side
file only when it is empty, so leftover side files (from a crash) that are
too open are tightened here too.

This module sits in `projections` (not `infra`) because both write such files
and the imports only go one way: `infra`, the composition root, imports
`projections`, which never imports `infra`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
OPEN_TO_OTHERS = 0o077  # group and other permission bits
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def make_private_dirs(directory: Path | str) -> None:
    """Create `directory` and its missing parents, each 0700; directories already there are left alone.

    Like `Path.mkdir(parents=True, exist_ok=True)`: a directory another
    process creates at the same moment is fine (and is not chmod-ed: not ours),
    a file in the way raises FileExistsError.
    """
    missing = []
    current = Path(directory)
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    if not missing and not current.is_dir():
        raise FileExistsError(f"{current} is there and is not a folder")
    for path in reversed(missing):
        try:
            os.mkdir(path, PRIVATE_DIR)
        except FileExistsError:
            if not path.is_dir():
                raise
            continue
        os.chmod(path, PRIVATE_DIR)


def append_private(path: Path | str) -> BinaryIO:
    """`open(path, "ab")` for a private file: created 0600, or tightened if it is ours and too open."""
    descriptor = _open_private(Path(path), os.O_WRONLY | os.O_APPEND)
    try:
        return os.fdopen(descriptor, "ab")
    except BaseException:
        os.close(descriptor)
        raise


def tighten_if_there(path: Path | str) -> None:
    """Remove group/other bits from an existing regular file we own; a missing file is fine.

    By path, without opening the file: closing any descriptor of a SQLite
    file would drop the locks this process's connections hold on it.
    """
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return
    if _too_open_and_ours(found):
        os.chmod(path, stat.S_IMODE(found.st_mode) & ~OPEN_TO_OTHERS)


def prepare_sqlite_file(database: Path | str) -> None:
    """Make the SQLite database file 0600 before SQLite opens it, so its side files are 0600 too.

    Creates the (empty) file if missing - SQLite reads an empty file as an
    empty database - else tightens it and any leftover side file. In-memory
    databases and `file:` URIs are left to SQLite.
    """
    name = str(database)
    if not name or ":memory:" in name or "mode=memory" in name or name.startswith("file:"):
        return
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        tighten_if_there(name)
    else:
        # A new file: no connection of this process can have it open, so closing is safe.
        try:
            os.fchmod(descriptor, PRIVATE_FILE)
        finally:
            os.close(descriptor)
    for suffix in SQLITE_SIDE_FILES:
        tighten_if_there(name + suffix)


def _open_private(path: Path, flags: int) -> int:
    try:
        descriptor = os.open(path, flags | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        created = True
    except FileExistsError:
        descriptor = os.open(path, flags | os.O_CREAT, PRIVATE_FILE)
        created = False
    try:
        if created:
            os.fchmod(descriptor, PRIVATE_FILE)  # the umask may have taken the owner's bits too
        else:
            found = os.fstat(descriptor)
            if _too_open_and_ours(found):
                os.fchmod(descriptor, stat.S_IMODE(found.st_mode) & ~OPEN_TO_OTHERS)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _too_open_and_ours(found: os.stat_result) -> bool:
    return (
        stat.S_ISREG(found.st_mode) and bool(found.st_mode & OPEN_TO_OTHERS) and found.st_uid == os.geteuid()
    )
