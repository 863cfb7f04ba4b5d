"""One writer per output folder: an exclusive ``flock`` on ``<folder>/.lock`` naming its holder's PID.

Every command that writes a folder (``search``'s run folder, ``compare``'s ``--out``, the NASLib
runners' output folder) holds the lock for as long as it writes; a second process is refused
with the holder's PID. The lock file is opened without following a link and without truncation,
and refused unless it is a regular file with one link (:func:`~naslib_optiproxy._files.open_lock`),
so a planted symlink or hard link never has its target written.

Usage::

    with FolderLock("runs/my-run", what="the run", hint="choose another --out"):
        ...  # write the folder
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import IO, Any, Optional, Union

from ._files import open_lock

LOCK_FILE = ".lock"


class RunLockedError(ValueError):
    """Another process holds the folder's lock."""


class FolderLock:
    """The exclusive lock of ``folder`` (created when missing), taken by :meth:`acquire`.

    Args:
        folder: The output folder.
        what: What the holder writes, for the refusal (``"the run"``, ``"the comparison"``).
        hint: How to avoid the clash, for the refusal (``"choose another --out"``).
    """

    def __init__(self, folder: Union[str, "os.PathLike[str]"], what: str = "the run",
                 hint: str = "choose another --out") -> None:
        self.folder = Path(folder)
        self.what, self.hint = what, hint
        self._handle: Optional[IO[str]] = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> None:
        """Take the lock and write this process's PID into it.

        Raises:
            RunLockedError: Another process holds it.
            UnsafeFileError: A symlink, a hard link or a non-regular file stands at ``.lock``.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open_lock(self.folder / LOCK_FILE)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = handle.read(32).strip() or "unknown"
            handle.close()
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise RunLockedError(f"another process (PID {holder}) is writing {self.what} in {self.folder}; "
                                     f"wait for it to finish, or {self.hint}") from None
            raise
        # the file is this folder's own (one link, checked on open) and now locked: replace its PID
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Release the lock (closing the descriptor releases the flock)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> "FolderLock":
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


__all__ = ["FolderLock", "LOCK_FILE", "RunLockedError"]
