"""One writer per output folder: the ``.lock`` of ``search``, ``compare`` and the NASLib runners."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from naslib_optiproxy._files import UnsafeFileError
from naslib_optiproxy._lock import LOCK_FILE, FolderLock, RunLockedError


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    with FolderLock(tmp_path / "out", "the comparison", "choose another --out"):
        assert (tmp_path / "out" / LOCK_FILE).read_text() == str(os.getpid())
        with pytest.raises(RunLockedError, match=f"another process \\(PID {os.getpid()}\\) is writing the comparison "
                                                 f"in .*out; wait for it to finish, or choose another --out"):
            FolderLock(tmp_path / "out", "the comparison", "choose another --out").acquire()
    with FolderLock(tmp_path / "out"):  # released
        pass


def test_a_stale_lock_of_this_folder_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / LOCK_FILE).write_text("99999999 and more text")
    with FolderLock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text() == str(os.getpid())


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_a_planted_lock_is_refused_and_its_target_kept(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("precious")
    (tmp_path / "out").mkdir()
    lock = tmp_path / "out" / LOCK_FILE
    (lock.symlink_to if kind == "symlink" else lock.hardlink_to)(target)
    with pytest.raises(UnsafeFileError, match="refusing to write the lock"):
        FolderLock(tmp_path / "out").acquire()
    assert target.read_text() == "precious"
