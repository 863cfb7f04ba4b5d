"""The one write rule: atomic replaces, appends and locks that never write through a planted link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from naslib_optiproxy._files import (UnsafeFileError, file_digest, jsonable, make_dirs, open_append, open_lock,
                                     write_atomic)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the output folder, with contents that must survive."""
    target = tmp_path / "outside.txt"
    target.write_text("precious")
    return target


def _plant(path: Path, target: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.symlink_to if kind == "symlink" else path.hardlink_to)(target)


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_write_atomic_replaces_a_planted_link_never_its_target(tmp_path: Path, outside: Path, kind: str) -> None:
    path = tmp_path / "out" / "summary.md"
    _plant(path, outside, kind)
    write_atomic(path, b"new")
    assert outside.read_text() == "precious"
    assert path.read_bytes() == b"new" and not path.is_symlink() and path.stat().st_nlink == 1


def test_write_atomic_gives_the_mode_a_plain_write_would(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    write_atomic(tmp_path / "result.json", b"{}")
    (tmp_path / "plain.json").write_bytes(b"{}")
    assert (tmp_path / "result.json").stat().st_mode & 0o777 == (tmp_path / "plain.json").stat().st_mode & 0o777


@pytest.mark.parametrize("opener", [open_append, open_lock], ids=["append", "lock"])
@pytest.mark.parametrize("kind, words", [("symlink", "it is a symlink"), ("hardlink", "it has 2 hard links")])
def test_appends_and_locks_refuse_planted_links(tmp_path: Path, outside: Path, opener, kind: str, words: str) -> None:
    path = tmp_path / "out" / "journal.jsonl"
    _plant(path, outside, kind)
    with pytest.raises(UnsafeFileError, match=words) as error:
        opener(path)
    assert error.value.filename == str(path) and "remove it, or choose another output folder" in str(error.value)
    assert outside.read_text() == "precious"


def test_a_lock_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".lock").mkdir()
    with pytest.raises((UnsafeFileError, IsADirectoryError)):
        open_lock(tmp_path / ".lock")


def test_own_files_open_without_truncation(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text("line 1\n")
    with open_append(path) as handle:
        handle.write("line 2\n")
    with open_lock(path) as handle:
        assert handle.read() == "line 1\nline 2\n"


def test_make_dirs_refuses_a_symlinked_folder_below_the_root(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "task").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafeFileError, match="refusing to write into .*task: it is a symlink"):
        make_dirs(tmp_path / "out", "task/method")
    assert list(elsewhere.iterdir()) == []
    linked_root = tmp_path / "root-link"
    linked_root.symlink_to(tmp_path / "out", target_is_directory=True)  # the user's own choice of folder: fine
    assert make_dirs(linked_root, "a/b").is_dir()


def test_file_digest_follows_the_contents(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("a")
    first = file_digest(path)
    assert first == file_digest(path) == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    path.write_text("b")
    assert file_digest(path) != first


def test_jsonable_writes_ints_past_the_digit_limit_as_text() -> None:
    assert jsonable({"x": 10 ** 5000}) == {"x": "an int of about 5,000 digits"}
    assert jsonable(10 ** 400) == 10 ** 400  # JSON holds it


def test_a_refusal_crosses_process_boundaries_whole() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(UnsafeFileError("refusing to write x", "x")))
    assert str(error) == "refusing to write x" and error.filename == "x"
