"""Constrained objectives: ``metric <= max`` parsed, and reported with every evaluation.

A constrained objective returns, with every evaluation, the measured constraint values
(typed, :class:`~naslib_optiproxy.types.ConstraintValue`)::

    Evaluation(40.1, {"test": 39.8, "edgegpu_latency": 1.83},
               constraints=(ConstraintValue("edgegpu_latency", 1.83, 2.0),))

How OptiProxy searches under a constraint (the penalised score) is the method's:
:mod:`naslib_optiproxy.constraints`.

Example:
    >>> parse_constraint("edgegpu_latency<=2")
    Constraint(metric='edgegpu_latency', max=2.0)
    >>> parse_constraint({"metric": "latency", "max": 0.01}).satisfied(0.02)
    False
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple, Union

from .._text import did_you_mean, shorten
from ..types import Architecture, Constraint, Evaluation

ConstraintLike = Union[str, Mapping[str, Any], "Constraint"]

_TEXT = re.compile(r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_\-]*)\s*(?:<=|:)\s*(?P<max>\S+)\s*$")
_FORMS = "write METRIC<=MAX or METRIC:MAX (e.g. edgegpu_latency<=2), or {metric: edgegpu_latency, max: 2.0} in YAML"


def parse_constraint(value: ConstraintLike) -> Constraint:
    """A :class:`Constraint` from ``"metric<=max"``, ``"metric:max"`` or ``{metric, max}``.

    Raises:
        ValueError: Malformed text, missing or unknown keys, or a max that is not a finite number.
    """
    if isinstance(value, Constraint):
        return value
    if isinstance(value, str):
        match = _TEXT.match(value)
        if not match:
            raise ValueError(f"bad constraint {shorten(value)}: {_FORMS}")
        metric, limit = match["metric"], match["max"]
    elif isinstance(value, Mapping):
        keys = set(value)
        if keys != {"metric", "max"}:
            raise ValueError(f"bad constraint {shorten(dict(value))}: expected exactly the keys metric and max, got "
                             f"{', '.join(sorted(map(str, keys))) or 'none'}; {_FORMS}")
        metric, limit = value["metric"], value["max"]
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"bad constraint {shorten(dict(value))}: metric must be a metric name, got {metric!r}")
    else:
        raise TypeError(f"constraint must be text like 'edgegpu_latency<=2' or a mapping, got "
                        f"{type(value).__name__} {shorten(value)}")
    try:
        limit = float(limit)
        if isinstance(value, Mapping) and isinstance(value["max"], bool):
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"bad constraint {shorten(value)}: the limit must be a number, got {shorten(limit)}; "
                         f"{_FORMS}") from None
    if not math.isfinite(limit):
        raise ValueError(f"bad constraint {shorten(value)}: the limit must be finite, got {limit}")
    return Constraint(metric, limit)


def check_metric(constraint: Constraint, metrics: Sequence[str], where: str) -> None:
    """ValueError naming the known metrics of ``where`` when ``constraint.metric`` is not one of them."""
    if constraint.metric not in metrics:
        raise ValueError(f"{where} has no metric {constraint.metric!r}{did_you_mean(constraint.metric, metrics)}; "
                         f"known metrics: {', '.join(metrics)}")


class ConstrainedObjective:
    """An objective plus the constraint ``metric <= max``, reported in every evaluation's info.

    The value (accuracy) is unchanged; infeasible architectures are evaluated normally and
    flagged ``feasible: False``, so optimizers can learn from them but never report them.

    Args:
        objective: The accuracy objective (``arch -> Evaluation``), with ``space`` and ``dataset``.
        constraint: The constraint (any form :func:`parse_constraint` accepts).
        metrics: ``arch -> {metric: value}`` for metrics the objective does not report itself
            (HW-NAS-Bench); ``None`` reads the metric from the evaluation's info (NAS-Bench-Graph latency).
    """

    def __init__(self, objective: Any, constraint: ConstraintLike,
                 metrics: Optional[Callable[[Architecture], Mapping[str, float]]] = None) -> None:
        self.objective = objective
        self.constraint = parse_constraint(constraint)
        self.metrics = metrics
        self.space = objective.space
        self.dataset = objective.dataset
        self._optimum: Optional[Tuple[Architecture, float, float]] = None

    def __call__(self, arch: Architecture) -> Evaluation:
        evaluation = self.objective(arch)
        values = dict(self.metrics(arch)) if self.metrics is not None else {}
        name = self.constraint.metric
        value = float(values[name] if name in values else evaluation.info[name])
        return Evaluation(evaluation.value, {**evaluation.info, **values, name: value},
                          constraints=(*evaluation.constraints, self.constraint.measure(value)))

    def optimum(self) -> Tuple[Architecture, float, float]:
        """``(arch, val, test)`` of the best feasible architecture, by enumerating the space (for reports only)."""
        if self._optimum is None:
            best = None
            for arch in self.space:
                evaluation = self(arch)
                if evaluation.feasible and (best is None or evaluation.value > best[1]):
                    best = (arch, evaluation.value, evaluation.info.get("test"))
            if best is None:
                raise ValueError(f"no architecture satisfies {self.constraint}")
            self._optimum = best
        return self._optimum

    def __repr__(self) -> str:
        return f"ConstrainedObjective({self.objective!r}, constraint={str(self.constraint)!r})"


__all__ = ["ConstrainedObjective", "ConstraintLike", "check_metric", "parse_constraint"]
