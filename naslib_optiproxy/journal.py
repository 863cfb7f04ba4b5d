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
import os
import warnings
from pathlib import Path
from typing import IO, Any, Dict, List, Mapping, Optional, Tuple, Union

from ._files import dumps, open_append, write_atomic
from ._version import __version__


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
        """Create (or replace) the file with its header line, atomically (never through a symlink)."""
        self.close()
        header = {"kind": "header", "version": __version__, "config": dict(config or {})}
        write_atomic(self.path, (dumps(header) + "\n").encode("utf-8"))
        self._open_for_append()

    def append(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` as one line (kind ``trial`` unless given), durable on return."""
        if self._handle is None:
            if not self.path.exists():
                self.start()
            else:
                self._open_for_append()
        self._write({"kind": "trial", **record})

    def _open_for_append(self) -> None:
        """Open the journal for appending; a symlink or a hard link at its path is refused, never written."""
        self._handle = open_append(self.path, "the journal")

    def _write(self, record: Mapping[str, Any]) -> None:
        """Append one line and fsync it; an OSError (a full disk, a quota) names the journal."""
        assert self._handle is not None
        try:
            self._handle.write(dumps(record) + "\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as error:
            self._discard()
            raise OSError(error.errno, error.strerror or str(error), str(self.path)) from error

    def _discard(self) -> None:
        """Close the handle after a failed write, ignoring a second failure while it flushes (the fd
        is closed regardless; a line cut short is dropped by :meth:`read`)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.close()
            except OSError:
                pass

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
            except RecursionError:
                raise ValueError(f"{self.path}, line {number}: values nested too deeply to read (a journal record "
                                 f"nests a few levels); the journal is corrupt") from None
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


__all__ = ["RunJournal"]
