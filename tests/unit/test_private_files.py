"""projections/private_files.py: what it creates is the owner's alone; what it finds, it tightens only if ours."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from projections.private_files import (
    append_private,
    make_private_dirs,
    prepare_sqlite_file,
    tighten_if_there,
)
from tests.support.umask import under_umask


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o277], ids=["umask-000", "umask-022", "umask-277"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask for the test (0o277 even masks the owner's write bit), restored after it."""
    with under_umask(request.param) as mask:
        yield mask


def test_missing_folders_are_created_owner_only_and_folders_already_there_are_left_alone(umask, tmp_path):
    tmp_path.chmod(0o755)

    make_private_dirs(tmp_path / "a" / "b")

    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path) == 0o755


def test_a_file_in_the_way_of_a_folder_is_an_error_as_with_mkdir(tmp_path):
    (tmp_path / "taken").write_text("")

    with pytest.raises(FileExistsError):
        make_private_dirs(tmp_path / "taken")


def test_a_new_file_appended_to_is_created_owner_read_write_whatever_the_umask(umask, tmp_path):
    with append_private(tmp_path / "notes.jsonl") as file:
        file.write(b"{}\n")

    assert mode(tmp_path / "notes.jsonl") == 0o600


def test_a_file_of_ours_readable_by_others_is_tightened_when_appended_to_and_keeps_its_content(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_bytes(b"first\n")
    path.chmod(0o664)

    with append_private(path) as file:
        file.write(b"second\n")

    assert mode(path) == 0o600
    assert path.read_bytes() == b"first\nsecond\n"


def test_a_file_owned_by_someone_else_is_left_as_it_is(tmp_path, monkeypatch):
    path = tmp_path / "theirs.jsonl"
    path.write_bytes(b"")
    path.chmod(0o644)
    monkeypatch.setattr(os, "geteuid", lambda: path.stat().st_uid + 1)

    with append_private(path) as file:
        file.write(b"x\n")
    tighten_if_there(path)

    assert mode(path) == 0o644


def test_a_sqlite_file_is_created_empty_and_private_before_sqlite_opens_it(umask, tmp_path):
    prepare_sqlite_file(tmp_path / "store.sqlite")

    assert mode(tmp_path / "store.sqlite") == 0o600
    assert (tmp_path / "store.sqlite").read_bytes() == b""


def test_a_sqlite_file_and_its_leftover_side_files_are_tightened_and_kept_as_they_were(tmp_path):
    for name in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "store.sqlite-journal"):
        (tmp_path / name).write_bytes(b"data")
        (tmp_path / name).chmod(0o644)

    prepare_sqlite_file(tmp_path / "store.sqlite")

    for name in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "store.sqlite-journal"):
        assert mode(tmp_path / name) == 0o600, name
        assert (tmp_path / name).read_bytes() == b"data"


@pytest.mark.parametrize("name", [":memory:", "file:shared?mode=memory&cache=shared", ""])
def test_in_memory_databases_leave_no_file_behind(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    prepare_sqlite_file(name)

    assert list(tmp_path.iterdir()) == []
