"""`antrian` run as a process, the way an operator runs it, and the JSONL files it reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_ETA_POLICY

COMMAND = [sys.executable, "-c", "from infra.cli.main import main; main()"]


def antrian(*args: str, db: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`antrian --db DB ARGS...`; no ANTRIAN_* setting of the calling shell leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTRIAN_")}
    env["ANTRIAN_DEFAULT_ETA_POLICY"] = TEST_ETA_POLICY  # as the tests' own engines: see tests/conftest.py
    command = [*COMMAND, "--db", str(db), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def write_jsonl(path: Path, lines: list[object]) -> Path:
    """One line per message: dicts as JSON, anything else (a broken line) as it is."""
    path.write_text("".join((json.dumps(x) if isinstance(x, dict) else str(x)) + "\n" for x in lines))
    return path


def small_demo(db: Path) -> Path:
    """`antrian demo` of 28 days, 4 SKUs, 10 orders a day into `db`: enough history to plan on."""
    demo = antrian("demo", "--days", "28", "--skus", "4", "--orders-per-day", "10", db=db)
    assert demo.returncode == 0, demo.stderr
    return db
