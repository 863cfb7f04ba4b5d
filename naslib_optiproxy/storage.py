"""Where a study's trials live: a journal that is durable line by line, one writer at a time.

:class:`JournalStorage` wraps a run folder's ``journal.jsonl`` (:mod:`~naslib_optiproxy.journal`):

* **one writer:** an exclusive ``flock`` on ``<folder>/.lock``, taken before the journal is
  looked at and held until :meth:`JournalStorage.close`; a second process gets a clear error
  naming the holder's PID. Check and open are one step.
* **run identity:** the journal's header records everything that changes a run's results
  (:data:`IDENTITY_KEYS`); resuming compares all of it and names each difference with the
  flag that restores it.
* **repair:** a torn last line (a crash mid-write) is dropped before appending.

Usage::

    storage = JournalStorage("runs/my-run")
    records = storage.open(identity, resume=True, budget=100)  # [] for a new run
    study = Study(strategy, storage)
    study.replay(records)
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union

from ._files import dumps, write_atomic
from ._lock import LOCK_FILE, FolderLock, RunLockedError
from ._text import shorten
from ._version import __version__
from .journal import RunJournal
from .spaces import SearchSpace
from .types import Trial

JOURNAL_FILE = "journal.jsonl"

#: Header entries a resumed run must share with its journal (besides the package version);
#: ``budget``, ``data_dir``, ``out_dir`` and ``max_consecutive_failures`` may change on resume.
IDENTITY_KEYS = ("search_space", "dataset", "optimizer", "seed", "settings", "constraint", "fidelity",
                 "data_source", "torch_version", "torch_threads", "objectives")
#: The command-line flag that sets each identity entry (for the hint of a refused resume).
FLAGS = {"search_space": "--search-space", "dataset": "--dataset", "optimizer": "--optimizer", "seed": "--seed",
         "constraint": "--constraint", "fidelity": "--fidelity", "data_source": "--data-dir", "data": "--data-dir",
         "search": "--config (its search: section)", "torch_threads": "NASLIB_OPTIPROXY_THREADS",
         "objectives": "--objectives"}


class JournalStorage:
    """A study's trials in ``<folder>/journal.jsonl``, appended and fsynced as they are told.

    Args:
        folder: The run folder (created when missing).
    """

    def __init__(self, folder: Union[str, "os.PathLike[str]"]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / JOURNAL_FILE
        self.journal = RunJournal(self.path)
        self._lock = FolderLock(self.folder, "the run", "choose another --out")

    def close(self) -> None:
        """Close the journal and release the lock."""
        self.journal.close()
        self._lock.release()

    def __enter__(self) -> "JournalStorage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---------------------------------------------------------------- open
    def open(self, identity: Mapping[str, Any], resume: bool = False, budget: Optional[int] = None,
             resume_hint: str = "pass --resume") -> List[Dict[str, Any]]:
        """Lock the folder and return the journaled trial records to continue from (``[]``: a new run).

        Without ``resume`` a journal with trials is refused. With it, the header must match
        ``identity`` on :data:`IDENTITY_KEYS` and the package version; a truncated last line is
        dropped and the file cut back to its last complete record before appending.

        Raises:
            RunLockedError: Another process writes this run.
            ValueError: A run already there (no ``resume``), a header from another run, more
                records than ``budget``, or a corrupt journal.
        """
        self._lock.acquire()
        try:
            return self._open(identity, resume, budget, resume_hint)
        except BaseException:
            self.close()
            raise

    def _open(self, identity: Mapping[str, Any], resume: bool, budget: Optional[int],
              resume_hint: str) -> List[Dict[str, Any]]:
        header, lines = (self.journal.read() if self.path.is_file() and self.path.stat().st_size else (None, []))
        if header is None:  # nothing, or only a torn header line: nothing was evaluated
            self.journal.start(identity)
            return []
        if not resume:
            raise ValueError(f"{self.folder} already holds a run; {resume_hint} to continue it or choose another --out")
        diffs = header_differences(header, identity)
        if diffs:
            keys = {re.match(r"\w*", d).group() for d in diffs}
            flags = sorted(FLAGS[k] for k in keys if k in FLAGS)
            hint = f" (check {', '.join(flags)})" if flags else ""
            raise ValueError(f"cannot resume {self.path}: it was written by another run ({'; '.join(diffs)}); "
                             f"resume with the journal's settings{hint}, or choose another --out for a new run")
        records = [r for r in lines if isinstance(r, dict) and r.get("kind") == "trial"]
        if budget is not None and len(records) > budget:
            raise ValueError(f"cannot resume {self.path}: it holds {len(records)} evaluations, more than the budget "
                             f"{budget}; resume with --budget {len(records)} or more")
        _cut_to_complete_lines(self.path, 1 + len(lines))
        return records

    def append(self, space: SearchSpace, trial: Trial) -> None:
        """Write one trial, durable on return."""
        self.journal.append(trial_line(space, trial))


def trial_line(space: SearchSpace, trial: Trial) -> Dict[str, Any]:
    """One trial as a journal record."""
    return {"number": trial.number, "arch": space.to_string(trial.arch), "encoding": trial.arch.to_lists(),
            "value": trial.value, "info": trial.info, "constraints": [c.to_dict() for c in trial.constraints]}


def header_differences(header: Mapping[str, Any], identity: Mapping[str, Any]) -> List[str]:
    """Human-readable ``what: journal X, this run Y`` lines where ``header`` does not match this run."""
    saved = header.get("config") if isinstance(header.get("config"), Mapping) else {}
    saved, current = _normal(saved), _normal(identity)
    diffs = []
    if header.get("version") != __version__:
        diffs.append(f"package version: journal {shorten(header.get('version'))}, this run {__version__!r}")
    for key in IDENTITY_KEYS:
        old, new = saved.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict) and key == "settings":
            for name in sorted(set(old) | set(new)):
                if old.get(name, _MISSING) != new.get(name, _MISSING):
                    diffs.append(f"search.{name}: journal {_show(old.get(name, _MISSING))}, "
                                 f"this run {_show(new.get(name, _MISSING))}")
        elif key == "data_source" and old != new:
            diffs.extend(data_differences(old, new))
        elif old != new:
            diffs.append(f"{key}: journal {shorten(old)}, this run {shorten(new)}")
    return diffs


def _sources(source: Any, role: str = "") -> Dict[str, Any]:
    """``{role: leaf source}`` of a ``data_source`` (a ``combined`` one holds one per table)."""
    if isinstance(source, Mapping) and source.get("kind") == "combined" and isinstance(source.get("tables"), Mapping):
        out: Dict[str, Any] = {}
        for name, table in source["tables"].items():
            out.update(_sources(table, f"{role}{name}."))
        return out
    return {role.rstrip("."): source}


def data_differences(old: Any, new: Any) -> List[str]:
    """The data of a run's journal against this run's: each table that changed, named by its file or bundle."""
    before, after = _sources(old), _sources(new)
    diffs = []
    for role in sorted(set(before) | set(after)):
        a, b = before.get(role), after.get(role)
        if a == b:
            continue
        label = f"data ({role})" if role else "data"
        same_place = isinstance(a, Mapping) and isinstance(b, Mapping) and \
            (a.get("path"), a.get("name")) == (b.get("path"), b.get("name"))
        if same_place and a.get("sha256") != b.get("sha256"):
            where = b.get("path") or f"the bundled table {b.get('name')}"
            diffs.append(f"{label}: {where} changed since the journal was written (sha256 "
                         f"{str(a.get('sha256'))[:12]}… in the journal, {str(b.get('sha256'))[:12]}… now)")
        else:
            diffs.append(f"{label}: journal {_place(a)}, this run {_place(b)}")
    return diffs


def _place(source: Any) -> str:
    if isinstance(source, Mapping) and (source.get("path") or source.get("name")):
        return shorten(source.get("path") or f"bundled {source.get('name')}", 200)
    return shorten(source)


def _cut_to_complete_lines(path: Path, keep: int) -> None:
    """Keep the first ``keep`` lines of ``path``, newline-terminated (atomic rewrite when that changes it)."""
    data = path.read_bytes()
    kept = data.splitlines(keepends=True)[:keep]
    if kept and not kept[-1].endswith(b"\n"):
        kept[-1] += b"\n"
    new = b"".join(kept)
    if new != data:
        write_atomic(path, new)


_MISSING = object()


def _show(value: Any) -> str:
    return "(not set)" if value is _MISSING else shorten(value)


def _normal(value: Any) -> Any:
    """``value`` as it reads back from the journal (strict JSON types)."""
    return json.loads(dumps(value))


__all__ = ["FLAGS", "IDENTITY_KEYS", "JOURNAL_FILE", "LOCK_FILE", "JournalStorage", "RunLockedError",
           "data_differences", "header_differences", "trial_line"]
