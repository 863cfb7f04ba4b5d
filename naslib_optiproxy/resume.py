"""Resume a run from its journal: check the header, repair a torn tail, replay the evaluations.

Every optimizer here is deterministic given its config, its seed and the values it is
told, so a run is restored by rebuilding the optimizer and *replaying* the journal:
each record is asked for again and told its journaled value, without evaluating
anything. :func:`load_for_resume` decides whether ``<out>/journal.jsonl`` may be
continued; :func:`replay` brings a fresh optimizer to the journal's state.

Usage::

    records = load_for_resume(path, header_config, resume=True, budget=100)  # None: start a new journal
    optimizer = make_optimizer(...)
    replay(optimizer, records or [])
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .journal import RunJournal, dumps, write_atomic
from .strategies.base import Evaluation, Optimizer
from .spaces import Architecture

#: Header-config entries a resumed run must share with its journal (besides the package version).
#: ``budget``, ``data_dir``, ``out_dir`` and ``max_consecutive_failures`` may change on resume.
IDENTITY_KEYS = ("search_space", "dataset", "optimizer", "seed", "search")


def record_arch(record: Mapping[str, Any]) -> Architecture:
    """The architecture of a journal record (from its ``encoding``: ``[ops, topology]``)."""
    try:
        return Architecture.from_lists(record["encoding"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"journal record {record.get('number')!r} has no valid 'encoding' "
                         f"([ops, topology]); the journal is corrupt") from None


def replay(optimizer: Optimizer, records: Sequence[Mapping[str, Any]]) -> int:
    """Tell ``optimizer`` the journaled evaluations in order, evaluating nothing; returns how many asks matched.

    For each record the optimizer is asked for its next architecture as in the original
    run. If that differs from the journaled one (e.g. another torch version changed a
    proposal), the journaled architecture is told anyway, the unevaluated proposal is
    forgotten and the pending queue cleared; a RuntimeWarning then reports the divergence.

    Raises:
        ValueError: Records out of order, or one without a valid encoding.
    """
    space = optimizer.space
    matched, first_miss = 0, None
    for index, record in enumerate(records):
        if record.get("number", index) != index:
            raise ValueError(f"journal record {index} is numbered {record.get('number')!r}; the journal is corrupt")
        arch = record_arch(record)
        asked = optimizer.ask()
        if asked == arch:
            matched += 1
        else:
            if first_miss is None:
                first_miss = (index, space.to_string(asked), space.to_string(arch))
            if space.key(asked) != space.key(arch):
                optimizer._seen.discard(space.key(asked))  # proposed, never evaluated
            optimizer._pending.clear()
        optimizer.tell(arch, Evaluation(record.get("value"), dict(record.get("info") or {})))  # type: ignore[arg-type]
    if first_miss is not None:
        index, asked, journaled = first_miss
        warnings.warn(f"replay diverged from the journal at evaluation {index} (proposed {asked}, journal "
                      f"holds {journaled}) and {len(records) - matched} times in all, e.g. under another "
                      f"torch/numpy version; the journal's history is kept, later proposals may differ "
                      f"from an uninterrupted run", RuntimeWarning, stacklevel=2)
    return matched


def header_differences(header: Mapping[str, Any], config: Mapping[str, Any], version: str) -> List[str]:
    """Human-readable ``what: journal X, this run Y`` lines where ``header`` does not match this run."""
    saved = _normal(header.get("config") or {})
    current = _normal(config)
    diffs = []
    if header.get("version") != version:
        diffs.append(f"package version: journal {header.get('version')!r}, this run {version!r}")
    for key in IDENTITY_KEYS:
        old, new = saved.get(key), current.get(key)
        if key == "search" and isinstance(old, dict) and isinstance(new, dict):
            for name in sorted(set(old) | set(new)):
                if old.get(name, _MISSING) != new.get(name, _MISSING):
                    diffs.append(f"search.{name}: journal {_show(old.get(name, _MISSING))}, "
                                 f"this run {_show(new.get(name, _MISSING))}")
        elif old != new:
            diffs.append(f"{key}: journal {old!r}, this run {new!r}")
    return diffs


def load_for_resume(path: Path, config: Mapping[str, Any], resume: bool, budget: int) -> Optional[List[Dict[str, Any]]]:
    """The journaled trial records to continue from, or ``None`` when a new journal is to be started.

    Without ``resume`` an existing non-empty journal is refused. With it, the header must
    match ``config`` (see :data:`IDENTITY_KEYS`) and the package version; a truncated last
    line is dropped and the file cut back to the last complete record before appending.

    Raises:
        ValueError: A run already there (no ``resume``), a header from other settings, more
            records than ``budget``, or a corrupt journal.
    """
    from . import __version__

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    if not resume:
        raise ValueError(f"{path.parent} already holds a run; pass --resume to continue it or choose another --out")
    journal = RunJournal(path)
    header, lines = journal.read()
    if header is None:  # only a torn header line: nothing was evaluated
        return None
    diffs = header_differences(header, config, __version__)
    if diffs:
        raise ValueError(f"cannot resume {path}: it was written by another run ({'; '.join(diffs)}); "
                         f"use the same settings to resume it, or choose another --out for a new run")
    records = [r for r in lines if isinstance(r, dict) and r.get("kind") == "trial"]
    if len(records) > budget:
        raise ValueError(f"cannot resume {path}: it holds {len(records)} evaluations, more than the budget "
                         f"{budget}; resume with --budget {len(records)} or more")
    _cut_to_complete_lines(path, 1 + len(lines))
    return records


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
    return "(not set)" if value is _MISSING else repr(value)


def _normal(value: Any) -> Any:
    """``value`` as it reads back from the journal (strict JSON types)."""
    return json.loads(dumps(value))


__all__ = ["IDENTITY_KEYS", "header_differences", "load_for_resume", "record_arch", "replay"]
