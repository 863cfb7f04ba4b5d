"""Benchmarks with several metrics per architecture, and their true Pareto fronts.

:func:`multi_objective` builds a :class:`MultiMetricObjective`: each evaluation's value is the
validation accuracy (what a study maximises today) and its ``info`` holds every metric of the
architecture, the criteria's among them (read with :func:`~naslib_optiproxy.pareto.trial_values`).

===================  =============================================  ==============================
search space         metrics                                        from
===================  =============================================  ==============================
``nasbench201``      ``val``, ``test``, every HW-NAS-Bench metric   NB201 and HW-NAS-Bench tables
                     (``edgegpu_latency``, ``fpga_energy``, ...)
``nasbench_graph``   ``val``, ``test``, ``latency`` (s),            the nas-bench-graph wheel
                     ``params`` (millions)
===================  =============================================  ==============================

HW-NAS-Bench has no ``edgetpu_latency`` for 4,699 of the 15,625 cells per dataset (stored as
-1). An architecture whose criteria include a metric the table did not measure is a *failed
evaluation*: it costs one evaluation, as a failed hardware measurement would, is never on a
front and is never fitted on; the true front is computed over the measured cells only.

:meth:`MultiMetricObjective.front_score` enumerates the whole table once (cached per process)
for the exact true front and the :class:`~naslib_optiproxy.pareto.Bounds` of the reference-point
convention: the best and the worst value of each criterion over the (measured) table.

A ``constraint`` (``metric <= max`` on any reported metric) can be added on top: every
evaluation then reports it (:class:`~naslib_optiproxy.types.ConstraintValue`), infeasible
architectures are never on the reported front, and the true front and bounds are those of the
feasible part of the table.

Example:
    >>> objective = multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min")
    >>> score = objective.front_score()
    >>> len(score.front), round(score.share(score.front), 6)
    (27, 1.0)
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Dict, Iterable, Iterator, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .._text import did_you_mean
from ..data import bundled
from ..pareto import Bounds, Criterion, CriterionLike, FrontScore, pareto_front, parse_criteria
from ..types import Architecture, Constraint, Evaluation
from .constrained import ConstraintLike, parse_constraint
from .hw_nas_bench import HW_METRICS, NOT_MEASURED, hw_source, load_hw_table
from .nasbench201 import NasBench201Objective
from .nasbench_graph import NasBenchGraphObjective

PathLike = Union[str, "os.PathLike[str]"]
Metrics = Mapping[str, float]

#: metrics each benchmark reports, by search space
METRICS = {"nasbench201": ("val", "test", *HW_METRICS), "nasbench_graph": ("val", "test", "latency", "params")}
_ALIASES = {"hw_nas_bench": "nasbench201"}
_FRONTS: Dict[Tuple[Any, ...], FrontScore] = {}


class MultiMetricObjective:
    """An objective reporting several metrics per architecture, with the table's true front.

    Args:
        objective: The accuracy objective (``arch -> Evaluation``), with ``space`` and ``dataset``.
        criteria: The criteria searched for (their metrics must be among ``metrics_names``).
        extra: ``arch -> {metric: value}`` for metrics the objective does not report itself.
        rows: Iterates ``{metric: value}`` over the benchmark's whole table (for the true front).
        not_measured: ``{metric: sentinel}`` values that mean the table has no measurement.
        metric_names: Every metric this benchmark reports.
        identity: Names the tables read, for the front cache.
        constraint: ``metric <= max`` on one of ``metric_names``, or ``None``.
    """

    def __init__(self, objective: Any, criteria: Sequence[Criterion], extra: Optional[Callable[[Architecture], Metrics]],
                 rows: Callable[[], Iterable[Metrics]], metric_names: Sequence[str],
                 not_measured: Optional[Mapping[str, float]] = None, identity: Tuple[Any, ...] = (),
                 constraint: Optional[Constraint] = None) -> None:
        self.objective = objective
        self.space = objective.space
        self.dataset = objective.dataset
        self.metric_names = tuple(metric_names)
        for criterion in criteria:
            if criterion.metric not in self.metric_names:
                raise ValueError(f"{self.space.name} reports no metric {criterion.metric!r}"
                                 f"{did_you_mean(criterion.metric, self.metric_names)}; known metrics: "
                                 f"{', '.join(self.metric_names)}")
        self.criteria = tuple(criteria)
        if constraint is not None and constraint.metric not in self.metric_names:
            raise ValueError(f"{self.space.name} reports no metric {constraint.metric!r} to constrain"
                             f"{did_you_mean(constraint.metric, self.metric_names)}; known metrics: "
                             f"{', '.join(self.metric_names)}")
        self.constraint = constraint
        self._extra = extra
        self._rows = rows
        self.not_measured = dict(not_measured or {})
        self._identity = (*identity, self.criteria, constraint)
        self.data_source = getattr(objective, "data_source", None)

    def measured(self, metric: str, value: Any) -> bool:
        """Whether ``value`` is a measurement (a finite number, not the table's sentinel for 'not measured')."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        return math.isfinite(number) and number != self.not_measured.get(metric)

    def __call__(self, arch: Architecture) -> Evaluation:
        evaluation = self.objective(arch)
        info = {**evaluation.info, **(dict(self._extra(arch)) if self._extra is not None else {})}
        needed = [c.metric for c in self.criteria] + ([self.constraint.metric] if self.constraint is not None else [])
        missing = list(dict.fromkeys(m for m in needed if not self.measured(m, info.get(m))))
        if missing:
            info["error"] = f"{', '.join(missing)} not measured for this architecture in the benchmark's table"
            return Evaluation(None, info)
        constraints = ()
        if self.constraint is not None:
            constraints = (self.constraint.measure(float(info[self.constraint.metric])),)
        return Evaluation(evaluation.value, info, constraints)

    def feasible_row(self, row: Metrics) -> bool:
        """Whether a table row meets the constraint (always, without one)."""
        if self.constraint is None:
            return True
        metric = self.constraint.metric
        return self.measured(metric, row[metric]) and self.constraint.satisfied(float(row[metric]))

    def table_points(self) -> np.ndarray:
        """``[n, M]``: the criteria's values of every (feasible) architecture of the table with all of them measured."""
        names = [c.metric for c in self.criteria]
        points = [[row[m] for m in names] for row in self._rows()
                  if all(self.measured(m, row[m]) for m in names) and self.feasible_row(row)]
        return np.array(points, dtype=np.float64).reshape(-1, len(names))

    def front_score(self) -> FrontScore:
        """The true front of the whole table and the reference-point convention (cached per process)."""
        score = _FRONTS.get(self._identity)
        if score is None:
            points = self.table_points()
            if not len(points):
                raise ValueError(f"no architecture of the table meets {self.constraint}; loosen the constraint")
            score = FrontScore(self.criteria, pareto_front(points, self.criteria), Bounds.of(points, self.criteria))
            _FRONTS[self._identity] = score
        return score

    def __repr__(self) -> str:
        limit = f", constraint={str(self.constraint)!r}" if self.constraint is not None else ""
        return (f"MultiMetricObjective({self.space.name!r}, {self.dataset!r}, "
                f"criteria={','.join(map(str, self.criteria))!r}{limit})")


def multi_objective(search_space: str, dataset: Optional[str], criteria: Union[str, Iterable[CriterionLike]],
                    data_dir: Optional[PathLike] = None, hw_dir: Optional[PathLike] = None,
                    constraint: Optional[ConstraintLike] = None) -> MultiMetricObjective:
    """The multi-metric objective of a benchmark (module docstring) for ``criteria`` (and a ``constraint``).

    Raises:
        ValueError: An unknown search space or metric, or malformed criteria.
        BenchmarkDataError: A table is missing or malformed.
    """
    space = _ALIASES.get(search_space, search_space)
    if space not in METRICS:
        raise ValueError(f"no multi-metric benchmark for search space {search_space!r}"
                         f"{did_you_mean(search_space, METRICS)}; available: {', '.join(METRICS)}")
    parsed = parse_criteria(criteria)
    limit = parse_constraint(constraint) if constraint is not None else None
    if space == "nasbench_graph":
        return _graph(dataset or "cora", parsed, limit)
    return _nb201_hw(dataset or "cifar10", parsed, data_dir, hw_dir, limit)


def _nb201_hw(dataset: str, criteria: Tuple[Criterion, ...], data_dir: Optional[PathLike],
              hw_dir: Optional[PathLike], constraint: Optional[Constraint] = None) -> MultiMetricObjective:
    base = NasBench201Objective(dataset, data_dir)
    hardware = load_hw_table(base.dataset, hw_dir, data_dir)

    def extra(arch: Architecture) -> Metrics:
        return hardware[tuple(int(o) for o in arch.ops)]

    def rows() -> Iterator[Metrics]:
        for arch in base.space:
            yield {**base(arch).info, **extra(arch)}

    hw = hw_source(base.dataset, hw_dir, data_dir)
    objective = MultiMetricObjective(base, criteria, extra, rows, METRICS["nasbench201"], NOT_MEASURED,
                                     identity=("nasbench201", base.dataset, repr(base.data_source), repr(hw)),
                                     constraint=constraint)
    objective.data_source = bundled.combined_source(accuracy=base.data_source, hardware=hw)
    return objective


def _graph(dataset: str, criteria: Tuple[Criterion, ...], constraint: Optional[Constraint] = None) -> MultiMetricObjective:
    base = NasBenchGraphObjective(dataset)
    return MultiMetricObjective(base, criteria, None, base.records, METRICS["nasbench_graph"],
                                identity=("nasbench_graph", base.dataset, str(base.source)), constraint=constraint)


__all__ = ["METRICS", "MultiMetricObjective", "multi_objective"]
