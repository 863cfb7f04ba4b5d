"""Where the NASLib runners write: one writer per output folder, a finished run kept, no link followed.

``naslib-optiproxy naslib`` and ``naslib-predictors`` write NASLib's files (``errors.json``,
``log.log``, its checkpoints) and ours (``optiproxy_summary.json``) into ``config.save``. NASLib
opens its files with a plain ``open()``, which would write through a symlink or hard link planted
at their names. So, under :func:`output_folder`:

* the folder's ``.lock`` is held for the whole run (a second runner is refused with the holder's
  PID, as ``search`` is: :class:`~naslib_optiproxy._lock.FolderLock`);
* a folder that already holds a finished run (its ``finished`` file) is refused: the results are
  kept, and another ``out_dir`` or ``seed`` runs again;
* NASLib writes into a fresh private folder made by ``mkdtemp`` inside the output folder (nothing
  can be planted in it beforehand), and every file is then moved into place with ``rename``,
  which replaces a link at the target name instead of writing through it. Files of a run that
  stops early (an error, Ctrl-C) are moved too; the ``finished`` file is only written by a run that
  completes. A private folder left by a killed run is removed by the next run on the folder
  (NASLib cannot resume a run: it starts again).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

from ..._files import UnsafeFileError, fsync_dir, make_dirs
from ..._lock import FolderLock, RunLockedError

PRIVATE_PREFIX = ".naslib-"
LOG_FILE = "log.log"
NASLIB_SUBFOLDERS = ("search", "eval")
#: Files whose text may name the private folder (NASLib's config in errors.json, its log).
TEXT_SUFFIXES = (".json", ".log", ".txt", ".yaml")
MAX_TEXT_BYTES = 64 << 20


class FinishedRunError(ValueError):
    """The output folder already holds a finished run."""


#: What :func:`output_folder` refuses before NASLib runs (each a ValueError with a one-line message).
REFUSALS = (FinishedRunError, RunLockedError, UnsafeFileError)


def check_not_finished(folder: Path, finished: str) -> None:
    """Refuse a folder holding a finished run (its ``finished`` file)."""
    if os.path.lexists(folder / finished):
        raise FinishedRunError(f"{folder} already holds a finished run ({finished}); its results are kept: choose "
                               f"another out_dir or seed to run again (e.g. the override 'out_dir runs/new' or "
                               f"'seed 1')")


def public_text(text: str, private: Path, folder: Path) -> str:
    """``text`` with the private folder's path replaced by the output folder's (also as JSON escapes it)."""
    for old, new in ((str(private), str(folder)), (json.dumps(str(private))[1:-1], json.dumps(str(folder))[1:-1])):
        text = text.replace(old, new)
    return text


def publish(private: Path, folder: Path, last: str = "") -> None:
    """Move every file under ``private`` to the same place under ``folder`` (``rename``: a link at a target name
    is replaced, never written through; a symlinked folder on the way is refused), then remove ``private``.

    NASLib records its output folder in its text files (the config in ``errors.json``, ``log.log``): there the
    private folder's path is replaced by the output folder's first. The file ``last`` (a finished run's marker)
    is moved after every other one.
    """
    files = [p for p in private.rglob("*") if p.is_file() and not p.is_symlink()]
    for path in sorted(files, key=lambda p: (p.relative_to(private).as_posix() == last, p.as_posix())):
        if path.suffix in TEXT_SUFFIXES and path.stat().st_size <= MAX_TEXT_BYTES:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                pass
            else:
                fixed = public_text(text, private, folder)
                if fixed != text:
                    path.write_text(fixed, encoding="utf-8")  # our own private file, then renamed
        relative = path.relative_to(private)
        target = make_dirs(folder, relative.parent) / relative.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(path, target)
    shutil.rmtree(private, ignore_errors=True)
    fsync_dir(folder)


def _remove_stale(folder: Path) -> None:
    """Private folders of runs killed before they could publish (the lock is held: their writers are gone)."""
    for stale in folder.glob(PRIVATE_PREFIX + "*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


class Output:
    """The output ``folder`` and the ``private`` one NASLib writes into meanwhile."""

    def __init__(self, folder: Path, private: Path) -> None:
        self.folder, self.private = folder, private

    def public(self, text: str) -> str:
        """``text`` (e.g. a summary line naming ``config.save``) with the output folder's path."""
        return public_text(text, self.private, self.folder)


@contextlib.contextmanager
def output_folder(config: Any, finished: str) -> Iterator[Output]:
    """Hold ``config.save``'s lock, point ``config.save`` at a fresh private folder inside it (NASLib's log
    included) for the block, then move what was written into place and restore ``config.save``.

    Raises:
        RunLockedError: Another process writes the folder.
        FinishedRunError: The folder holds a finished run.
        UnsafeFileError: A link stands at its lock, or at a folder a file is moved into.
    """
    folder = Path(config.save)
    with FolderLock(folder, "a NASLib run", "choose another out_dir or seed"):
        check_not_finished(folder, finished)
        for sub in NASLIB_SUBFOLDERS:  # refused now, not after the run, when a symlink stands at their name
            make_dirs(folder, sub)
        _remove_stale(folder)
        private = Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX, dir=folder))
        for sub in NASLIB_SUBFOLDERS:  # NASLib makes these at load time and its checkpointer expects them
            (private / sub).mkdir()
        with naslib_log(private / LOG_FILE):
            config.save = str(private)
            try:
                yield Output(folder, private)
            finally:
                config.save = str(folder)
        publish(private, folder, last=finished)


@contextlib.contextmanager
def naslib_log(path: Path) -> Iterator[None]:
    """NASLib's log (logger ``naslib``, INFO) to this run's ``path`` and to the current stdout, for the block.

    NASLib's ``setup_logger`` is cached per output path and would keep writing to earlier runs' files and
    streams in a process that runs several; these handlers are removed when the block ends.
    """
    logger = logging.getLogger("naslib")
    handlers = [logging.FileHandler(path), logging.StreamHandler(sys.stdout)]
    handlers[0].setFormatter(logging.Formatter("[%(asctime)s] %(name)s %(levelname)s: %(message)s",
                                               datefmt="%m/%d %H:%M:%S"))
    handlers[1].setFormatter(logging.Formatter("[%(asctime)s %(name)s]: %(message)s", datefmt="%m/%d %H:%M:%S"))
    before = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in handlers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(before[0])
        logger.propagate = before[1]


__all__ = ["FinishedRunError", "LOG_FILE", "Output", "PRIVATE_PREFIX", "REFUSALS", "check_not_finished",
           "output_folder", "public_text", "publish"]
