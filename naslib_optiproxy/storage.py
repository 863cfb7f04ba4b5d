"""Where a study's trials live: the storage interface, in memory or in a journal.

A :class:`~naslib_optiproxy.study.Study` delegates its bookkeeping to a storage, as Optuna's
studies do: the storage owns the trials, each with a :class:`~naslib_optiproxy.types.TrialState`
(running: asked and not told yet; complete; failed, the reason in ``info["error"]``), and hands
out frozen :class:`~naslib_optiproxy.types.Trial` snapshots. Each architecture is one trial
(the study de-duplicates by canonical key, and so does the storage).

* :class:`InMemoryStorage` (the default): :meth:`~BaseStorage.records` is what a checkpoint
  holds (Ray Tune's searcher saves them).
* :class:`JournalStorage`: the same, with every told trial appended to a run folder's
  ``journal.jsonl`` (:mod:`~naslib_optiproxy.journal`), durable line by line:

  * **one writer:** an exclusive ``flock`` on ``<folder>/.lock``, taken before the journal is
    looked at and held until :meth:`JournalStorage.close`; a second process gets a clear error
    naming the holder's PID. Check and open are one step.
  * **run identity:** the journal's header records everything that changes a run's results
    (:data:`IDENTITY_KEYS`); resuming compares all of it and names each difference with the
    flag that restores it.
  * **repair:** a torn last line (a crash mid-write) is dropped before appending.

Persistence has one path: stored records (journal lines or a checkpoint's list, one format:
:mod:`~naslib_optiproxy.records`) are replayed into a fresh study
(:meth:`Study.replay <naslib_optiproxy.study.Study.replay>`), which asks its strategy again in
the recorded order of asks and tells and tells the recorded results; nothing is evaluated again.

Usage::

    storage = JournalStorage("runs/my-run")
    records = storage.open(identity, resume=True, budget=100)  # [] for a new run
    study = Study(strategy, storage)
    study.replay(records)
"""

from __future__ import annotations

import abc
import json
import math
import numbers
import os
import re
from pathlib import Path
from typing import Any, Dict, Hashable, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._files import dumps, write_atomic
from ._lock import LOCK_FILE, FolderLock, RunLockedError
from ._text import shorten
from ._version import __version__
from .journal import RunJournal
from .records import trial_line
from .spaces import SearchSpace
from .types import Architecture, ConstraintValue, Trial, TrialState

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

FINISHED = (TrialState.COMPLETE, TrialState.FAIL)


class BaseStorage(abc.ABC):
    """The trials of one study: created running by ``ask``, finished by ``tell``.

    A storage serves one study of one search space (:meth:`attach`). Trials are identified by
    their architecture's canonical key (``space.key``; pass ``key`` where it is computed already).
    Besides each trial, a storage keeps the order of asks and tells (a logical clock: one tick
    per ask, one per tell), which :meth:`records` writes so that a replay repeats it.
    """

    space: Optional[SearchSpace] = None

    def attach(self, space: SearchSpace) -> None:
        """Bind the storage to its study's search space (the same space again: no change).

        Raises:
            ValueError: The storage belongs to a study of another space.
        """
        if self.space is not None and _space_id(self.space) != _space_id(space):
            raise ValueError(f"this storage already holds a study of {self.space.name}, not {space.name}; "
                             f"use one storage per study")
        self.space = space

    @abc.abstractmethod
    def create_trial(self, arch: Architecture, key: Optional[Hashable] = None) -> Trial:
        """A new RUNNING trial for ``arch`` (what ``ask`` hands out).

        Raises:
            ValueError: ``arch`` (or an isomorphic twin) is a trial already.
        """

    @abc.abstractmethod
    def finish_trial(self, arch: Architecture, value: Optional[float], info: Optional[Mapping[str, Any]] = None,
                     constraints: Sequence[ConstraintValue] = (), key: Optional[Hashable] = None) -> Trial:
        """Tell: ``arch``'s trial becomes COMPLETE (``value`` a finite number) or FAIL (``None``; the reason
        in ``info["error"]``) and is numbered next in the history. A trial that was never created
        (told without ``ask``) is created and finished at once.

        Raises:
            ValueError: The trial was finished already, or ``value`` is no finite number.
        """

    @abc.abstractmethod
    def get_trials(self, states: Optional[Iterable[TrialState]] = None) -> List[Trial]:
        """The trials in ``states`` (default: all): finished ones in history order, then running ones in ask order."""

    @abc.abstractmethod
    def get_n_trials(self, states: Optional[Iterable[TrialState]] = None) -> int:
        """How many trials are in ``states`` (default: all)."""

    @abc.abstractmethod
    def get_trial(self, key: Hashable) -> Optional[Trial]:
        """The trial of the architecture with canonical ``key``, or ``None``."""

    @abc.abstractmethod
    def records(self) -> List[Dict[str, Any]]:
        """Every trial as a JSON record (:mod:`~naslib_optiproxy.records`): what a checkpoint holds."""


def _space_id(space: SearchSpace) -> Tuple[Any, ...]:
    return type(space), space.name, tuple(space.op_names)


class InMemoryStorage(BaseStorage):
    """Trials in memory (the default storage of a :class:`~naslib_optiproxy.study.Study`).

    Example:
        >>> from naslib_optiproxy import Architecture, NasBench201
        >>> storage = InMemoryStorage()
        >>> storage.attach(NasBench201())
        >>> arch = Architecture((0, 1, 2, 3, 4, 0))
        >>> storage.create_trial(arch).state.value, storage.finish_trial(arch, 91.5).state.value
        ('running', 'complete')
    """

    def __init__(self) -> None:
        self.space = None
        self._finished: List[Trial] = []  # history order
        self._finished_keys: List[Hashable] = []
        self._running: Dict[Hashable, Trial] = {}  # ask order
        self._by_key: Dict[Hashable, Trial] = {}
        self._ticks: Dict[Hashable, Tuple[Optional[int], Optional[int]]] = {}  # key -> (asked, told)
        self._clock = 0

    def create_trial(self, arch: Architecture, key: Optional[Hashable] = None) -> Trial:
        key = self._key(arch, key)
        if key in self._by_key:
            old = self._by_key[key]
            raise ValueError(f"{self.space.to_string(arch)} is a trial already ({old.state.value}); "
                             f"a study records each architecture once")
        trial = Trial(-1, arch, None, {}, (), TrialState.RUNNING)
        self._running[key] = self._by_key[key] = trial
        self._ticks[key] = (self._clock, None)
        self._clock += 1
        return trial

    def finish_trial(self, arch: Architecture, value: Optional[float], info: Optional[Mapping[str, Any]] = None,
                     constraints: Sequence[ConstraintValue] = (), key: Optional[Hashable] = None) -> Trial:
        key, trial = self._finished_trial(arch, value, info, constraints, key)
        self._commit(key, trial)
        return trial

    def _finished_trial(self, arch: Architecture, value: Optional[float], info: Optional[Mapping[str, Any]],
                        constraints: Sequence[ConstraintValue], key: Optional[Hashable]) -> Tuple[Hashable, Trial]:
        """The finished trial :meth:`finish_trial` would record (nothing changed yet)."""
        key = self._key(arch, key)
        old = self._by_key.get(key)
        if old is not None and old.state.is_finished():
            raise ValueError(f"{self.space.to_string(arch)} was told already (trial {old.number}); "
                             f"a study records each architecture once")
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                  or not math.isfinite(value)):
            raise ValueError(f"a trial's value is a finite number or None (failed), got {shorten(value)}")
        state = TrialState.FAIL if value is None else TrialState.COMPLETE
        number = len(self._finished)
        return key, Trial(number, arch, None if value is None else float(value), dict(info or {}),
                          tuple(constraints), state)

    def _commit(self, key: Hashable, trial: Trial) -> None:
        self._running.pop(key, None)
        self._by_key[key] = trial
        self._finished.append(trial)
        self._finished_keys.append(key)
        self._ticks[key] = (self._ticks.get(key, (None, None))[0], self._clock)
        self._clock += 1

    def get_trials(self, states: Optional[Iterable[TrialState]] = None) -> List[Trial]:
        wanted = set(TrialState) if states is None else set(states)
        finished = self._finished if wanted & set(FINISHED) == set(FINISHED) else \
            [t for t in self._finished if t.state in wanted]
        return [*finished, *(self._running.values() if TrialState.RUNNING in wanted else ())]

    def get_n_trials(self, states: Optional[Iterable[TrialState]] = None) -> int:
        if states is None:
            return len(self._by_key)
        wanted = set(states)
        count = len(self._running) if TrialState.RUNNING in wanted else 0
        if wanted >= set(FINISHED):
            return count + len(self._finished)
        return count + sum(t.state in wanted for t in self._finished)

    def get_trial(self, key: Hashable) -> Optional[Trial]:
        return self._by_key.get(key)

    def records(self) -> List[Dict[str, Any]]:
        space = self._space()
        return [trial_line(space, t, *self._ticks[k]) for k, t in
                [*zip(self._finished_keys, self._finished), *self._running.items()]]

    def _key(self, arch: Architecture, key: Optional[Hashable]) -> Hashable:
        if not isinstance(arch, Architecture):
            raise TypeError(f"a trial's architecture is an Architecture, got {type(arch).__name__} {shorten(arch)}")
        return self._space().key(arch) if key is None else key

    def _space(self) -> SearchSpace:
        if self.space is None:
            raise ValueError("this storage is not attached to a study yet: build Study(strategy, storage) first")
        return self.space


class JournalStorage(InMemoryStorage):
    """A study's trials in memory and in ``<folder>/journal.jsonl``, each appended and fsynced as it is told.

    Running trials are not journaled: a run that dies asks for them again when it resumes.

    Args:
        folder: The run folder (created when missing).
    """

    def __init__(self, folder: Union[str, "os.PathLike[str]"]) -> None:
        super().__init__()
        self._journaled: List[Dict[str, Any]] = []  # the records open() found, to be replayed
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
        self._journaled = records
        return records

    def finish_trial(self, arch: Architecture, value: Optional[float], info: Optional[Mapping[str, Any]] = None,
                     constraints: Sequence[ConstraintValue] = (), key: Optional[Hashable] = None) -> Trial:
        """Finish the trial and append it to the journal, durable on return (a journaled one being
        replayed is only checked against its line).

        Raises:
            ValueError: As :meth:`BaseStorage.finish_trial`; or the journal holds other trials at
                this position (the study did not replay the records :meth:`open` returned).
        """
        key, trial = self._finished_trial(arch, value, info, constraints, key)
        if trial.number < len(self._journaled):
            if self._journaled[trial.number].get("encoding") != arch.to_lists():
                raise ValueError(f"{self.path} holds {len(self._journaled)} trials before this one; replay them "
                                 f"into the study first (study.replay(records))")
        else:
            asked = self._ticks.get(key, (None, None))[0]
            self.journal.append(trial_line(self._space(), trial, asked, self._clock))
        self._commit(key, trial)
        return trial


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


__all__ = ["FLAGS", "IDENTITY_KEYS", "JOURNAL_FILE", "LOCK_FILE", "BaseStorage", "InMemoryStorage", "JournalStorage",
           "RunLockedError", "data_differences", "header_differences", "trial_line"]
