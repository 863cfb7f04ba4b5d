"""Durable, link-safe file writes, content digests and strict-JSON conversion.

One rule for every file a command writes:

* a new or replaced file goes through :func:`write_atomic` (``mkstemp`` in its folder, fsync,
  rename): a symlink or hard link planted at its name is replaced, never written through;
* an append (:func:`open_append`) and a lock (:func:`open_lock`) open an existing file with
  ``O_NOFOLLOW``, without truncating it, and refuse anything but a regular file with one link;
* the folders a command makes inside its output folder (:func:`make_dirs`) are refused when a
  symlink stands at their name.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any, Dict, Mapping, Tuple, Union

import numpy as np

from ._text import shorten

PathLike = Union[str, "os.PathLike[str]"]
_INT_BITS = 14_000  # about 4200 decimal digits: the most Python converts to text
_UMASK = os.umask(0o022)  # read the process's umask (it can only be read by setting it) ...
os.umask(_UMASK)  # ... and put it back


def jsonable(value: Any) -> Any:
    """``value`` as strict-JSON types: numpy to Python, tuples to lists, NaN/inf to ``None``."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _INT_BITS:
        return shorten(value)  # json cannot write an int of more than 4300 digits
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def dumps(value: Any) -> str:
    """One strict-JSON line (no newline) for ``value``."""
    return json.dumps(jsonable(value), allow_nan=False, separators=(",", ":"))


def write_atomic(path: PathLike, data: bytes) -> None:
    """Replace ``path`` by ``data`` durably and safely.

    The data goes to a fresh temporary file made with ``mkstemp`` (``O_EXCL``: a symlink
    planted under any name in the folder is never followed), is fsynced, then renamed over
    ``path`` (the rename replaces a symlink at ``path`` itself, never its target), and the
    folder is fsynced.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp's 0600 -> what open() would give, as a plain write would
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(error, OSError) and not error.filename:  # a full disk: name the file, not a temp name
            raise OSError(error.errno, error.strerror or str(error), str(path)) from error
        raise
    fsync_dir(path.parent)


def write_json(path: PathLike, data: Any) -> None:
    """Write ``data`` as indented strict JSON, atomically."""
    write_atomic(path, (json.dumps(jsonable(data), indent=2, allow_nan=False) + "\n").encode("utf-8"))


def fsync_dir(directory: PathLike) -> None:
    """Make a new file's directory entry durable (best effort; not possible everywhere)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class UnsafeFileError(ValueError):
    """A planted link (symlink, hard link) or a non-regular file where a command writes.

    Attributes:
        filename: The path refused.
    """

    def __init__(self, message: str, filename: str) -> None:
        super().__init__(message)
        self.filename = filename

    def __reduce__(self) -> Tuple[Any, ...]:  # a worker process's refusal reaches the main process whole
        return type(self), (str(self), self.filename)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _check_own_file(fd: int, path: PathLike, what: str) -> None:
    """Refuse an open file that is not a regular file with exactly one link (closing ``fd``)."""
    info = os.fstat(fd)
    problem = ""
    if not stat.S_ISREG(info.st_mode):
        problem = "it is not a regular file"
    elif info.st_nlink != 1:
        problem = f"it has {info.st_nlink} hard links (another file shares its contents)"
    if problem:
        os.close(fd)
        raise UnsafeFileError(f"refusing to write {what} {path}: {problem}; remove it, or choose another "
                              f"output folder", str(path))


def _open_nofollow(path: PathLike, flags: int, what: str) -> int:
    try:
        return os.open(path, flags | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeFileError(f"refusing to write {what} {path}: it is a symlink; remove it, or choose "
                                  f"another output folder", str(path)) from None
        raise


def open_append(path: PathLike, what: str = "the file") -> IO[str]:
    """``path`` (which must exist) opened for appending text, never through a link.

    Raises:
        UnsafeFileError: ``path`` is a symlink, has more than one hard link, or is not a regular file.
    """
    fd = _open_nofollow(path, os.O_WRONLY | os.O_APPEND, what)
    _check_own_file(fd, path, what)
    return os.fdopen(fd, "a", encoding="utf-8")


def open_lock(path: PathLike) -> IO[str]:
    """The lock file ``path`` opened read-write (created when missing, never truncated here).

    Raises:
        UnsafeFileError: ``path`` is a symlink, has more than one hard link, or is not a regular file.
    """
    fd = _open_nofollow(path, os.O_RDWR | os.O_CREAT, "the lock")
    _check_own_file(fd, path, "the lock")
    return os.fdopen(fd, "r+", encoding="utf-8")


def make_dirs(root: PathLike, relative: PathLike) -> Path:
    """``root / relative``, each folder below ``root`` made when missing and refused when it is a symlink.

    ``root`` itself may be a symlink (the user's choice of output folder).

    Raises:
        UnsafeFileError: A symlink, or a file, stands at the name of a folder below ``root``.
    """
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    for part in Path(relative).parts:
        path = path / part
        try:
            path.mkdir()
        except FileExistsError:
            pass
        if path.is_symlink() or not path.is_dir():
            kind = "a symlink" if path.is_symlink() else "not a folder"
            raise UnsafeFileError(f"refusing to write into {path}: it is {kind}; remove it, or choose another "
                                  f"output folder", str(path))
    return path


_DIGESTS: Dict[Tuple[str, int, int, int], str] = {}


def file_digest(path: PathLike) -> str:
    """The SHA-256 (hex) of a file's contents, computed once per process per (path, inode, size, mtime)."""
    real = os.path.realpath(path)
    info = os.stat(real)
    key = (real, info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(real, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def render(write: Any) -> bytes:
    """The bytes ``write(buffer)`` writes to an in-memory binary buffer (then :func:`write_atomic` them)."""
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


__all__ = ["UnsafeFileError", "dumps", "file_digest", "fsync_dir", "jsonable", "make_dirs", "open_append",
           "open_lock", "render", "write_atomic", "write_json"]
