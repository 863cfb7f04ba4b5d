"""A front the way one gets it without a multi-objective method: one constrained run per limit.

:class:`LimitRuns` holds one constrained :class:`~naslib_optiproxy.strategies.OptiProxy` run per
limit ``metric <= limit`` on the criterion to minimise, maximising the other criterion, each
in its own in-memory :class:`~naslib_optiproxy.study.Study`. The runs take turns evaluation by
evaluation (the one with the fewest evaluations proposes next), so after ``n`` evaluations each
has about ``n / len(limits)``: the same as ``len(limits)`` separate runs of ``budget /
len(limits)`` evaluations, with the front of their union.

A run that proposes an architecture another run already evaluated learns its result at no
cost and proposes again (separate runs would pay for it again; the outer study records each
architecture once). One handed out to a concurrent worker and not told yet is told to the
proposing run as failed.

Without ``limits``, the limits are ``quantiles`` of the constrained metric over the objective's
whole table (:meth:`MultiMetricObjective.table_points
<naslib_optiproxy.objectives.multi_objective.MultiMetricObjective.table_points>`), read when the
study prepares (its first proposal).
"""

from __future__ import annotations

from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..config import OptiProxyConfig
from ..pareto import Criterion, CriterionLike, parse_criteria, trial_values
from .. import study as study_module  # the module: strategies load while study.py is still importing them
from ..types import Architecture, Constraint, Evaluation, Trial
from ..spaces import SearchSpace
from .base import Strategy
from .optiproxy import OptiProxy

#: proposals a run may make in one turn that others already evaluated, before it is skipped
MAX_REPEATS = 1000
#: the limits' quantiles of the metric over the table when no limits are given: four runs
LIMIT_QUANTILES = (0.125, 0.375, 0.625, 0.875)
#: most runs (limits) one strategy holds
MAX_LIMITS = 100


class LimitRuns(Strategy):
    """Constrained OptiProxy runs, one per limit, taking turns (module docstring).

    Args:
        space: The search-space codec.
        criteria: Exactly two criteria, one to maximise (the runs' value) and one to minimise (constrained).
        limits: One run per limit on the criterion to minimise (``None``: ``quantiles`` of the table).
        seed: Run ``i`` is seeded ``seed * len(limits) + i``.
        dataset: The dataset, for OptiProxy's constrained preset.
        config: The runs' settings (``None``: the constrained preset of the space and dataset).
        quantiles: Where the limits lie in the table when ``limits`` is ``None`` (module docstring).
    """

    name = "optiproxy-limits"

    def __init__(self, space: SearchSpace, criteria: Union[str, Sequence[CriterionLike]],
                 limits: Optional[Sequence[float]] = None, seed: int = 0, dataset: Optional[str] = None,
                 config: Optional[OptiProxyConfig] = None, quantiles: Sequence[float] = LIMIT_QUANTILES) -> None:
        super().__init__(space, seed)
        self.criteria: Tuple[Criterion, ...] = parse_criteria(criteria)
        directions = sorted(c.direction for c in self.criteria)
        if directions != ["max", "min"]:
            raise ValueError(f"one run per limit needs one criterion to maximise and one to minimise, got "
                             f"{', '.join(map(str, self.criteria))}")
        self._value = next(i for i, c in enumerate(self.criteria) if c.maximise)
        self._metric = 1 - self._value
        self.quantiles = _numbers("quantiles", quantiles)
        if not all(0 <= q <= 1 for q in self.quantiles):
            raise ValueError(f"quantiles must lie in [0, 1], got {list(self.quantiles)}")
        self.config = config if config is not None else OptiProxyConfig.preset(space, dataset, True)
        self.limits: Optional[Tuple[float, ...]] = None
        self._given = limits is not None  # the settings name the limits, else the quantiles (stable across prepare)
        self.runs: List["study_module.Study"] = []
        if limits is not None:
            self._build(_numbers("limits", limits))

    def _build(self, limits: Tuple[float, ...]) -> None:
        self.limits = limits
        n = len(limits)
        self.runs = [study_module.Study(OptiProxy(self.space, self.config, seed=self.seed * n + i)) for i in range(n)]
        self._owner: Dict[Hashable, int] = {}  # key -> the run that proposed it
        self._counts = [0] * n  # evaluations each run paid for
        self._trials: Dict[Hashable, Trial] = {}  # key -> the outer study's trial
        self._run_told: List[set] = [set() for _ in range(n)]  # keys each run was told

    def prepare(self, objective: Any) -> None:
        """Without limits: the ``quantiles`` of the constrained metric over the objective's table."""
        if self.limits is not None:
            return
        points = getattr(objective, "table_points", None)
        names = [c.metric for c in getattr(objective, "criteria", ())]
        metric = self.criteria[self._metric].metric
        if points is None or metric not in names:
            raise ValueError(f"optimizer limits needs limits on {metric} (settings limits: [...]) for an objective "
                             f"without a table to take their quantiles from")
        column = points()[:, names.index(metric)]
        self._build(tuple(float(v) for v in np.quantile(column, self.quantiles)))

    def settings(self) -> Dict[str, Any]:
        given = {"limits": list(self.limits)} if self._given else {"quantiles": list(self.quantiles)}
        return {**given, "objectives": [c.to_dict() for c in self.criteria], **self.config.to_dict()}

    def propose(self) -> List[Architecture]:
        if self.limits is None:
            raise RuntimeError("optimizer limits has no limits yet: a study prepares it with its objective first")
        order = sorted(range(len(self.runs)), key=lambda i: (self._counts[i], i))
        for i in order:
            run = self.runs[i]
            for _ in range(MAX_REPEATS):
                arch = run.ask()
                key = self.space.key(arch)
                known = self._trials.get(key)
                if known is None and not self.history.is_seen_key(key):
                    self._owner[key] = i
                    return [arch]
                if key not in self._run_told[i]:
                    self._tell(i, arch, known)
        raise RuntimeError("every run keeps proposing architectures the others evaluated")

    def observe(self, trial: Trial) -> None:
        key = self.space.key(trial.arch)
        self._trials[key] = trial
        owner = self._owner.pop(key, None)
        if owner is None:  # told from outside, not proposed by a run: the runs learn it when they propose it
            return
        self._counts[owner] += 1
        self._tell(owner, trial.arch, trial)

    def _tell(self, run: int, arch: Architecture, trial: Optional[Trial]) -> None:
        """Tell run ``run`` the outer ``trial`` of ``arch`` (``None``: not known, a failed evaluation for it)."""
        self._run_told[run].add(self.space.key(arch))
        self.runs[run].tell(arch, self._evaluation(run, trial) if trial is not None else None)

    def _evaluation(self, run: int, trial: Trial) -> Optional[Evaluation]:
        """The outer trial as run ``run`` sees it: its value, its constrained metric (``None``: failed)."""
        values = trial_values(trial, self.criteria)
        if values is None:
            return None
        limit = Constraint(self.criteria[self._metric].metric, self.limits[run])
        return Evaluation(float(values[self._value]), dict(trial.info), constraints=(limit.measure(values[self._metric]),))


def _numbers(what: str, values: Sequence[float]) -> Tuple[float, ...]:
    """One to :data:`MAX_LIMITS` finite numbers; ValueError naming ``what`` otherwise."""
    try:
        numbers = tuple(float(v) for v in (values.split() if isinstance(values, str) else values))
    except (TypeError, ValueError):
        numbers = ()
    if not 1 <= len(numbers) <= MAX_LIMITS or not all(np.isfinite(numbers)):
        raise ValueError(f"{what} must be 1 to {MAX_LIMITS} finite numbers, got {str(values)[:80]}")
    return numbers


__all__ = ["LIMIT_QUANTILES", "LimitRuns", "MAX_LIMITS"]
