"""The process umask set for a test and restored after it, whatever the test does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def under_umask(mask: int) -> Iterator[int]:
    previous = os.umask(mask)
    try:
        yield mask
    finally:
        os.umask(previous)
