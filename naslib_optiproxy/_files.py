"""Durable, symlink-safe file writes and strict-JSON conversion."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]


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


__all__ = ["dumps", "fsync_dir", "jsonable", "write_atomic", "write_json"]
