"""`antrian ...` in the test's own process, over a SQLite store filled by `antrian ingest`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from infra.cli.main import app
from tests.conftest import TEST_ETA_POLICY

Antrian = Callable[..., Result]


def cli_over(
    messages: Iterable[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Antrian, str]:
    """A runner of `antrian` commands on a store holding `messages`, and what `antrian ingest` said.

    No ANTRIAN_* setting of the calling shell leaks in; tables are printed 200 columns wide.
    """
    for name in [k for k in os.environ if k.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ANTRIAN_DB", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv(
        "ANTRIAN_DEFAULT_ETA_POLICY", TEST_ETA_POLICY
    )  # hand-worked dates: see tests/conftest.py
    monkeypatch.setenv("COLUMNS", "200")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(message) + "\n" for message in messages))
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", str(source)])
    assert ingested.exit_code == 0, ingested.output

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return run, ingested.output
