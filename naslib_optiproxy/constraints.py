"""Searching under resource constraints ``metric <= max``: the penalised score and its adaptive weight.

Constrained objectives (:mod:`naslib_optiproxy.objectives.constrained`) report, with every
evaluation, the measured constraint values (:class:`~naslib_optiproxy.types.ConstraintValue`).
Every strategy reports as best only feasible trials (:attr:`Trial.feasible
<naslib_optiproxy.types.Trial.feasible>`). OptiProxy models each constrained metric with one
proxy head and maximises :func:`penalised_score` (paper Sec. 3.2): in the gradient search and
in the selection alike, with a weight adapted by :class:`PenaltyWeight`.

Example:
    >>> weight = ConstraintSettings(weight=1.0).penalty()
    >>> round(weight.update(0.2), 3)  # too few feasible: the weight grows
    1.649
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence, Tuple

import torch

from ._settings import setting, validate
from .types import Constraint, ConstraintValue

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

    section: ClassVar[str] = "constraint"  # its part of OptiProxyConfig (config.constraint)

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


__all__ = ["Constraint", "ConstraintSettings", "ConstraintValue", "PenaltyWeight", "constraints_of",
           "penalised_score", "predicted_feasible"]
