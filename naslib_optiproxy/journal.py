"""An append-only JSON-lines journal of a run's evaluations, durable line by line.

Line 1 is a header ``{"kind": "header", "version": ..., "config": ...}``; every later
line is one record ``{"kind": "trial", ...}``. Each line is flushed and fsynced before
:meth:`RunJournal.append` returns, so a crash loses at most the line being written;
:meth:`RunJournal.read` drops such a truncated last line and warns about it.

Usage::

    journal = RunJournal("run/journal.jsonl")
    journal.start({"budget": 10})
    journal.append({"number": 0, "arch": "...", "value": 91.2})
    header, records = journal.read()
"""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import IO, Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np


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


class RunJournal:
    """Append-only JSON-lines file at ``path``.

    Attributes:
        path: The journal file.
        dropped: After :meth:`read`, the truncated last line that was dropped, else ``None``.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        self.path = Path(path)
        self.dropped: Optional[str] = None
        self._handle: Optional[IO[str]] = None

    def start(self, config: Optional[Mapping[str, Any]] = None) -> None:
        """Create (or overwrite) the file with its header line."""
        from . import __version__

        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "w", encoding="utf-8")
        self._write({"kind": "header", "version": __version__, "config": dict(config or {})})
        _fsync_dir(self.path.parent)

    def append(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` as one line (kind ``trial`` unless given), durable on return."""
        if self._handle is None:
            if not self.path.exists():
                self.start()
            else:
                self._handle = open(self.path, "a", encoding="utf-8")
        self._write({"kind": "trial", **record})

    def _write(self, record: Mapping[str, Any]) -> None:
        assert self._handle is not None
        self._handle.write(dumps(record) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> "RunJournal":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def read(self) -> Tuple[Optional[Dict[str, Any]], List[Dict[str, Any]]]:
        """``(header, records)``; a truncated last line is dropped with a RuntimeWarning.

        Raises:
            ValueError: A line other than the last is not JSON, or the first is no header.
        """
        lines = self.path.read_text(encoding="utf-8").splitlines()
        self.dropped = None
        parsed: List[Dict[str, Any]] = []
        for number, line in enumerate(lines, start=1):
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError as error:
                if number < len(lines):
                    raise ValueError(
                        f"{self.path}, line {number}: not JSON ({error}); the journal is corrupt"
                    ) from None
                self.dropped = line
                warnings.warn(f"{self.path}, line {number}: dropped a truncated last line "
                              f"({len(line)} characters; the run was interrupted while writing it)",
                              RuntimeWarning, stacklevel=2)
        if not parsed:
            return None, []
        header, records = parsed[0], parsed[1:]
        if not isinstance(header, dict) or header.get("kind") != "header":
            raise ValueError(f"{self.path}, line 1: expected the journal header, got {lines[0][:80]!r}")
        return header, records


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` durably: temporary file, fsync, rename, fsync of the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
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


__all__ = ["RunJournal", "dumps", "jsonable", "write_atomic"]
