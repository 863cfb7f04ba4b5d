"""The one record format of stored trials: journal lines and checkpoints alike.

A finished trial is ``{"number", "arch", "encoding", "value", "info", "constraints", "state"}``;
a running one (a checkpoint's, never a journal's) ``{"arch", "encoding", "state": "running",
"asked"}``. ``encoding`` (``[ops, topology]``) is what is read back; ``arch`` is for people.

The order of asks and tells is kept on a logical clock (one tick per ask, one per tell):
``asked`` and ``told`` are a trial's ticks, written only where they differ from a sequential
run's (trial ``n`` asked at tick ``2n`` and told at ``2n + 1``), so a CLI journal holds
neither; ``"asked": null`` is a trial told without being asked. Records of older versions
(no ``state``, no ticks) read as sequential trials.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence

from ._text import shorten
from .spaces import SearchSpace
from .types import Architecture, ConstraintValue, Evaluation, Trial, TrialState

_STATES = {s.value: s for s in TrialState}


class StoredTrial(NamedTuple):
    """One record, checked: its architecture, evaluation (running: ``None``), state and clock ticks."""

    arch: Architecture
    evaluation: Optional[Evaluation]
    state: TrialState
    asked: Optional[int]
    told: Optional[int]


def trial_line(space: SearchSpace, trial: Trial, asked: Optional[int] = None,
               told: Optional[int] = None) -> Dict[str, Any]:
    """``trial`` as a record; ``asked``/``told``: its clock ticks, written where not sequential."""
    record: Dict[str, Any] = {"arch": space.to_string(trial.arch), "encoding": trial.arch.to_lists()}
    if trial.state is TrialState.RUNNING:
        return {**record, "state": "running", "asked": asked}
    record = {"number": trial.number, **record, "value": trial.value, "info": trial.info,
              "constraints": [c.to_dict() for c in trial.constraints], "state": trial.state.value}
    if (asked, told) != (2 * trial.number, 2 * trial.number + 1):
        record.update(asked=asked, told=told)
    return record


def read_records(records: Sequence[Any], space: SearchSpace) -> List[StoredTrial]:
    """Check ``records`` (finished trials in history order, then running ones) and fill in their ticks.

    Raises:
        ValueError: A record out of order or malformed, naming it (``the journal is corrupt``).
    """
    out: List[StoredTrial] = []
    for index, record in enumerate(records):
        stored = _read(record, index, space, finished=sum(s.state.is_finished() for s in out))
        if stored.state.is_finished() and out and not out[-1].state.is_finished():
            raise ValueError(f"trial record {index} is finished but follows a running one; running trials come "
                             f"last; the journal is corrupt")
        out.append(stored)
    ticks = [t for s in out for t in (s.asked, s.told) if t is not None]
    if len(set(ticks)) != len(ticks):
        raise ValueError("two trial records share an 'asked'/'told' tick; the journal is corrupt")
    told = [s.told for s in out if s.told is not None]
    if told != sorted(told):
        raise ValueError("the trial records' 'told' ticks are out of order; the journal is corrupt")
    return out


def _read(record: Any, index: int, space: SearchSpace, finished: int) -> StoredTrial:
    if not isinstance(record, Mapping):
        raise ValueError(f"trial record {index} is not a JSON object; the journal is corrupt")
    state = _STATES.get(record.get("state", "complete" if record.get("value") is not None else "fail"))
    if state is None:
        raise ValueError(f"trial record {index} has the state {shorten(record.get('state'))}; expected one of "
                         f"{', '.join(_STATES)}; the journal is corrupt")
    arch = _arch(record, index, space)
    if state is TrialState.RUNNING:
        asked = _tick(record, "asked", index, 2 * finished + (index - finished))
        if asked is None:
            raise ValueError(f"trial record {index} is running but was never asked; the journal is corrupt")
        return StoredTrial(arch, None, state, asked, None)
    if record.get("number", finished) != finished:
        raise ValueError(f"trial record {index} is numbered {shorten(record.get('number'))}; the journal is corrupt")
    info, value = record.get("info") or {}, record.get("value")
    if not isinstance(info, Mapping) or not (value is None or _is_number(value)):
        raise ValueError(f"trial record {index} has a malformed 'info' or 'value'; the journal is corrupt")
    if (value is None) != (state is TrialState.FAIL):
        raise ValueError(f"trial record {index} is {state.value} with the value {shorten(value)}; "
                         f"the journal is corrupt")
    constraints = record.get("constraints") or []
    if not isinstance(constraints, list):
        raise ValueError(f"trial record {index} has malformed 'constraints'; the journal is corrupt")
    evaluation = Evaluation(value, dict(info), tuple(ConstraintValue.from_dict(c) for c in constraints))
    asked, told = _tick(record, "asked", index, 2 * finished), _tick(record, "told", index, 2 * finished + 1)
    if told is None or (asked is not None and asked >= told):
        raise ValueError(f"trial record {index} is told at tick {shorten(told)}, not after it was asked "
                         f"({shorten(asked)}); the journal is corrupt")
    return StoredTrial(arch, evaluation, state, asked, told)


def _arch(record: Mapping[str, Any], index: int, space: SearchSpace) -> Architecture:
    try:
        arch = Architecture.from_lists(record["encoding"])
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError):
        raise ValueError(f"trial record {index} has no valid 'encoding' ([ops, topology]); "
                         f"the journal is corrupt") from None
    try:
        valid = space.is_valid(arch)
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        valid = False
    if not valid:
        raise ValueError(f"trial record {index} has the encoding {shorten(record['encoding'])}, which is not a "
                         f"{space.name} architecture (wrong length or an unknown op index); the journal is corrupt")
    return arch


def _tick(record: Mapping[str, Any], name: str, index: int, default: int) -> Optional[int]:
    """The record's ``name`` tick (absent: ``default``; ``null``: never)."""
    if name not in record:
        return default
    tick = record[name]
    if tick is None:
        return None
    if isinstance(tick, bool) or not isinstance(tick, int) or tick < 0:
        raise ValueError(f"trial record {index} has {name!r} {shorten(tick)}, not a tick (an integer >= 0); "
                         f"the journal is corrupt")
    return tick


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


__all__ = ["StoredTrial", "read_records", "trial_line"]
