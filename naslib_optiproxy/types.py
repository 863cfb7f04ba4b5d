"""Value types shared by every layer: architectures, constraints, evaluations, trials and their states,
and what an objective is.

Nothing here imports the rest of the package, so codecs, objectives, strategies and
adapters can all depend on it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, NamedTuple, Optional, Protocol, Sequence, Tuple, Union, runtime_checkable


class Architecture(NamedTuple):
    """A compact architecture: one operation index per op slot, one choice per topology slot.

    Attributes:
        ops: Index into the space's ``op_names`` for every searchable operation slot.
        topology: One entry per topology slot: the chosen candidate index for a choice
            topology, 0/1 per masked edge for a Bernoulli topology, empty for a fixed one.
    """

    ops: Tuple[int, ...]
    topology: Tuple[int, ...] = ()

    def to_lists(self) -> List[List[int]]:
        """``[ops, topology]`` as plain lists (JSON)."""
        return [list(self.ops), list(self.topology)]

    @classmethod
    def from_lists(cls, record: Sequence[Sequence[int]]) -> "Architecture":
        """Inverse of :meth:`to_lists`."""
        ops, topology = record
        return cls(tuple(int(o) for o in ops), tuple(int(t) for t in topology))


@dataclass(frozen=True)
class Constraint:
    """``metric <= max``: an architecture is feasible when its measured ``metric`` is at most ``max``."""

    metric: str
    max: float

    def satisfied(self, value: float) -> bool:
        return bool(value <= self.max)

    def measure(self, value: float) -> "ConstraintValue":
        """The constraint with the measured ``value`` of one architecture."""
        return ConstraintValue(self.metric, float(value), self.max)

    def to_dict(self) -> Dict[str, Any]:
        return {"metric": self.metric, "max": self.max}

    def __str__(self) -> str:
        return f"{self.metric}<={self.max:g}"


@dataclass(frozen=True)
class ConstraintValue:
    """One constraint ``metric <= max`` and the value an evaluation measured for it."""

    metric: str
    value: float
    max: float

    @property
    def feasible(self) -> bool:
        return bool(self.value <= self.max)

    @property
    def excess(self) -> float:
        """``value - max``: feasible at zero or less (Optuna's constraint convention)."""
        return float(self.value - self.max)

    @property
    def constraint(self) -> Constraint:
        return Constraint(self.metric, self.max)

    def to_dict(self) -> Dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "max": self.max}

    @classmethod
    def from_dict(cls, record: Any) -> "ConstraintValue":
        """From ``{metric, value, max}``; ValueError on anything else."""
        try:
            value = cls(str(record["metric"]), float(record["value"]), float(record["max"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"a constraint value must be {{metric, value, max}} with numbers, "
                             f"got {str(record)[:80]}") from None
        return value


@dataclass
class Evaluation:
    """What an objective returns: the value to maximise, measured constraints, and anything else.

    Example:
        >>> Evaluation(40.1, {"test": 39.8}, constraints=(ConstraintValue("edgegpu_latency", 1.8, 2.0),)).feasible
        True
    """

    value: Optional[float]
    info: Dict[str, Any] = field(default_factory=dict)
    constraints: Tuple[ConstraintValue, ...] = ()

    @property
    def feasible(self) -> bool:
        """Every constraint is met (unconstrained: always)."""
        return all(c.feasible for c in self.constraints)


class TrialState(enum.Enum):
    """Where a trial stands: handed out by ``ask`` and not told yet, told a value, or told a failure."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAIL = "fail"

    def is_finished(self) -> bool:
        return self is not TrialState.RUNNING


@dataclass(frozen=True)
class Trial:
    """One trial of a study as strategies, callbacks and results see it: a frozen snapshot.

    The storage (:mod:`~naslib_optiproxy.storage`) owns the trials; this is what it hands out
    (Optuna's ``FrozenTrial``; :data:`FrozenTrial` is another name for it).

    Attributes:
        number: Position in the study's history (the order trials were told); ``-1`` while running.
        arch: The architecture.
        value: The measured value; ``None`` while running and when the evaluation failed.
        info: Anything else measured; a failed trial's reason is ``info["error"]``.
        constraints: The measured constraint values.
        state: Running, complete or failed; by default complete when ``value`` is a number,
            failed when it is ``None``.
    """

    number: int
    arch: Architecture
    value: Optional[float]
    info: Dict[str, Any] = field(default_factory=dict)
    constraints: Tuple[ConstraintValue, ...] = ()
    state: Optional[TrialState] = None

    def __post_init__(self) -> None:
        if self.state is None:
            object.__setattr__(self, "state", TrialState.FAIL if self.value is None else TrialState.COMPLETE)
        elif not isinstance(self.state, TrialState):
            raise TypeError(f"state must be a TrialState, got {type(self.state).__name__}")
        if (self.value is None) == (self.state is TrialState.COMPLETE):
            raise ValueError(f"a {self.state.value} trial {'needs a value' if self.value is None else 'has no value'}, "
                             f"got value={self.value!r}")

    @property
    def failed(self) -> bool:
        return self.state is TrialState.FAIL

    @property
    def feasible(self) -> bool:
        """Complete and met every constraint (unconstrained: every success)."""
        return self.state is TrialState.COMPLETE and all(c.feasible for c in self.constraints)

    def rank_key(self) -> Tuple[bool, float]:
        """Sort key preferring feasible trials, then higher values (failed and running trials: lowest)."""
        return (self.feasible, -math.inf if self.value is None else self.value)


#: Optuna's name for what strategies see: a trial that is a snapshot, not a handle.
FrozenTrial = Trial


@runtime_checkable
class Objective(Protocol):
    """What a study evaluates: an architecture in, its value out (a number or an :class:`Evaluation`).

    Any callable will do; one that raises or returns no finite number records a failed trial.
    """

    def __call__(self, arch: Architecture) -> Union[float, Evaluation]: ...


@runtime_checkable
class BenchmarkObjective(Objective, Protocol):
    """An objective that knows its benchmark: every one :func:`~naslib_optiproxy.objectives.get_objective` builds
    (NAS-Bench-101, -201 plain, under an HW-NAS-Bench constraint or at low/full fidelity, -301, -Graph plain
    or constrained, -NLP).

    Attributes:
        space: Its search-space codec.
        dataset: The canonical dataset (:mod:`naslib_optiproxy.datasets`; ``None`` for NAS-Bench-NLP, PTB only).
        data_source: Where its numbers come from (recorded in journals and results).

    Read where present: ``constraint`` (a constrained objective's :class:`Constraint`), ``fidelity`` and
    ``report(trials)`` (a fidelity objective's accounting), ``optimum()`` (``(arch, val, test)``, for reports).
    """

    space: Any
    dataset: Optional[str]
    data_source: Any


__all__ = ["Architecture", "BenchmarkObjective", "Constraint", "ConstraintValue", "Evaluation", "FrozenTrial", "Objective",
           "Trial", "TrialState"]
