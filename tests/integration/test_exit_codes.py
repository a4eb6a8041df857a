"""Every command answers with the same exit codes: 0 ok, 1 failed or not found, 2 usage or settings.

Run in the test's process (typer's CliRunner) over a real SQLite store filled by
`antrian ingest`; the commands that need Kafka are in tests/e2e (their usage
errors are here).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli.main import app
from services.dead_letters import dead_letter_id
from tests.e2e.test_cli import MESSAGES

OK, FAILED, USAGE = 0, 1, 2
UNKNOWN_LETTER = str(dead_letter_id("nowhere:0:0"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ON_A_STORE = [
    (("--version",), OK),
    (("queue",), OK),
    (("queue", "A"), OK),
    (("queue", "A", "--json"), OK),
    (("queue", "NOPE"), FAILED),
    (("queue", "--top", "0"), USAGE),
    (("order", "o1"), OK),
    (("order", "NOPE"), FAILED),
    (("order",), USAGE),
    (("audit", "o1"), OK),
    (("audit", "--sku", "A"), OK),
    (("audit", "NOPE"), FAILED),
    (("audit",), USAGE),
    (("report",), OK),
    (("report", "--json"), OK),
    (("report", "--from", "5 Jan"), USAGE),
    (("notifications", "list"), OK),
    (("notifications", "list", "--status", "lost"), USAGE),
    (("notifications", "dispatch"), OK),
    (("dead-letters",), OK),
    (("dead-letters", "retry"), USAGE),
    (("dead-letters", "retry", UNKNOWN_LETTER), FAILED),
    (("parked",), OK),
    (("replay", "decision", "o1"), OK),
    (("replay", "decision", "NOPE"), FAILED),
    (("replay", "verify"), OK),
    (("projections", "run", "--once"), OK),
    (("projections", "run", "--once", "nonsense"), USAGE),
    (("projections", "status"), OK),
    (("projections", "rebuild"), OK),
    (("ingest", "no-such-file.jsonl"), USAGE),
    (("ingest", "--batch", "0", "in.jsonl"), USAGE),
    (("demo",), USAGE),  # the store is not empty: --fresh, or another --db
    (("engine",), USAGE),  # only --kafka is implemented
    (("no-such-command",), USAGE),
]

# A SQLite store path where nothing is: read commands say so, and create nothing.
ON_NO_STORE = [
    ("queue",),
    ("queue", "A"),
    ("order", "o1"),
    ("audit", "o1"),
    ("report",),
    ("notifications", "list"),
    ("notifications", "dispatch"),
    ("dead-letters",),
    ("dead-letters", "retry", UNKNOWN_LETTER),
    ("parked",),
    ("replay", "decision", "o1"),
    ("replay", "verify"),
]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding MESSAGES; the working directory holds their file, in.jsonl."""
    for name in [k for k in __import__("os").environ if k.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTRIAN_DB", str(tmp_path / "store.sqlite"))
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(m) + "\n" for m in MESSAGES))
    assert CliRunner().invoke(app, ["ingest", "in.jsonl"]).exit_code == OK
    return tmp_path


@pytest.mark.parametrize(
    ("args", "code"), ON_A_STORE, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_each_command_exits_with_the_code_of_what_happened(shop, args, code):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output


@pytest.mark.parametrize("args", ON_NO_STORE, ids=" ".join)
def test_a_read_command_on_a_store_that_is_not_there_says_so_and_creates_nothing(tmp_path, monkeypatch, args):
    # Given a store path where nothing is
    monkeypatch.delenv("ANTRIAN_DB", raising=False)
    missing = tmp_path / "nothing-here.sqlite"
    # When a read command is asked of it
    result = CliRunner().invoke(app, ["--db", str(missing), *args])
    # Then it says there is no store there and fails, and no store was made
    assert result.exit_code == FAILED, result.output
    assert f"there is no store at {missing}" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_setting_that_cannot_be_used_is_one_line_naming_it_and_exit_code_2(shop, monkeypatch):
    monkeypatch.setenv("ANTRIAN_LOG_LEVEL", "loud")
    result = CliRunner().invoke(app, ["queue"])
    assert result.exit_code == USAGE
    assert result.output.startswith("error: ANTRIAN_LOG_LEVEL: ")
    assert len(result.output.strip().splitlines()) == 1


def test_ingest_strict_fails_when_a_message_was_refused(shop):
    (shop / "bad.jsonl").write_text("{oops\n")
    assert CliRunner().invoke(app, ["ingest", "--strict", "bad.jsonl"]).exit_code == FAILED


def test_ingest_reads_standard_input_given_as_a_dash(shop):
    more = {**MESSAGES[1], "message_id": "m-stdin"}
    result = CliRunner().invoke(app, ["ingest", "-"], input=json.dumps(more) + "\n{oops\n")
    assert result.exit_code == OK, result.output
    assert "applied 1, already applied 0, rejected 1" in result.output
    assert "-:2: rejected" in result.output


def test_dispatch_exits_1_when_a_notification_could_not_be_delivered(shop, monkeypatch):
    # Given a webhook nobody listens on
    monkeypatch.setenv("ANTRIAN_NOTIFY_CHANNEL", "webhook")
    monkeypatch.setenv("ANTRIAN_WEBHOOK_URL", f"http://127.0.0.1:{closed_port()}/hook")
    monkeypatch.setenv("ANTRIAN_WEBHOOK_SECRET", "s3cret")
    # When notifications are dispatched
    result = CliRunner().invoke(app, ["notifications", "dispatch"])
    # Then it says what failed, and fails
    assert "failed 1" in result.output or "dead 1" in result.output, result.output
    assert result.exit_code == FAILED


def test_report_json_holds_the_figures_the_table_shows(shop):
    result = CliRunner().invoke(app, ["report", "--json"])
    figures = json.loads(result.output)
    assert (figures["lines"], figures["units"], figures["backordered_units"]) == (1, 5, 3)
    assert [s["sku"] for s in figures["skus"]] == ["A"]
