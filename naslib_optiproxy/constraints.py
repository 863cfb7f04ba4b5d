"""Resource constraints ``metric <= max``: parsing, constrained objectives, the penalised score.

A constrained objective returns, with every evaluation, the measured constraint values
(typed, :class:`~naslib_optiproxy.types.ConstraintValue`)::

    Evaluation(40.1, {"test": 39.8, "edgegpu_latency": 1.83},
               constraints=(ConstraintValue("edgegpu_latency", 1.83, 2.0),))

Every strategy reports as best only feasible trials (:attr:`Trial.feasible
<naslib_optiproxy.types.Trial.feasible>`). OptiProxy models each constrained metric with one
proxy head and maximises :func:`penalised_score` (paper Sec. 3.2): in the gradient search and
in the selection alike, with a weight adapted by :class:`PenaltyWeight`.

Example:
    >>> parse_constraint("edgegpu_latency<=2")
    Constraint(metric='edgegpu_latency', max=2.0)
    >>> parse_constraint({"metric": "latency", "max": 0.01}).satisfied(0.02)
    False
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, Union

import torch

from ._settings import setting, validate
from ._text import did_you_mean, shorten
from .types import Architecture, Constraint, ConstraintValue, Evaluation

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


def penalised_score(output: torch.Tensor, limits: Optional[torch.Tensor], weight: float) -> torch.Tensor:
    """Predicted value minus ``weight`` x the summed predicted violations (paper Sec. 3.2).

    ``score = y_0 - weight * sum_j relu(y_j - limit_j)``, everything in the proxy's
    standardised units: column 0 of ``output [B, 1 + M]`` is the predicted accuracy, columns
    ``1..M`` the predicted constrained metrics, ``limits [M]`` their limits. Unconstrained
    (``output [B]`` or ``limits=None``): the prediction itself. Used by the gradient search
    (differentiable in ``output``) and by the selection of candidates.
    """
    if limits is None or output.dim() == 1:
        return output if output.dim() == 1 else output[:, 0]
    return output[:, 0] - weight * torch.relu(output[:, 1:] - limits).sum(dim=-1)


def predicted_feasible(output: torch.Tensor, limits: torch.Tensor) -> torch.Tensor:
    """``[B]`` bool: every predicted metric (columns ``1..M`` of ``output``) within its limit."""
    return (output[:, 1:] <= limits).all(dim=-1)


def constraints_of(trials: Sequence[Any]) -> Tuple[Constraint, ...]:
    """The constraints the first successful trial reports (``()`` for an unconstrained objective)."""
    for trial in trials:
        if not trial.failed:
            return tuple(c.constraint for c in trial.constraints)
    return ()


@dataclass
class ConstraintSettings:
    """How OptiProxy handles a constraint (paper Sec. 3.2), with their config keys."""

    weight: float = setting(1.0, "constraint_weight", above=0, doc="initial weight of the predicted violation")
    target: float = setting(0.7, "constraint_target", low=0, high=1,
                            doc="feasible fraction of new evaluations the weight adapts towards")
    rate: float = setting(1.0, "constraint_rate", low=0, doc="adaptation speed of the weight")
    log: bool = setting(True, "constraint_log", doc="model the log of a positive metric (latency, energy)")

    def __post_init__(self) -> None:
        validate(self)

    def penalty(self) -> "PenaltyWeight":
        return PenaltyWeight(self.weight, self.target, self.rate)


@dataclass
class PenaltyWeight:
    """Lagrangian-style weight of the predicted constraint violation, adapted from feedback.

    After each step, ``update(fraction)`` receives the feasible fraction of the recently
    evaluated architectures: below ``target`` the weight grows (the search must respect
    the limit more), above it shrinks (the search may move closer to the limit), by the
    factor ``exp(rate * (target - fraction))``, clipped to ``[low, high]``.
    """

    weight: float = 1.0
    target: float = 0.7
    rate: float = 1.0
    low: float = 0.05
    high: float = 20.0

    def update(self, fraction: float) -> float:
        """Adapt to the observed feasible ``fraction`` in ``[0, 1]``; returns the new weight."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"feasible fraction must be in [0, 1], got {fraction}")
        self.weight = min(self.high, max(self.low, self.weight * math.exp(self.rate * (self.target - fraction))))
        return self.weight


__all__ = ["Constraint", "ConstrainedObjective", "ConstraintSettings", "ConstraintValue", "PenaltyWeight",
           "check_metric", "constraints_of", "parse_constraint", "penalised_score", "predicted_feasible"]
