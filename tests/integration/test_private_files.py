"""Customer data on disk is the owner's alone: files 0600, folders Antrian creates 0700, whatever the umask."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.bootstrap import build_engine
from infra.cli.main import app
from infra.settings import Settings
from projections.notifications.channels import FileChannel
from projections.store import SqliteReadStore
from tests.messages import apply, day, order_placed, po_placed, supplier_registered, ts
from tests.support.umask import under_umask

pytestmark = pytest.mark.integration

FILES = (
    "store.sqlite",
    "store.sqlite-wal",
    "store.sqlite-shm",
    "store.read.sqlite",
    "store.rejected.jsonl",
    "store.notifications.jsonl",
)


@pytest.fixture(params=[0o000, 0o022], ids=["umask-000", "umask-022"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask for the test, restored after it."""
    with under_umask(request.param) as mask:
        yield mask


@pytest.fixture
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of the user's (0755, like a home directory), no ANTRIAN_* setting of the shell."""
    for name in [k for k in os.environ if k.startswith("ANTRIAN_")]:
        monkeypatch.delenv(name)
    folder = tmp_path / "home"
    folder.mkdir()
    folder.chmod(0o755)
    return folder


def modes(root: Path) -> dict[str, str]:
    """Every file and folder under `root`, with its permission bits."""
    found = {}
    for path in sorted(root.rglob("*")):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def private(root: Path) -> dict[str, str]:
    """What `modes(root)` is when every folder is 0700 and every file 0600."""
    return {name: oct(0o700 if (root / name).is_dir() else 0o600) for name in modes(root)}


def run_the_embedded_flow(db: Path, source: Path) -> None:
    """`antrian ingest` (one line refused), `projections run --once`, `notifications dispatch`."""
    for args in (("ingest", str(source)), ("projections", "run", "--once"), ("notifications", "dispatch")):
        result = CliRunner().invoke(app, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output


def shop_with_a_waiting_order(folder: Path) -> Path:
    """A JSONL file: an order that waits for A (so a customer is told), and a line that is not JSON."""
    source = folder / "in.jsonl"
    source.write_text(json.dumps(order_placed("m3", "O1", (("1", "A", 2),), at=ts(1))) + "\n{oops\n")
    return source


def test_every_file_and_folder_the_embedded_flow_creates_is_private_to_the_owner(
    umask, user_folder, tmp_path
):
    # Given an event store, in folders that do not exist yet, written to in WAL mode and left open
    data = user_folder / "shop" / "antrian"
    db = data / "store.sqlite"
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    try:
        apply(
            engine,
            supplier_registered("m1", skus=("A",)),
            po_placed("m2", "PO1", (("A", 10),), expected=day(7)),
        )

        # When a file with a refused line is ingested, the projections run and notifications are sent
        run_the_embedded_flow(db, shop_with_a_waiting_order(tmp_path))

        # Then every file (the SQLite side files too) is 0600 and every folder Antrian made 0700
        assert set(FILES) <= set(modes(data)), modes(data)
        assert (data / "store.notifications.jsonl").read_text().count("\n") == 1
        assert (data / "store.rejected.jsonl").read_text().count("\n") == 1
        assert modes(user_folder / "shop") == private(user_folder / "shop")
    finally:
        engine.close()
    # and the user's own folder is left as it was
    assert stat.S_IMODE(user_folder.stat().st_mode) == 0o755


def test_files_an_older_antrian_left_readable_by_everyone_are_tightened_when_opened(
    umask, user_folder, tmp_path
):
    # Given a store in use (its -wal/-shm there) whose files and folder were left 0644/0755
    data = user_folder / "antrian"
    db = data / "store.sqlite"
    engine = build_engine(Settings(store="sqlite", sqlite_path=db))
    try:
        apply(engine, supplier_registered("m1", skus=("A",)), po_placed("m2", "PO1", expected=day(7)))
        run_the_embedded_flow(db, shop_with_a_waiting_order(tmp_path))
        data.chmod(0o755)
        for name in modes(data):
            (data / name).chmod(0o644)

        # When the same flow runs on it again (one more refused line, one more customer told)
        source = tmp_path / "more.jsonl"
        source.write_text(json.dumps(order_placed("m4", "O2", (("1", "A", 1),), at=ts(2))) + "\n{oops\n")
        run_the_embedded_flow(db, source)

        # Then every file is 0600 again, side files included, with nothing lost
        assert set(FILES) <= set(modes(data)), modes(data)
        assert modes(data) == private(data)
        assert (data / "store.notifications.jsonl").read_text().count("\n") == 2
        assert (data / "store.rejected.jsonl").read_text().count("\n") == 2
    finally:
        engine.close()
    # and the folder, which Antrian did not create this time, is left as it is
    assert stat.S_IMODE(data.stat().st_mode) == 0o755


def test_the_read_store_written_in_wal_mode_keeps_its_side_files_private(umask, tmp_path):
    # Given a read store in a folder that does not exist yet
    store = SqliteReadStore(tmp_path / "read" / "models.sqlite")
    try:
        # When it writes (WAL: a -wal and a -shm appear next to the file)
        with store.transaction() as tx:
            tx.execute("CREATE TABLE customers (email TEXT)")
            tx.execute("INSERT INTO customers VALUES (?)", ("customer@example.com",))

        # Then the database and both side files are 0600, the folder 0700
        assert modes(tmp_path / "read") == {
            "models.sqlite": "0o600",
            "models.sqlite-shm": "0o600",
            "models.sqlite-wal": "0o600",
        }
        assert stat.S_IMODE((tmp_path / "read").stat().st_mode) == 0o700
    finally:
        store.close()


def test_the_notifications_file_is_created_private_in_a_private_folder(umask, tmp_path):
    channel = FileChannel(tmp_path / "out" / "sent.jsonl")

    channel.send("O1:1:v1", json.dumps({"idempotency_key": "O1:1:v1", "to": "c@example.com"}).encode())

    assert modes(tmp_path / "out") == {"sent.jsonl": "0o600"}
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
